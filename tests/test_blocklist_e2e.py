"""Imported lists through the real proxy: `salama blocklist import` while
`salama run` is running, and the listed sites blocked without a restart.

A UT1-style category folder and a hosts file of the test's own are imported
into the home of a running `salama run`; every name is mapped (`--resolve`)
to a local site, so nothing leaves the machine, and "blocked" means the block
page came back and the site never saw the request.  When ../shared/datasets
holds the real UT1 lists, a domain taken from UT1's gambling list is checked
the same way.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATASETS
from tests.salama_process import SalamaProcess
from tests.test_faults import fetch, make_home
from tests.upstream import LocalSite

pytestmark = pytest.mark.e2e

UT1_GAMBLING = DATASETS / "blocklists" / "ut1-blacklists" / "gambling" / "domains"


def first_real_gambling_domain() -> str | None:
    if not UT1_GAMBLING.is_file():
        return None
    with UT1_GAMBLING.open(encoding="utf-8", errors="replace") as lines:
        return next((line.strip() for line in lines if line.strip() and not line.startswith("#")), None)


REAL = first_real_gambling_domain()
NAMES = ["mise-folle.test", "cdn.mise-folle.test", "images.adulte.test", "karkoubi.test", "ecole.test",
         "mise--folle-test.translate.goog"] + ([REAL, f"www.{REAL}"] if REAL else [])


def ut1_folder(root: Path) -> Path:
    """The layout of UT1's blacklists: one folder per category, French names."""
    for category, domains in {"gambling": "mise-folle.test\n", "adult": "adulte.test\n"}.items():
        (root / category).mkdir(parents=True)
        (root / category / "domains").write_text(domains)
    (root / "adult" / "urls").write_text("ecole.test/pages-cachees\n")
    return root


@pytest.fixture(scope="module")
def site():
    page = ("text/html; charset=utf-8", "<title>Bienvenue</title><p>Horaires, plan d'accès et actualités "
            "de l'association des parents d'élèves.</p>".encode())
    s = LocalSite({"/": page, "/pages-cachees": page})
    yield s
    s.close()


@pytest.fixture(scope="module")
def salama(site, tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("lists"))
    proc = SalamaProcess(home, [f"{name}=127.0.0.1:{site.port}" for name in NAMES])
    yield proc
    proc.stop()


def salama_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "salama", *args], capture_output=True, text=True, timeout=600)


def blocked(proc: SalamaProcess, url: str) -> bool:
    status, body = fetch(proc, url)
    return status == 403 and "Salama" in body


def wait_blocked(proc: SalamaProcess, url: str, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if blocked(proc, url):
            return True
        time.sleep(0.5)
    return False


def test_imported_lists_block_through_the_running_proxy(salama, site, tmp_path):
    assert fetch(salama, "http://mise-folle.test/")[0] == 200  # not listed yet
    folder = ut1_folder(tmp_path / "blacklists")
    hosts = tmp_path / "drogues.hosts"
    hosts.write_text("# a hosts file\n0.0.0.0 karkoubi.test\n")
    done = salama_cli("blocklist", "import", str(folder), "--home", str(salama.home))
    assert done.returncode == 0, done.stderr
    done = salama_cli("blocklist", "import", str(hosts), "--category", "drugs", "--home", str(salama.home))
    assert done.returncode == 0, done.stderr

    assert wait_blocked(salama, "http://mise-folle.test/"), "the new index was not picked up\n" + salama.output()[-3000:]
    seen_before = len(site.requests)
    for url in ("http://cdn.mise-folle.test/", "http://MISE-FOLLE.TEST./", "http://mise--folle-test.translate.goog/",
                "http://images.adulte.test/", "http://karkoubi.test/", "http://ecole.test/pages-cachees"):
        assert blocked(salama, url), url
    assert len(site.requests) == seen_before  # blocked before any upstream connection
    assert fetch(salama, "http://ecole.test/")[0] == 200  # only the listed path of that site


@pytest.mark.skipif(REAL is None, reason=f"real UT1 lists not available: {UT1_GAMBLING} is absent")
def test_a_real_ut1_gambling_domain_is_blocked(salama, tmp_path):
    done = salama_cli("blocklist", "import", str(UT1_GAMBLING), "--category", "gambling", "--home", str(salama.home))
    assert done.returncode == 0, done.stderr
    assert wait_blocked(salama, f"http://{REAL}/")
    assert blocked(salama, f"http://www.{REAL}/")
