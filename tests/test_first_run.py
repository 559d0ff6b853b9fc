"""First run: at a terminal, `salama run` leaves the parent account to the
dashboard's set-up page; in a script or service it prints a generated password
once.  There is never a default password."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import urllib.request

import pytest

from tests.salama_process import free_port, wait_for_port

pytestmark = pytest.mark.e2e


def start(home, stdin):
    proxy_port, dashboard_port = free_port(), free_port()
    log = (home.parent / "run.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "salama", "run", "--home", str(home), "--proxy-port", str(proxy_port),
                             "--dashboard-port", str(dashboard_port)], stdin=stdin, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(dashboard_port, proc)
    except Exception:
        proc.kill()
        raise
    return proc, dashboard_port, home.parent / "run.log"


def stop(proc):
    proc.terminate()
    proc.wait(15)


def test_at_a_terminal_the_set_up_page_creates_the_account(tmp_path):
    parent_end, child_end = pty.openpty()
    proc, port, log = start(tmp_path / "home", child_end)
    try:
        output = log.read_text()
        assert "/setup" in output and "password" not in output.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:  # redirected to the set-up page
            assert r.url.endswith("/setup") and 'name="confirm"' in r.read().decode()
    finally:
        stop(proc)
        os.close(parent_end)
        os.close(child_end)


def test_in_a_script_a_password_is_generated_and_printed_once(tmp_path):
    proc, port, log = start(tmp_path / "home", subprocess.DEVNULL)
    try:
        assert "password (shown only once)" in log.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert r.url.endswith("/login") or "/login" in r.url
    finally:
        stop(proc)
