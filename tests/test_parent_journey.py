"""A parent who has never seen Salama, in a real Chromium against a real
`salama run`, does everything the dashboard promises, in the browser alone:

1. creates the account on the first-run set-up page,
2. adds two children's devices in the rules editor (127.0.0.2 -> `child`,
   127.0.0.3 -> a `teen` profile created there),
3. sets the teen's bedtime (schedule form),
4. sets `violence` to block from 0.05 for the teen, and the proxy blocks,
   within seconds, a page it let the teen see before,
5. marks one alert "false alarm" and another "missed risk",
6. answers a child's access request (asked from the block page) for 15
   minutes, and the site opens for the child,
7. reads the week's activity (charts drawn) and the printable summary,

then reads the key pages again in French and Arabic (language picker).

The children are plain HTTP clients bound to 127.0.0.2 and 127.0.0.3
(Chromium cannot choose its source address); their sites are a local
upstream mapped with --resolve.

No account at the start: `salama run` initialises a fresh home and, when no
account exists, creates 'admin' with a generated password that it prints
once; the set-up page only shows while no account exists.  So the fixture
starts `salama run` on a fresh home and then removes that 'admin' account,
as a parent who never read the terminal would find it.

Screenshots go to $SALAMA_SCREENSHOTS, else to a temporary folder.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations

import dashboard
from rules.blocklist_index import BlocklistIndex
from rules.decision import decide_request
from rules.policy import load_policy
from rules.schedule import localize
from salama.home import Home
from storage.access import AccessStore
from storage.accounts import AccountStore
from storage.database import open_engine
from tests.inprocess import via_proxy, wait_until
from tests.browser import browser_page, require_browser
from tests.salama_process import SalamaProcess
from tests.upstream import LocalSite

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

YASMINE, OMAR = "127.0.0.2", "127.0.0.3"  # a 9-year-old's tablet, a 15-year-old's phone
PARENT, PASSWORD = "maman", "premier-jour-2024"


def html(title: str, heading: str, text: str) -> tuple[str, bytes]:
    return "text/html; charset=utf-8", (f"<html><head><title>{title}</title></head><body><h1>{heading}</h1>"
                                        f"<p>{text}</p></body></html>").encode()


#: The children's sites, one page each, all served by one local upstream
#: (hosts mapped to it with --resolve).  Model scores (shipped model): the
#: film ~0.09 violence (between 0.05 and the model's own 0.40), the game ~0.6
#: violence, the forum ~0.9 bullying, the casino ~1.0 gambling.  A retrained
#: model may move them: the assertions say which one no longer fits.
FILM, GAME, FORUM, CASINO = ("http://cinema.test/film", "http://games.test/monsters", "http://forum.test/class",
                             "http://casino.test/paris")
PAGES = {
    "/film": html("Ciné-club", "Film of the week",
                  "The film shows a war scene where soldiers shoot at each other, a village burns and the wounded scream."),
    "/monsters": html("Monster Quest", "Monster Quest",
                      "In the video game you fight monsters with a sword and shoot zombies until they die. "
                      "Gore mode: blood everywhere, chop their heads off and watch them bleed."),
    "/class": html("Forum de la classe", "Forum de la classe",
                   "Everyone in class laughs at you, loser. Nobody wants you here. "
                   "I am the only one who is nice to you, let's keep chatting on my private account."),
    "/paris": html("Casino Royal", "Casino Royal",
                   "Casino en ligne : bonus de bienvenue 200 %, pariez maintenant sur les matchs"),
}
HOSTS = [urllib.parse.urlsplit(u).hostname for u in (FILM, GAME, FORUM, CASINO)]


@pytest.fixture(scope="module")
def site():
    s = LocalSite(PAGES)
    yield s
    s.close()


@pytest.fixture(scope="module")
def salama(site, tmp_path_factory):
    require_browser()  # skip before paying for a proxy start
    home = tmp_path_factory.mktemp("journey") / "home"
    proc = SalamaProcess(home, [f"{h}=127.0.0.1:{site.port}" for h in HOSTS])
    proc.base = f"http://127.0.0.1:{proc.dashboard_port}"
    accounts = AccountStore(open_engine(Home(home).database_url))
    assert "password (shown only once)" in proc.output()  # what `salama run` does on a fresh home
    accounts.remove("admin")
    assert accounts.count() == 0
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("SALAMA_SCREENSHOTS") or tmp_path_factory.mktemp("journey-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def child_get(salama, source: str, url: str, method: str = "GET", form: dict | None = None) -> tuple[int, dict, str]:
    """A child's device: plain HTTP through the proxy from its own loopback address."""
    body = urllib.parse.urlencode(form).encode() if form else None
    headers = {"content-type": "application/x-www-form-urlencoded"} if form else {}
    status, response_headers, content = via_proxy(salama.proxy_port, method, url, source, body, headers, timeout=20)
    return status, response_headers, content.decode("utf-8", "replace")


def wait_for(predicate, timeout: float = 12):
    return wait_until(predicate, timeout, step=0.3)


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def submit(page, form: str) -> None:
    """Click a form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def charts_drawn(page) -> list[dict]:
    page.wait_for_selector("canvas[data-chart=days][data-drawn=yes]", timeout=10_000)
    return page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')].map(canvas => {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) inked++; }
        return {name: canvas.dataset.chart, chart: !!window.Chart.getChart(canvas), inked};
    })""")


def bedtime_window() -> tuple[str, int, int]:
    """A bedtime that does not cover the next minutes (the journey goes on
    browsing), an hour inside it, and how many hours of a day it colours."""
    now = datetime.now(ZoneInfo("Africa/Casablanca"))  # the default policy's time zone
    minutes = now.hour * 60 + now.minute
    if 7 * 60 + 30 <= minutes < 21 * 60:
        return "21:30-07:00", 23, 10  # 21:30 is in it: the week view colours an hour by its middle
    return "13:00-15:00", 14, 2


def test_a_new_parent_sets_up_and_runs_the_household(salama, site, shots):
    base = salama.base
    with browser_page() as page:
        page.set_default_timeout(10_000)
        errors = watch_console(page)

        # 1. First run: the dashboard sends a stranger to the set-up page.
        page.goto(base + "/")
        assert page.url == base + "/setup"
        assert page.inner_text("h1") == "Welcome to Salama"
        page.fill("input[name=username]", PARENT)
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=confirm]", PASSWORD)
        page.screenshot(path=str(shots / "journey-1-setup.png"))
        submit(page, "main form")
        assert page.url == base + "/"
        assert "Account created" in page.inner_text(".flash")
        page.goto(base + "/setup")
        assert page.url == base + "/login"  # closed once an account exists

        # 2. The rules editor: a teen profile, then the two children's devices.
        page.click("nav.main a[href='/rules/']")
        page.fill("#profiles input[name=name]", "teen")
        page.select_option("#profiles select[name=preset]", "teen")
        submit(page, "#profiles form")
        assert page.url == base + "/rules/profiles/teen"  # a new profile opens for editing
        page.click("nav.subnav a[href='/rules/']")
        for name, address, profile in (("tablette-yasmine", YASMINE, "child"), ("telephone-omar", OMAR, "teen")):
            add = "#devices form.grid-form"
            page.fill(f"{add} input[name=name]", name)
            page.fill(f"{add} input[name=match]", address)
            page.select_option(f"{add} select[name=profile]", profile)
            submit(page, add)
            assert page.locator("#devices tbody tr", has_text=name).locator("td", has_text=profile).count() == 1
        page.screenshot(path=str(shots / "journey-2-devices.png"), full_page=True)

        # The proxy now tells the children apart: a violent video game is
        # blocked for Yasmine (child) and shown but alerted for Omar (teen).
        assert wait_for(lambda: child_get(salama, OMAR, GAME)[0] == 200), salama.output()[-3000:]  # policy reloaded
        status, headers, _ = child_get(salama, YASMINE, GAME)
        assert status == 403 and headers["x-salama"] == "blocked"
        assert child_get(salama, OMAR, FORUM)[0] == 200  # bullying: alerted for a teen
        status, _, before = child_get(salama, OMAR, FILM)
        assert status == 200 and "Film of the week" in before, "the film must score under the model's own threshold"

        # 3. The teen's bedtime, every night.
        window, inside, hours = bedtime_window()
        page.click("nav.subnav a[href='/rules/profiles/teen']")
        assert page.url == base + "/rules/profiles/teen"
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            page.fill(f"input[name='schedule.bedtime.{day}']", window)
        submit(page, "#schedule")
        assert page.locator(".flash").count() == 1
        assert page.locator(".week .cell.bedtime").count() == 7 * hours
        home = Home(salama.home)
        policy = load_policy(home.policy_path)
        night = localize((datetime.now() + timedelta(days=1)).replace(hour=inside, minute=30), policy.timezone)
        verdict = decide_request(policy, BlocklistIndex.open(home.index_path), FILM, OMAR, None, at=night)
        assert verdict.action == "block" and verdict.profile == "teen", verdict
        assert any("bedtime" in reason for reason in verdict.reasons), verdict
        page.locator("#schedule").screenshot(path=str(shots / "journey-3-bedtime.png"))

        # 4. Violence blocked for the teen from a score of 0.05: move the slider
        # as a parent would (keyboard), and the proxy applies it within seconds.
        page.select_option("select[name='categories.violence.action']", "block")
        slider = page.locator("input[name='categories.violence.threshold']")
        slider.focus()
        page.keyboard.press("Home")
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        assert page.inner_text("output[data-shows=threshold-violence]") == "0.05"
        assert page.is_checked("input[name='categories.violence.custom']")  # ticked by moving the slider
        page.locator("#categories").screenshot(path=str(shots / "journey-4-categories.png"))
        submit(page, "#categories")
        assert page.locator(".flash").count() == 1
        saved = time.monotonic()
        blocked = wait_for(lambda: child_get(salama, OMAR, FILM)[0] == 403, timeout=10)
        assert blocked, "the film must score 0.05 or more for violence\n" + salama.output()[-3000:]
        print(f"the proxy applied the edit in {time.monotonic() - saved:.1f} s")
        assert child_get(salama, YASMINE, FILM)[0] == 200  # the child profile kept the model's threshold

        # 5. Alerts: the video game was a false alarm; the forum was grooming
        # too, which the filter missed.
        page.click("nav.main a[href='/']")
        forum_row = page.locator("table.alerts tbody tr", has_text="forum.test")
        assert wait_for(lambda: (page.reload(), forum_row.count())[1])  # the journal writes within a second
        page.screenshot(path=str(shots / "journey-5-alerts.png"), full_page=True)
        game = page.locator("table.alerts tbody tr", has_text="games.test").filter(has_text="telephone-omar")
        game.locator("td.when a").click()
        page.wait_for_url(f"{base}/alerts/*")
        assert page.locator("span.badge.alert").count() == 1  # shown to the teen, and recorded
        with page.expect_navigation():
            page.click("form.actions button[value=false_alarm]")
        assert page.locator("dd:has-text('False alarm')").count() == 1
        page.goto(base + "/")
        forum_row.locator("td.when a").click()
        page.wait_for_url(f"{base}/alerts/*")
        page.select_option("form.missed select[name=category]", "grooming")
        with page.expect_navigation():
            page.click("form.missed button[value=missed]")
        assert page.locator("dd:has-text('Missed risk')").count() == 1
        page.screenshot(path=str(shots / "journey-5-alert-missed.png"), full_page=True)
        corrections = [json.loads(line) for line in home.corrections_path.read_text(encoding="utf-8").splitlines()]
        assert [c["labels"] for c in corrections] == [[], ["grooming"]]
        assert "video game" in corrections[0]["text"] and "private account" in corrections[1]["text"]

        # 6. Yasmine asks from the block page; the parent opens it for 15 minutes.
        status, _, block_page = child_get(salama, YASMINE, CASINO)
        assert status == 403 and "/.salama/ask" in block_page
        status, headers, _ = child_get(salama, YASMINE, "http://casino.test/.salama/ask", "POST",
                                       {"url": CASINO, "reason": "Le jeu de calcul de la maîtresse"})
        assert status == 303, headers
        page.click("nav.main a[href='/requests/']")
        request = page.locator("article.request", has_text="casino.test")
        assert "Le jeu de calcul de la maîtresse" in request.inner_text()
        page.screenshot(path=str(shots / "journey-6-request.png"), full_page=True)
        with page.expect_navigation():
            request.locator("button[data-duration='15m']").click()
        assert page.locator("table.history tr", has_text="casino.test").locator(".badge.approved").count() == 1
        request_id = int(headers["location"].rstrip("/").rsplit("/", 1)[-1])  # the child's status page
        answer = AccessStore(open_engine(home.database_url)).get(request_id)
        assert answer["status"] == "approved" and answer["decided_by"] == PARENT
        assert abs(answer["until"] - answer["decided_at"] - 15 * 60) < 5
        assert wait_for(lambda: "Casino Royal" in child_get(salama, YASMINE, CASINO)[2]), salama.output()[-3000:]
        status, _, status_page = child_get(salama, YASMINE, "http://casino.test" + headers["location"])
        assert status == 200 and 'data-status="approved"' in status_page

        # 7. The week's activity, drawn, and the printable summary.
        page.click("nav.main a[href='/activity/']")
        drawn = charts_drawn(page)
        assert [d["name"] for d in drawn] == ["days", "categories", "devices", "domains"]
        assert all(d["chart"] and d["inked"] > 500 for d in drawn), drawn
        assert "telephone-omar" in page.inner_text("main") and "tablette-yasmine" in page.inner_text("main")
        page.screenshot(path=str(shots / "journey-7-activity.png"), full_page=True)
        page.click("a[href='/activity/summary']")
        assert page.inner_text("h1") == "Weekly summary"
        assert all(d["inked"] > 500 for d in charts_drawn(page))
        page.emulate_media(media="print")
        assert not page.is_visible("button[data-print]")  # the print stylesheet leaves the button off the paper
        page.screenshot(path=str(shots / "journey-7-summary-print.png"), full_page=True)
        assert errors == []  # a CSP violation or a script error would show here


#: Path -> English heading (its start), per key page of the journey.
KEY_PAGES = {"/": "Alerts", "/rules/": "Rules", "/rules/profiles/teen": "Profile %(name)s",
             "/requests/": "Access requests", "/activity/": "Activity"}


@pytest.mark.parametrize("lang,direction", [("fr", "ltr"), ("ar", "rtl")])
def test_the_key_pages_in_french_and_arabic(salama, shots, lang, direction):
    accounts = AccountStore(open_engine(Home(salama.home).database_url))
    if accounts.get(PARENT) is None:  # run on its own, without the journey
        accounts.create(PARENT, PASSWORD, "owner")
    catalogue = Translations.load(Path(dashboard.__file__).parent / "translations", [lang])
    base = salama.base
    with browser_page() as page:
        errors = watch_console(page)
        page.goto(base + "/login")
        page.fill("input[name=username]", PARENT)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]:not(.js-hidden)")
        with page.expect_navigation():
            page.select_option("form.language select[name=lang]", lang)  # the picker submits itself
        for path, english in KEY_PAGES.items():
            if path == "/rules/profiles/teen" and "teen" not in load_profiles(salama):
                path = "/rules/profiles/child"
            page.goto(base + path)
            assert page.get_attribute("html", "lang") == lang and page.get_attribute("html", "dir") == direction
            expected = catalogue.gettext(english).replace("%(name)s", "").strip()
            assert expected != english.replace("%(name)s", "").strip(), f"{english!r} untranslated in {lang}"
            assert page.inner_text("h1").startswith(expected), (path, page.inner_text("h1"))
            if path == "/activity/":
                assert all(d["inked"] > 500 for d in charts_drawn(page))
            name = path.strip("/").replace("/", "-") or "alerts"
            page.screenshot(path=str(shots / f"journey-{name}-{lang}.png"), full_page=True)
        assert errors == []


def load_profiles(salama) -> set[str]:
    return set(load_policy(Home(salama.home).policy_path).profiles)
