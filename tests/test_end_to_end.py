"""The whole path as a user meets it: `salama run`, real HTTP(S) through the
proxy to local sites, the block page, and the alert in the dashboard's API."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.salama_process import SalamaProcess
from tests.upstream import LocalSite

pytestmark = pytest.mark.e2e

SAFE = b"""<html><head><title>Ecole Ibn Khaldoun - devoirs</title></head><body>
<nav>Accueil | Contact</nav><h1>Devoirs de mathematiques</h1>
<p>Pour lundi, terminez les exercices 4 a 9 page 52 sur les fractions. Apportez votre compas et votre regle.
Les parents peuvent consulter le calendrier des examens du deuxieme trimestre sur le site de l'ecole.</p></body></html>"""

RISKY = """<html><head><title>Free diamonds generator</title></head><body>
<h1>Get 10000 free diamonds and free V-Bucks now</h1>
<p>Enter your account login and password and the code we send to your phone to receive your free diamonds.
Hurry, only today! Send the verification code to our agent on WhatsApp to claim your prize. 100% legit, no survey.</p>
<p>Hey, you're so mature for your age. Don't tell your parents about our chats, delete the messages.
Send me a photo of you, I will give you a gift card. Are you home alone? Let's meet, I'll pick you up after school.</p>
</body></html>""".encode()


@pytest.fixture(scope="module")
def sites():
    pages = {"/safe": ("text/html; charset=utf-8", SAFE), "/risky": ("text/html; charset=utf-8", RISKY)}
    plain, tls = LocalSite(pages), LocalSite(pages, tls=True, names=["secure.test"])
    yield plain, tls
    plain.close()
    tls.close()


@pytest.fixture(scope="module")
def salama(sites, tmp_path_factory):
    plain, tls = sites
    home = tmp_path_factory.mktemp("e2e") / "home"
    init = subprocess.run([sys.executable, "-m", "salama", "init", "--home", str(home), "--admin-password", "parent-pass"],
                          capture_output=True, text=True, timeout=600)
    assert init.returncode == 0, init.stderr
    deny = subprocess.run([sys.executable, "-m", "salama", "policy", "deny", "blocked.test", "--home", str(home)],
                          capture_output=True, text=True, timeout=60)
    assert deny.returncode == 0, deny.stderr
    resolve = [f"{h}=127.0.0.1:{plain.port}" for h in ("school.test", "forum.test", "blocked.test")]
    resolve.append(f"secure.test=127.0.0.1:{tls.port}")
    proc = SalamaProcess(home, resolve)
    yield proc
    proc.stop()


def fetch(opener, url):
    try:
        with opener.open(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)


def api_alerts(salama):
    req = urllib.request.Request(f"http://127.0.0.1:{salama.dashboard_port}/api/alerts")
    req.add_header("Authorization", "Basic " + base64.b64encode(b"admin:parent-pass").decode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["alerts"]


def test_safe_page_passes_over_http_and_https(salama):
    opener = salama.opener()
    status, body, _ = fetch(opener, "http://school.test/safe")
    assert status == 200 and "Devoirs de mathematiques" in body
    status, body, _ = fetch(opener, "https://secure.test/safe")
    assert status == 200 and "Devoirs de mathematiques" in body


def test_denied_domain_gets_the_block_page_without_reaching_upstream(salama, sites):
    plain, _ = sites
    before = len(plain.requests)
    for url in ("http://blocked.test/anything", "https://www.Blocked.TEST./x", "http://sub.blocked.test:80/"):
        status, body, headers = fetch(salama.opener(), url)
        assert status == 403, (url, salama.output()[-2000:])
        assert "blocked-url" in body and ("recorded" in body or "enregistrée" in body)
    assert len(plain.requests) == before


def test_risky_page_is_blocked_and_alert_reaches_the_dashboard(salama):
    status, body, _ = fetch(salama.opener(), "http://forum.test/risky")
    assert status == 403, salama.output()[-3000:]
    deadline_alerts = []
    import time

    for _ in range(50):
        deadline_alerts = [a for a in api_alerts(salama) if a["url"] == "http://forum.test/risky"]
        if deadline_alerts:
            break
        time.sleep(0.2)
    assert deadline_alerts, "no alert recorded for the risky page"
    alert = deadline_alerts[0]
    assert alert["action"] == "block" and alert["categories"]
    assert alert["categories"][0] in ("scam", "grooming")
    assert alert["score"] > 0.5 and alert["evidence"]
    assert alert["explanation"][alert["categories"][0]]["terms"]


def test_dashboard_requires_login(salama):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://127.0.0.1:{salama.dashboard_port}/api/alerts", timeout=10)
    assert err.value.code == 401
