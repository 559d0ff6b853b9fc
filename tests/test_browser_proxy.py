"""The rules editor and the access requests in a real Chromium, through the
real proxy (`salama run`): a child asks for a blocked site and a parent opens
it for 15 minutes; a parent blocks a site in the editor and the proxy applies
it; the editor in Arabic reads right to left.  Screenshots of the editor and
the requests page (desktop and phone) go to $SALAMA_SCREENSHOTS, else to a
temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.access import AccessStore
from storage.database import open_engine
from tests.browser import DESKTOP, PHONE, browser_page, spki_hash
from tests.salama_process import SalamaProcess
from tests.upstream import LocalSite

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PAGE = b"<html><head><title>Jeux de maths</title></head><body><h1 id='site'>Jeux de maths</h1></body></html>"
PASSWORD = "parent-pass"
#: A school week typed into the schedule form (the screenshots show it).
WEEK = {**{f"schedule.bedtime.{d}": "21:30-07:00" for d in ("sun", "mon", "tue", "wed", "thu")},
        **{f"schedule.lessons.{d}": "08:30-12:00, 14:00-16:30" for d in ("mon", "tue", "thu", "fri")},
        "schedule.lessons.wed": "08:30-12:00", "schedule.hours.sat": "09:00-22:00"}


@pytest.fixture(scope="module")
def site():
    local = LocalSite({"/": ("text/html; charset=utf-8", PAGE)})
    yield local
    local.close()


@pytest.fixture(scope="module")
def salama(site, tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-proxy") / "home"
    for args in (["init", "--admin-password", PASSWORD], ["policy", "deny", "blocked.test"]):
        done = subprocess.run([sys.executable, "-m", "salama", *args, "--home", str(home)],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    proc = SalamaProcess(home, [f"{h}=127.0.0.1:{site.port}" for h in ("blocked.test", "later.test")])
    yield proc
    proc.stop()


def second_page(page):
    """A page with its own cookies in the same browser (loopback, so the dashboard is reached directly)."""
    return page.context.browser.new_context(viewport=page.viewport_size).new_page()


def child_page(salama):
    """A browser whose traffic goes through the proxy, trusting Salama's CA."""
    return browser_page(proxy_server=f"http://127.0.0.1:{salama.proxy_port}", ca_spki=spki_hash(salama.ca_path))


def log_in(page, salama) -> str:
    base = f"http://127.0.0.1:{salama.dashboard_port}"
    page.goto(base + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:not(.js-hidden)")
    page.wait_for_url(base + "/")
    return base


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SALAMA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_child_asks_and_parent_approves_for_15_minutes(salama):
    with child_page(salama) as child:
        parent = second_page(child)
        child.goto("http://blocked.test/")
        assert child.locator("#blocked-url").count() == 1, salama.output()[-2000:]
        child.click("#ask-parent")
        child.wait_for_selector("#request-status[data-status=pending]")

        base = log_in(parent, salama)
        parent.goto(base + "/requests/")
        parent.locator("article.request", has_text="blocked.test").locator("button[data-duration='15m']").click()
        parent.wait_for_url(base + "/requests/")
        assert parent.locator("table.history", has_text="blocked.test").count() == 1

        child.wait_for_selector("#request-status[data-status=approved]", timeout=20_000)  # it refreshes every 5 s
        child.click("#open-site")
        child.wait_for_selector("#site", timeout=15_000)
        assert child.title() == "Jeux de maths"


def test_site_denied_in_the_editor_is_blocked_by_the_proxy(salama):
    with child_page(salama) as child:
        parent = second_page(child)
        child.goto("http://later.test/")
        assert child.locator("#site").count() == 1

        base = log_in(parent, salama)
        parent.goto(base + "/rules/profiles/child")
        parent.fill("#lists textarea[name=deny]", "later.test")
        parent.click("#lists button[type=submit]")
        parent.wait_for_selector(".flash")

        deadline = time.monotonic() + 15
        while child.locator("#blocked-url").count() == 0 and time.monotonic() < deadline:
            time.sleep(1)
            child.goto("http://later.test/")
        assert child.locator("#blocked-url").count() == 1, salama.output()[-2000:]


@pytest.mark.parametrize("viewport,suffix", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_editor_in_arabic_and_screenshots(salama, tmp_path, viewport, suffix):
    AccessStore(open_engine(f"sqlite:///{salama.home / 'salama.db'}")).ask(
        device="tablette-amina", profile="child", domain="wikipedia.org", url="https://fr.wikipedia.org/wiki/Maroc",
        reason="C'est pour mon exposé d'histoire")
    folder = shots_dir(tmp_path)
    with browser_page(viewport=viewport) as page:
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        base = log_in(page, salama)
        page.goto(base + "/rules/profiles/child")
        for field, windows in WEEK.items():
            page.fill(f"input[name='{field}']", windows)
        page.click("#schedule button[type=submit]")
        page.wait_for_selector(".flash")
        assert page.locator(".week .cell.lessons").count() == 4 * 6 + 4  # 08-11h and 14-15h, Wednesday mornings only
        for path, name in (("/rules/profiles/child", "rules"), ("/requests/", "requests")):
            page.goto(base + path)
            page.screenshot(path=str(folder / f"{name}-{suffix}.png"), full_page=True)
        page.goto(base + "/rules/profiles/child")
        with page.expect_navigation():
            page.select_option("select[name=lang]", "ar")  # the picker submits itself and comes back here
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.locator("h1").inner_text() == "الملف child"
        page.screenshot(path=str(folder / f"rules-{suffix}-ar.png"), full_page=True)
        assert not errors  # a CSP violation or a script error would show here
