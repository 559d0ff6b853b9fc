"""Assembling and running the proxy: mitmproxy's DumpMaster with Salama's addons.

`build_master()` is shared by `salama run` and the in-process tests, so both
run exactly the same addon chain.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path

from mitmproxy import options
from mitmproxy.tools.dump import DumpMaster

from proxy.addons.contentfilter import ContentFilter
from proxy.addons.resolve import Resolve
from proxy.addons.urlfilter import UrlFilter
from proxy.runtime import Runtime

log = logging.getLogger("salama")


@dataclass
class ProxySettings:
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    confdir: Path = Path("~/.mitmproxy")
    modes: list[str] = field(default_factory=lambda: ["regular"])
    resolve: list[str] = field(default_factory=list)
    ssl_insecure: bool = False
    quiet: bool = False


def build_master(settings: ProxySettings, runtime: Runtime) -> DumpMaster:
    """A DumpMaster with Salama's addons; call from inside a running event loop."""
    opts = options.Options(listen_host=settings.listen_host, listen_port=settings.listen_port, confdir=str(settings.confdir))
    master = DumpMaster(opts, with_termlog=not settings.quiet, with_dumper=False)
    master.addons.add(Resolve(), UrlFilter(runtime), ContentFilter(runtime))
    # These options belong to mitmproxy's own addons, so they exist only now.
    opts.update(
        mode=settings.modes,
        # Decide before connecting upstream, so HTTPS blocks can show the block page.
        connection_strategy="lazy",
        # Bodies past the classification cap stream through instead of being buffered.
        stream_large_bodies=f"{runtime.policy.content.max_body_kib}k",
        ssl_insecure=settings.ssl_insecure,
        salama_resolve=list(settings.resolve),
    )
    return master


async def serve(settings: ProxySettings, runtime: Runtime) -> None:
    master = build_master(settings, runtime)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, master.shutdown)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not POSIX
            pass
    try:
        await master.run()
    finally:
        runtime.close()
