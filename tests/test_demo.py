"""The trainer's demo: the simulated web, the scenarios as data, `salama demo
--list`, and the whole demo played through a real proxy and dashboard."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from proxy.demo import scenarios
from proxy.demo.web import SEARCH_ENGINES, SITES_DIR, DemoWebServer, demo_hosts, site_file, site_hosts, tls_context
from tests.salama_process import free_port, wait_for_port

RISK_FAMILIES = {"grooming", "scam", "gambling", "extremism", "self_harm", "bullying", "drugs"}


@pytest.fixture(scope="module")
def web():
    server = DemoWebServer().start()
    yield server
    server.close()


def fetch(port: int, host: str, path: str, method: str = "GET", body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8")
    conn.close()
    return response.status, response.getheader("content-type"), data


def all_pages():
    return sorted(SITES_DIR.glob("*/*.html"))


def test_every_site_and_page_is_served(web):
    assert len(site_hosts()) >= 10
    for file in all_pages():
        path = "/" if file.stem == "index" else f"/{file.stem}"
        status, ctype, page = fetch(web.port, file.parent.name, path)
        assert status == 200 and ctype == "text/html; charset=utf-8", file
        assert "<title>" in page and "salama-demo:posted" not in page, file
    for sheet in SITES_DIR.glob("*/style.css"):
        assert fetch(web.port, sheet.parent.name, "/style.css")[:2] == (200, "text/css; charset=utf-8")


def test_pages_are_utf8_and_arabic_pages_read_right_to_left():
    for file in all_pages():
        text = file.read_text(encoding="utf-8")
        assert '<meta charset="utf-8">' in text, file
        if 'lang="ar"' in text:
            assert 'dir="rtl"' in text, file


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/....//....//etc/passwd",
    "/index.html/../../../x", "/a/b", "/%00", "/style.css%00.html", "/" + "a" * 5000, "/INDEX", "/.html",
    "/..", "/%c0%ae%c0%ae/x", "/\\..\\..\\etc\\passwd",
])
def test_traversal_and_odd_paths_are_refused(web, path):
    status, _, page = fetch(web.port, "ecole.demo", path)
    assert status == 404 and "root:" not in page


def test_odd_hosts_and_raw_requests_never_crash_the_server(web):
    assert fetch(web.port, "", "/")[0] == 404
    assert fetch(web.port, "[::1]:80", "/")[0] == 404
    assert fetch(web.port, "ECOLE.Demo.:80", "/devoirs")[0] == 200
    for raw in (b"GARBAGE\r\n\r\n", b"GET /%%%% HTTP/1.1\r\nHost: ecole.demo\r\n\r\n", b"\x16\x03\x01\x00\x05hello",
                b"POST /prive HTTP/1.1\r\nHost: jeux.demo\r\nContent-Length: 999999999\r\n\r\n", b""):
        with socket.create_connection(("127.0.0.1", web.port), timeout=5) as sock:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(4096):
                pass
    assert fetch(web.port, "ecole.demo", "/")[0] == 200


def test_a_post_shows_the_form_values_escaped(web):
    status, _, page = fetch(web.port, "jeux.demo", "/prive", "POST", "message=salut+%3Cscript%3Ex%3C%2Fscript%3E")
    assert status == 200
    assert "salut &lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page


def test_search_engine_shows_the_query_it_received_and_safe_search(web):
    status, _, page = fetch(web.port, "www.google.com", "/search?q=bourse+%C3%A9tudes+canada&safe=active")
    assert status == 200
    assert "/search?q=bourse+%C3%A9tudes+canada&amp;safe=active" in page
    assert "SafeSearch : actif / on (safe=active)" in page
    assert 'href="http://bourses.demo/"' in page
    _, _, page = fetch(web.port, "www.bing.com", "/search?q=devoirs")
    assert "SafeSearch : non demandé" in page and 'href="http://ecole.demo/devoirs"' in page
    _, _, page = fetch(web.port, "duckduckgo.com", "/?q=zzzz&kp=1")
    assert "Aucun résultat" in page and "(kp=1)" in page


def test_https_and_http_share_the_port(tmp_path):
    server = DemoWebServer(tls_context(tmp_path, demo_hosts())).start()
    try:
        client = ssl.create_default_context(cafile=str(tmp_path / "mitmproxy-ca-cert.pem"))
        with client.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=10),
                                server_hostname="www.google.com") as tls:
            tls.sendall(b"GET /search?q=ecole HTTP/1.1\r\nHost: www.google.com\r\nConnection: close\r\n\r\n")
            answer = b"".join(iter(lambda: tls.recv(65536), b""))
        assert answer.startswith(b"HTTP/1.1 200") and b"http://ecole.demo/" in answer
        assert fetch(server.port, "ecole.demo", "/")[0] == 200
    finally:
        server.close()


def test_scenarios_cover_each_risk_family_and_point_at_real_pages():
    names = [s.name for s in scenarios.SCENARIOS]
    assert len(names) == len(set(names)) and "safe" in names
    promised = {step.category for s in scenarios.SCENARIOS for step in s.steps if step.expect == "block"}
    assert RISK_FAMILIES <= promised
    assert all(step.expect == "pass" for step in scenarios.select("safe")[0].steps)
    assert scenarios.select("all")[-1].name == "safe" and len(scenarios.select("all")) == len(names)
    for scenario in scenarios.SCENARIOS:
        for step in scenario.steps:
            host = step.url.split("/")[2]
            assert host in SEARCH_ENGINES or site_file(host, "/" + step.url.split("/", 3)[3]), step.url
            assert (step.expect == "block") == (step.category is not None), step
    with pytest.raises(ValueError, match="choose from"):
        scenarios.select("nope")


def test_demo_list_prints_every_scenario_in_french_and_english():
    out = subprocess.run([sys.executable, "-m", "salama", "demo", "--list"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for scenario in scenarios.SCENARIOS:
        assert re.search(rf"^{re.escape(scenario.name)}\s+{re.escape(scenario.fr)}$", out.stdout, re.M)
        assert scenario.en in out.stdout
    assert re.search(r"^all\s", out.stdout, re.M)


# ------------------------------------------------------------ end to end

PASSWORD = "trainer-pass-42"
AUTH = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()


class Demo:
    """`salama demo` as a subprocess on free ports, its output in a log file."""

    def __init__(self, log_path, *extra: str):
        self.proxy_port, self.dashboard_port = free_port(), free_port()
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "salama", "demo", "--proxy-port", str(self.proxy_port),
                 "--dashboard-port", str(self.dashboard_port), "--admin-password", PASSWORD, *extra],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alerts(self) -> list[dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.dashboard_port}/api/alerts?limit=1000",
                                         headers={"Authorization": AUTH})
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.load(r)["alerts"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class AlertCollector(threading.Thread):
    """Polls the dashboard's alerts while the demo runs (it removes its home
    when it exits, so they must be read while it lives)."""

    def __init__(self, demo: Demo):
        super().__init__(daemon=True)
        self.demo = demo
        self.alerts: dict[int, dict] = {}

    def run(self) -> None:
        while self.demo.proc.poll() is None:
            try:
                self.alerts.update((a["id"], a) for a in self.demo.alerts())
            except OSError:  # not started yet, or shutting down
                pass
            time.sleep(0.2)


@pytest.mark.e2e
def test_every_scenario_keeps_its_promises_in_the_dashboard(tmp_path):
    demo = Demo(tmp_path / "demo.log", "--scenario", "all", "--exit-after-scenario", "--pause", "0.2")
    collector = AlertCollector(demo)
    collector.start()
    try:
        demo.proc.wait(900)
    finally:
        demo.stop()
    collector.join(10)
    output = demo.output()
    assert demo.proc.returncode == 0, output[-4000:]
    assert "✗" not in output, output[-4000:]
    alerts = list(collector.alerts.values())
    for scenario in scenarios.select("all"):
        for step in scenario.steps:
            found = [a for a in alerts if a["url"] == step.url and a["action"] == "block"]
            if step.expect == "block":
                assert any(step.category in a["categories"] for a in found), (scenario.name, step.url, found)
            if scenario.name == "safe":
                assert not found, (step.url, found)


@pytest.mark.e2e
@pytest.mark.browser
def test_a_browser_set_up_as_the_banner_says_meets_the_grooming_chat(tmp_path):
    from tests.browser import browser_page

    demo = Demo(tmp_path / "demo.log")
    try:
        wait_for_port(demo.proxy_port, demo.proc, timeout=600)
        wait_for_port(demo.dashboard_port, demo.proc, timeout=60)
        spki = re.search(r"--ignore-certificate-errors-spki-list=(\S+)", demo.output()).group(1)
        with browser_page(f"http://127.0.0.1:{demo.proxy_port}", spki, locale="fr-FR") as page:
            page.goto("http://jeux.demo/")
            page.click("text=Salon des joueurs")
            assert "Sami_14" in page.content()
            response = page.goto("http://jeux.demo/prive")
            assert response.status == 403 and page.locator("#blocked-category").is_visible()
            page.goto("https://www.google.com/search?q=devoirs")
            assert "Requête reçue par le moteur" in page.content()
            assert page.locator("a[href='http://ecole.demo/devoirs']").count() == 1
        for _ in range(50):
            if any(a["url"] == "http://jeux.demo/prive" and "grooming" in a["categories"] for a in demo.alerts()):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no grooming alert in the dashboard\n{demo.output()[-3000:]}")
    finally:
        demo.stop()
