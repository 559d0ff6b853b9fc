"""The dashboard in a real headless Chromium: log in, review and correct an
alert, switch to Arabic, and see the activity charts drawn (Chart.js served
locally under the strict Content-Security-Policy)."""

from __future__ import annotations

import json
import time

import pytest

from dashboard import create_app
from storage.accounts import AccountStore
from storage.database import open_engine
from storage.events import EventStore
from tests.browser import PHONE, browser_page, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard_url(home):
    engine = open_engine(home.database_url)
    AccountStore(engine).create("parent", "secret-pass", "owner")
    now = time.time()
    EventStore(engine).add_many([
        {"time": now - 120, "device": "tablet", "profile": "child", "kind": "page", "action": "alert",
         "category": "bullying", "score": 0.62, "url": "http://forum.test/t/1", "host": "forum.test",
         "evidence": "send me a photo, don't tell your parents"},
        {"time": now - 60, "device": "tablet", "profile": "child", "kind": "request", "action": "block",
         "category": "gambling", "url": "http://casino.test/", "host": "casino.test"},
    ])
    with serve_app(create_app(home=home.root)) as url:
        yield url


def watch_console(page) -> list[str]:
    """Collect console errors (a CSP violation or a script error shows there)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, base: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", "parent")
    page.fill("input[name=password]", "secret-pass")
    page.click("button[type=submit]:not(.js-hidden)")
    page.wait_for_url(base + "/")


def test_log_in_and_correct_an_alert(dashboard_url, home):
    with browser_page() as page:
        errors = watch_console(page)
        log_in(page, dashboard_url)
        assert page.locator("table.alerts tbody tr").count() == 2
        page.click("a[href='/alerts/1']")
        page.wait_for_url(dashboard_url + "/alerts/1")
        page.select_option("form.missed select[name=category]", "grooming")
        page.click("form.missed button[value=missed]")
        page.wait_for_url(dashboard_url + "/alerts/1")
        assert "1 correction saved" in page.inner_text("main")
        assert page.locator("dd:has-text('Missed risk')").count() == 1
        lines = home.corrections_path.read_text(encoding="utf-8").splitlines()
        assert json.loads(lines[-1]) == {"text": "send me a photo, don't tell your parents", "labels": ["grooming"]}
        assert errors == []


def test_select_all_and_bulk_review(dashboard_url):
    with browser_page() as page:
        log_in(page, dashboard_url)
        page.check("input[data-select-all]")
        assert page.locator("input[name=id]:checked").count() == 2
        page.click("button[name=feedback][value='']")
        assert "2 alerts marked as reviewed." in page.inner_text("main")
        assert page.locator("tr.reviewed").count() == 2


def test_switch_to_arabic(dashboard_url):
    with browser_page(viewport=PHONE) as page:
        errors = watch_console(page)
        log_in(page, dashboard_url)
        assert page.get_attribute("html", "dir") == "ltr"
        page.select_option("form.language select", "ar")  # submits itself (static/dashboard.js)
        page.wait_for_function("document.documentElement.dir === 'rtl'")
        assert page.get_attribute("html", "lang") == "ar"
        assert "التنبيهات" in page.inner_text("nav.main")
        page.goto(dashboard_url + "/activity/")
        assert page.get_attribute("html", "dir") == "rtl"  # kept in the session
        assert errors == []


def test_activity_charts_are_drawn(dashboard_url):
    with browser_page() as page:
        errors = watch_console(page)
        log_in(page, dashboard_url)
        page.goto(dashboard_url + "/activity/")
        page.wait_for_selector("canvas[data-chart=days][data-drawn=yes]", timeout=10_000)
        drawn = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')].map(canvas => {
            const chart = window.Chart.getChart(canvas);
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let inked = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) inked++; }
            return {name: canvas.dataset.chart, chart: !!chart, inked, width: canvas.width};
        })""")
        assert [d["name"] for d in drawn] == ["days", "categories", "devices", "domains"]
        for d in drawn:
            assert d["chart"] and d["width"] > 100 and d["inked"] > 500, d
        assert errors == []


def test_device_setup_is_open_to_a_childs_phone(dashboard_url):
    with browser_page(viewport=PHONE, locale="fr-FR") as page:
        page.goto(dashboard_url + "/device-setup/android")
        assert page.get_attribute("html", "lang") == "fr"
        assert "Configurer un appareil" in page.inner_text("h1")
        pac = page.request.get(dashboard_url + "/proxy.pac")
        assert pac.ok and "FindProxyForURL" in pac.text()
