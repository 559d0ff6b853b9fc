"""Take the dashboard screenshots in this folder, from a demo home with made-up data.

    .venv/bin/python docs/screenshots/take.py [OUT_DIR]

Serves the dashboard on 127.0.0.1, logs in with headless Debian Chromium
(tests/browser.py) and saves each main page at desktop (1280x800) and phone
(390x844) widths as OUT_DIR/<page>-<width>[-<lang>].png (default: a temporary
folder, printed).  Pick the good ones, check their size (under ~300 KB), and
copy them here by hand.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dashboard import create_app  # noqa: E402
from salama.home import Home  # noqa: E402
from storage.accounts import AccountStore  # noqa: E402
from storage.audit import AuditLog  # noqa: E402
from storage.database import open_engine  # noqa: E402
from storage.events import EventStore  # noqa: E402
from tests.browser import DESKTOP, PHONE, browser_page, serve_app  # noqa: E402

PAGES = {
    "alerts": "/",
    "alert": "/alerts/{alert}",
    "activity": "/activity/",
    "summary": "/activity/summary",
    "accounts": "/accounts/",
    "device-setup": "/device-setup/android",
}
ARABIC_PAGES = ("alerts", "activity")

SHOWN = [  # (category, score, host, evidence)
    ("grooming", 0.93, "chat.jeux.test", "t'as quel âge ? envoie une photo, dis rien à tes parents"),
    ("bullying", 0.88, "forum.college.test", "personne ne t'aime, tout le monde se moque de toi"),
    ("self_harm", 0.84, "blog.test", "je veux disparaître, ça sert à rien"),
    ("scam", 0.71, "gagner-iphone.test", "Félicitations ! Entrez votre carte pour recevoir votre iPhone"),
    ("personal_data", 0.66, "chat.jeux.test", "mon adresse c'est 12 rue des Lilas, mon numéro 06 ** ** ** **"),
    ("violence", 0.58, "video.test", "regarde la bagarre d'hier soir"),
]
BLOCKED = [("sexual", "adult.test"), ("gambling", "casino.test"), ("gambling", "paris-sportifs.test"),
           ("drugs", "shop.test"), ("bypass", "free-vpn.test"), ("sexual", "xx.test")]
DEVICES = ("yasmine-tablette", "adam-pc", "salle-info-03")


def demo_home(root: Path) -> Home:
    home = Home.resolve(root).ensure()
    engine = open_engine(home.database_url)
    AccountStore(engine).create("maman", "demo-password", "owner")
    AccountStore(engine).create("prof.alami", "demo-password", "viewer")
    AuditLog(engine).record("maman", "account.add", "prof.alami (viewer)")
    rng = random.Random(7)
    now, events = time.time(), []
    for _ in range(120):
        category, host = rng.choice(BLOCKED)
        events.append({"time": now - rng.uniform(0, 7 * 86400), "device": rng.choice(DEVICES), "profile": "child",
                       "kind": "request", "action": "block", "category": category, "url": f"https://{host}/",
                       "host": host, "rule": host, "source": "salama-default"})
    for i, (category, score, host, evidence) in enumerate(SHOWN):
        events.append({"time": now - 3600 * (i * 9 + 1), "device": DEVICES[i % 2], "profile": "child",
                       "kind": "page", "action": "alert", "category": category, "score": score,
                       "url": f"https://{host}/t/{i + 101}", "host": host, "evidence": evidence,
                       "scores": {category: score, "scam": 0.12}, "reasons": [f"page scores {score} for '{category}'"],
                       "explanation": {category: {"score": score, "terms": [{"term": w} for w in evidence.split()[:4]]}}})
    EventStore(engine).add_many(events)
    (home.ca_dir / "mitmproxy-ca-cert.cer").write_text("demo")
    (home.ca_dir / "mitmproxy-ca-cert.pem").write_text("demo")
    return home


def shoot(base: str, out: Path, alert_id: int) -> None:
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for lang in ("en", "ar"):
            with browser_page(viewport=viewport, locale="ar-MA" if lang == "ar" else "en-GB") as page:
                page.goto(base + "/login")
                page.fill("input[name=username]", "maman")
                page.fill("input[name=password]", "demo-password")
                page.click("form:not(.language) button[type=submit]")
                for name, path in PAGES.items():
                    if lang == "ar" and name not in ARABIC_PAGES:
                        continue
                    page.goto(base + path.format(alert=alert_id))
                    if "activity" in path:
                        page.wait_for_selector("canvas[data-drawn=yes]", timeout=10_000)
                    suffix = "" if lang == "en" else "-ar"
                    page.screenshot(path=str(out / f"{name}-{width_name}{suffix}.png"))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="salama-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = demo_home(Path(tmp) / "home")
        alert_id = EventStore(open_engine(home.database_url)).count()  # the newest strong alert
        with serve_app(create_app(home=home.root)) as base:
            shoot(base, out, alert_id - len(SHOWN) + 1)
    print(out)


if __name__ == "__main__":
    main()
