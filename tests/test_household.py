"""A household through the real proxy: two children's devices on different loopback
addresses, bedtime at chosen times (injected clock), safe search on every engine,
searches and outgoing messages, and an access request approved for 15 minutes."""

from __future__ import annotations

import re
import urllib.parse
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from proxy.runtime import Runtime
from storage.events import EventQuery
from tests.inprocess import InProcessProxy, via_proxy, wait_until
from tests.upstream import LocalSite

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Africa/Casablanca")
YASMINE, OMAR = "127.0.0.2", "127.0.0.3"  # a 9-year-old's tablet, a 15-year-old's phone

POLICY = """
timezone: Africa/Casablanca
country: MA
default_profile: child
profiles:
  child:
    preset: child
    deny: [games.test]
  teen:
    preset: teen
    schedule:
      bedtime: {daily: "22:00-07:00"}
devices:
  - {name: yasmine-tablet, match: 127.0.0.2, profile: child}
  - {name: omar-phone, match: 127.0.0.3, profile: teen}
"""

ENGINES = {
    "www.google.com": "/search?q=football+results",
    "www.google.co.ma": "/search?q=football+results",
    "www.bing.com": "/search?q=football+results",
    "duckduckgo.com": "/?q=football+results",
    "yandex.ru": "/search/?text=football+results",
    "www.qwant.com": "/?q=football+results",
    "search.brave.com": "/search?q=football+results",
    "www.youtube.com": "/results?search_query=football+results",
}
LOCK_HOSTS = ["forcesafesearch.google.com", "strict.bing.com", "safe.duckduckgo.com", "familysearch.yandex.ru",
              "restrict.youtube.com", "restrictmoderate.youtube.com"]
PAGE = ("text/html; charset=utf-8", """<html><head><title>Club de football du quartier</title></head><body>
<h1>Résultats du week-end</h1><p>Bonjour, voici les résultats des matchs de samedi : les moins de 12 ans ont gagné
3 à 1 contre l'équipe de Salé, et les cadets ont fait match nul. L'entraînement reprend mercredi à 17 heures au
stade municipal. Pensez à apporter une gourde et vos protège-tibias. Les parents qui peuvent conduire pour le
tournoi de Kénitra sont priés de s'inscrire auprès de l'entraîneur.</p></body></html>""".encode())


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 23, 18, 0, tzinfo=TZ)

    def __call__(self):
        return self.now.astimezone(timezone.utc)

    def set(self, hour: int, minute: int = 0):
        self.now = self.now.replace(hour=hour, minute=minute)


@pytest.fixture(scope="module")
def site():
    s = LocalSite({path: PAGE for path in ("/", "/search", "/results", "/search/", "/post", "/game")})
    yield s
    s.close()


@pytest.fixture(scope="module")
def household(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("household")
    (root / "policy.yaml").write_text(POLICY)
    clock = Clock()
    runtime = Runtime(policy_path=root / "policy.yaml", index_path=root / "lists" / "index.bin", model_dir=root / "model",
                      database_url=f"sqlite:///{root / 'salama.db'}", status_dir=root, clock=clock, reload_interval=0.2)
    hosts = ["school.test", "games.test", "forum.test", *ENGINES, *LOCK_HOSTS]
    proxy = InProcessProxy(runtime, root / "ca", [f"{h}=127.0.0.1:{site.port}" for h in hosts])
    yield proxy, runtime, clock
    proxy.stop()
    runtime.close()


def events(runtime, **filters):
    runtime.journal.flush()
    return runtime.events.query(EventQuery(**filters))


def test_two_children_get_their_own_profiles(household):
    proxy, runtime, clock = household
    clock.set(18)
    status, headers, body = via_proxy(proxy.port, "GET", "http://games.test/game", source=YASMINE)
    assert status == 403 and headers["x-salama"] == "blocked"
    status, _, body = via_proxy(proxy.port, "GET", "http://games.test/game", source=OMAR)
    assert status == 200 and "Résultats".encode() in body


def test_bedtime_blocks_at_22_30_and_not_at_18_00(household):
    proxy, runtime, clock = household
    clock.set(18)
    assert via_proxy(proxy.port, "GET", "http://school.test/", source=OMAR)[0] == 200
    clock.set(22, 30)
    status, headers, body = via_proxy(proxy.port, "GET", "http://school.test/", source=OMAR)
    assert status == 403 and headers["x-salama"] == "blocked"
    clock.set(2, 30)  # after midnight, still bedtime
    assert via_proxy(proxy.port, "GET", "http://school.test/", source=OMAR)[0] == 403
    clock.set(22, 30)
    assert via_proxy(proxy.port, "GET", "http://school.test/", source=YASMINE)[0] == 200  # no bedtime in her profile
    clock.set(18)


@pytest.mark.parametrize("host", list(ENGINES))
def test_safe_search_is_enforced_on_every_engine(household, site, host):
    proxy, runtime, clock = household
    clock.set(18)
    before = len(site.requests)
    status, _, _ = via_proxy(proxy.port, "GET", f"http://{host}{ENGINES[host]}", source=YASMINE)
    assert status == 200
    sent = site.requests[before]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(sent["path"]).query)
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    forced = {
        "www.google.com": lambda: query.get("safe") == ["active"],
        "www.google.co.ma": lambda: query.get("safe") == ["active"],
        "www.bing.com": lambda: query.get("adlt") == ["strict"] or "strict" in headers.get("prefer", ""),
        "duckduckgo.com": lambda: query.get("kp") == ["1"],
        "yandex.ru": lambda: query.get("family") == ["yes"],
        "www.qwant.com": lambda: query.get("safesearch") == ["2"],
        "search.brave.com": lambda: query.get("safesearch") == ["strict"],
        "www.youtube.com": lambda: headers.get("youtube-restrict", "").lower() == "strict",
    }[host]
    assert forced(), (host, sent)
    assert headers["host"].split(":")[0] == host  # the site still sees its own name


def test_risky_search_alerts_and_self_harm_search_gets_help_lines(household):
    proxy, runtime, clock = household
    clock.set(18)
    query = urllib.parse.quote_plus("how to kill myself painless method")
    status, headers, body = via_proxy(proxy.port, "GET", f"http://www.google.com/search?q={query}", source=YASMINE)
    assert status == 200 and headers["x-salama"] == "support"
    page = body.decode()
    assert "2511" in page  # the Moroccan child-protection line from the shipped help lines
    found = wait_until(lambda: [e for e in events(runtime, category="self_harm") if e["kind"] == "search"])
    assert found and found[0]["device"] == "yasmine-tablet"


def test_phone_number_in_a_form_is_alerted_with_masked_evidence(household):
    proxy, runtime, clock = household
    clock.set(18)
    body = urllib.parse.urlencode({"message": "appelle moi ce soir au 06 12 34 56 78 je suis seule a la maison"}).encode()
    status, headers, _ = via_proxy(proxy.port, "POST", "http://forum.test/post", source=YASMINE, body=body,
                                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 403 and headers["x-salama"] == "blocked"  # the child preset blocks personal data going out
    found = wait_until(lambda: [e for e in events(runtime) if e["kind"] == "outgoing"])
    assert found
    stored = str(found[0])
    assert "06 12 34 56 78" not in stored and "12 34 56" not in stored
    assert "78" in (found[0]["evidence"] or "")  # masked, not dropped: "06 ** ** ** 78"


def test_access_request_approved_for_15_minutes_opens_then_closes(household):
    proxy, runtime, clock = household
    clock.set(18)
    url = "http://games.test/game"
    assert via_proxy(proxy.port, "GET", url, source=YASMINE)[0] == 403
    form = urllib.parse.urlencode({"url": url, "reason": "homework game from my teacher"}).encode()
    status, headers, _ = via_proxy(proxy.port, "POST", "http://games.test/.salama/ask", source=YASMINE, body=form,
                                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 303
    status_path = headers["location"]
    request_id = int(re.search(r"(\d+)$", status_path).group(1))
    status, _, page = via_proxy(proxy.port, "GET", f"http://games.test{status_path}", source=YASMINE)
    assert status == 200 and b'data-status="pending"' in page
    assert via_proxy(proxy.port, "GET", f"http://games.test{status_path}", source=OMAR)[0] == 404  # not his request
    until = clock().timestamp() + 15 * 60
    runtime.access.approve(request_id, "mum", until)
    wait_until(lambda: b'data-status="approved"' in via_proxy(proxy.port, "GET", f"http://games.test{status_path}", source=YASMINE)[2])
    assert wait_until(lambda: via_proxy(proxy.port, "GET", url, source=YASMINE)[0] == 200, timeout=5)
    clock.now += timedelta(minutes=16)
    assert via_proxy(proxy.port, "GET", url, source=YASMINE)[0] == 403  # the 15 minutes are over
    clock.now -= timedelta(minutes=16)
