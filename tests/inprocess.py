"""The real proxy (Salama's addon chain in mitmproxy's DumpMaster) in a thread,
and a client that sends requests through it from a chosen loopback address."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
from pathlib import Path

from proxy.runtime import Runtime
from proxy.server import ProxySettings, build_master


class InProcessProxy:
    def __init__(self, runtime: Runtime, confdir: Path, resolve: list[str] = (), proxy_users: Path | None = None):
        self.runtime = runtime
        self.loop = asyncio.new_event_loop()
        self.port: int | None = None
        self._ready = threading.Event()
        settings = ProxySettings(listen_host="127.0.0.1", listen_port=0, confdir=confdir, resolve=list(resolve),
                                 ssl_insecure=True, quiet=True, proxy_users=proxy_users)
        self._thread = threading.Thread(target=self._run, args=(settings,), daemon=True)
        self._thread.start()
        if not self._ready.wait(30) or self.port is None:
            raise RuntimeError("in-process proxy did not start")

    def _run(self, settings: ProxySettings) -> None:
        asyncio.set_event_loop(self.loop)

        async def main():
            self.master = build_master(settings, self.runtime)
            task = asyncio.ensure_future(self.master.run())
            for _ in range(300):
                addrs = self.master.addons.get("proxyserver").listen_addrs()
                if addrs:
                    self.port = addrs[0][1]
                    break
                await asyncio.sleep(0.05)
            self._ready.set()
            await task

        self.loop.run_until_complete(main())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.master.shutdown)
        self._thread.join(15)


def via_proxy(port: int, method: str, url: str, source: str = "127.0.0.1", body: bytes | None = None,
              headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
    """One plain-HTTP request through the proxy from `source` (a loopback address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, url, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def wait_until(predicate, timeout: float = 10.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
