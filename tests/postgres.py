"""A throw-away PostgreSQL server for tests, on 127.0.0.1, a free port, a temp dir.

`initdb` and `pg_ctl` refuse to run as root, so as root the server runs as
the `postgres` user Debian's package creates (or a `salama-test` user made
here).  Where PostgreSQL or psycopg is missing the tests that need it are
skipped with the reason; tests/run.sh installs both on CI.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.salama_process import free_port

SUPERUSER = "salama"
FALLBACK_RUN_AS = "salama-test"


def server_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as_user() -> str | None:
    """Who runs the server: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_RUN_AS):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_RUN_AS],
                   check=True, capture_output=True)
    return FALLBACK_RUN_AS


class PostgresServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.user = _run_as_user()
        self.root = Path(tempfile.mkdtemp(prefix="salama-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        if self.user:
            shutil.chown(self.root, self.user)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True, cwd=self.root)

    def start(self) -> "PostgresServer":
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync")
        # fsync off: a test server's data is thrown away, and CI time is short.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def fresh_database(self) -> str:
        """The URL of a new, empty database: each test gets its own."""
        import psycopg

        name = f"salama_test_{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_or_skip() -> PostgresServer:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[test]')")
    bindir = server_binaries()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); tests/run.sh installs it as root")
    server = PostgresServer(bindir)
    try:
        return server.start()
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        server.stop()
        pytest.skip(f"cannot start a throw-away PostgreSQL: {detail.strip()[-300:]}")


@pytest.fixture(scope="session")
def postgres_server():
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database of each kind, at the current schema: tests using it run on both."""
    from storage.database import open_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'salama.db'}"
    else:
        url = request.getfixturevalue("postgres_server").fresh_database()
    open_engine(url, migrate=True).dispose()  # what `salama db upgrade` does
    return url
