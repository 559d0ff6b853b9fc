"""Several proxy workers sharing one policy and one database.

First two runtimes with their own policy files and one database, as on two
machines: a policy saved on one reaches the other through the database.
Then the real thing: `salama run --workers 2` against a throw-away
PostgreSQL, where a deny added through rules.policy_edit takes effect on
both workers, an approval given through the AccessStore opens the site on
the other worker, and the alerts of both workers appear once each.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from proxy.runtime import Runtime
from rules.policy import DEFAULT_POLICY_PATH
from rules.policy_edit import add_domains
from storage.access import AccessStore
from storage.database import open_engine
from storage.policy_versions import PolicyVersions
from tests.inprocess import wait_until
from tests.postgres import database_url, postgres_server  # noqa: F401  (fixtures)
from tests.salama_process import free_port, wait_for_port
from tests.upstream import LocalSite

PAGE = ("text/html; charset=utf-8", b"<html><body><h1>Exercices</h1><p>Fractions, page 52.</p></body></html>")
PASSWORD = "parent-pass"


def machine(tmp_path: Path, name: str, url: str, follow: bool | None = True) -> Runtime:
    root = tmp_path / name
    root.mkdir()
    shutil.copyfile(DEFAULT_POLICY_PATH, root / "policy.yaml")
    return Runtime(policy_path=root / "policy.yaml", index_path=root / "index.bin", model_dir=None,
                   database_url=url, status_dir=root, use_model=False, follow_shared_policy=follow)


def test_a_policy_saved_on_one_machine_reaches_a_worker_on_another(tmp_path, database_url):  # noqa: F811
    office, lab = machine(tmp_path, "office", database_url), machine(tmp_path, "lab", database_url)
    versions = PolicyVersions(office.events.engine)
    add_domains(office.policy_path, "deny", ["games.test"], on_saved=versions.recorder("parent"))
    assert "games.test" not in lab.policy.deny
    lab.maybe_reload(now=1e12)  # the next poll
    assert "games.test" in lab.policy.deny and "shared policy version" in lab.policy.source
    fresh = machine(tmp_path, "new-lab", database_url)  # a worker started later starts from the shared version
    assert "games.test" in fresh.policy.deny
    for runtime in (office, lab, fresh):
        runtime.close()


def test_a_home_on_sqlite_keeps_its_own_file_as_the_truth(tmp_path):
    home = machine(tmp_path, "home", f"sqlite:///{tmp_path / 'salama.db'}", follow=None)
    PolicyVersions(home.events.engine).record("deny: [school-only.test]\n", "someone")
    home.maybe_reload(now=1e12)
    assert "school-only.test" not in home.policy.deny
    home.close()


# -- `salama run --workers 2` against PostgreSQL ---------------------------------


def consecutive_free_ports(count: int) -> int:
    """A port p with p .. p+count-1 all free."""
    for _ in range(50):
        first = free_port()
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError("no run of free ports")


def salama(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "salama", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


class Workers:
    """`salama run --workers 2` and a way to talk to each worker and the dashboard."""

    def __init__(self, home: Path, url: str, resolve: list[str]):
        self.home, self.url = home, url
        self.first_port, self.dashboard_port = consecutive_free_ports(2), free_port()
        cmd = [sys.executable, "-m", "salama", "run", "--workers", "2", "--home", str(home), "--database-url", url,
               "--proxy-port", str(self.first_port), "--dashboard-port", str(self.dashboard_port)]
        for r in resolve:
            cmd += ["--resolve", r]
        self.log = (home / "workers.log").open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        for port in (self.first_port, self.first_port + 1, self.dashboard_port):
            wait_for_port(port, self.proc, timeout=120)

    def fetch(self, worker: int, url: str, data: bytes | None = None) -> tuple[int, str, Message]:
        proxy = f"http://127.0.0.1:{self.first_port + worker}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}), NoRedirect)
        try:
            with opener.open(urllib.request.Request(url, data=data), timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), e.headers

    def alerts(self) -> list[dict]:
        req = urllib.request.Request(f"http://127.0.0.1:{self.dashboard_port}/api/alerts")
        req.add_header("Authorization", "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode())
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)["alerts"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the test reads the 303 of an access request itself
        return None


@pytest.fixture(scope="module")
def workers(postgres_server, tmp_path_factory):  # noqa: F811
    site = LocalSite({"/": PAGE, "/game": PAGE, "/page": PAGE})
    home = tmp_path_factory.mktemp("workers") / "home"
    url = postgres_server.fresh_database()
    salama("db", "upgrade", "--database-url", url)
    salama("init", "--home", str(home), "--database-url", url, "--admin-password", PASSWORD)
    salama("policy", "deny", "blocked.test", "alerts.test", "--home", str(home))
    running = Workers(home, url, [f"{h}=127.0.0.1:{site.port}" for h in ("school.test", "games.test", "blocked.test", "alerts.test")])
    yield running
    running.stop()
    site.close()


@pytest.mark.e2e
def test_workers_stop_with_the_supervisor_and_free_their_ports(workers):
    assert workers.proc.poll() is None
    assert all(workers.fetch(w, "http://school.test/")[0] == 200 for w in (0, 1))


@pytest.mark.e2e
def test_a_deny_added_through_policy_edit_takes_effect_on_both_workers(workers):
    assert [workers.fetch(w, "http://games.test/game")[0] for w in (0, 1)] == [200, 200]
    versions = PolicyVersions(open_engine(workers.url))
    add_domains(workers.home / "policy.yaml", "deny", ["games.test"], on_saved=versions.recorder("teacher"))
    assert wait_until(lambda: [workers.fetch(w, "http://games.test/game")[0] for w in (0, 1)] == [403, 403], timeout=15)


@pytest.mark.e2e
def test_an_approval_asked_on_one_worker_opens_the_site_on_the_other(workers):
    form = urllib.parse.urlencode({"url": "http://blocked.test/page", "reason": "homework"}).encode()
    status, _, headers = workers.fetch(0, "http://blocked.test/.salama/ask", data=form)
    assert status == 303, status
    request_id = int(re.search(r"(\d+)$", headers["Location"]).group(1))
    assert workers.fetch(1, "http://blocked.test/page")[0] == 403
    AccessStore(open_engine(workers.url)).approve(request_id, by="parent", until=None)  # what the dashboard does
    assert wait_until(lambda: workers.fetch(1, "http://blocked.test/page")[0] == 200, timeout=15)


@pytest.mark.e2e
def test_alerts_from_both_workers_appear_once_each(workers):
    for w in (0, 1):
        assert workers.fetch(w, f"http://alerts.test/from-worker-{w}")[0] == 403

    def mine():
        return sorted(a["url"] for a in workers.alerts() if "/from-worker-" in a["url"])
    expected = ["http://alerts.test/from-worker-0", "http://alerts.test/from-worker-1"]
    assert wait_until(lambda: mine() == expected, timeout=15), mine()
