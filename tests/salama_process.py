"""Running the real `salama run` command as a subprocess for end-to-end tests."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"salama exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


class SalamaProcess:
    """`salama run` on free ports with a given home and --resolve mappings."""

    def __init__(self, home: Path, resolve: list[str] = (), extra: list[str] = ()):
        self.home = home
        self.proxy_port = free_port()
        self.dashboard_port = free_port()
        cmd = [sys.executable, "-m", "salama", "run", "--home", str(home),
               "--proxy-port", str(self.proxy_port), "--dashboard-port", str(self.dashboard_port), "--ssl-insecure", *extra]
        for r in resolve:
            cmd += ["--resolve", r]
        self.log_path = home / "salama-test.log"
        home.mkdir(parents=True, exist_ok=True)
        self.log = self.log_path.open("wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_for_port(self.proxy_port, self.proc)
            wait_for_port(self.dashboard_port, self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"salama did not start:\n{self.output()}") from None

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    @property
    def ca_path(self) -> Path:
        return self.home / "ca" / "mitmproxy-ca-cert.pem"

    def opener(self, source_address: str | None = None) -> urllib.request.OpenerDirector:
        """A urllib opener that goes through the proxy and trusts Salama's CA."""
        ctx = ssl.create_default_context(cafile=str(self.ca_path))
        proxy = f"http://127.0.0.1:{self.proxy_port}"
        handlers = [urllib.request.ProxyHandler({"http": proxy, "https": proxy}), urllib.request.HTTPSHandler(context=ctx)]
        return urllib.request.build_opener(*handlers)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
