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

from proxy.addons.accessrequest import AccessRequests
from proxy.addons.contentfilter import ContentFilter
from proxy.addons.outgoing import OutgoingText
from proxy.addons.passthrough import Passthrough
from proxy.addons.resolve import Resolve
from proxy.addons.safesearch import SafeSearch
from proxy.addons.searchfilter import SearchFilter
from proxy.addons.upstreamtimeout import DEFAULT_TIMEOUT_S, UpstreamTimeout
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
    proxy_users: Path | None = None  # an htpasswd file: every client must log in (per-child logins)
    upstream_timeout: float = DEFAULT_TIMEOUT_S  # seconds without response headers before an error page (0: none)


def salama_addons(runtime: Runtime) -> list:
    """The addon chain, in the order a request meets it."""
    return [
        AccessRequests(runtime),  # the block page's own "ask a parent" path, before anything can block it
        Passthrough(runtime),  # no-intercept hosts: checked by name at CONNECT, TLS untouched
        UrlFilter(runtime),  # schedule, approvals, lists: decides before connecting upstream
        SafeSearch(runtime),
        SearchFilter(runtime),
        OutgoingText(runtime),
        ContentFilter(runtime),  # the page that comes back
        Resolve(),  # --resolve mappings (tests, demo): after safe search may have changed the host
        UpstreamTimeout(),  # last: only requests that really go upstream are timed
    ]


def build_master(settings: ProxySettings, runtime: Runtime) -> DumpMaster:
    """A DumpMaster with Salama's addons; call from inside a running event loop."""
    opts = options.Options(listen_host=settings.listen_host, listen_port=settings.listen_port, confdir=str(settings.confdir))
    master = DumpMaster(opts, with_termlog=not settings.quiet, with_dumper=False)
    master.addons.add(*salama_addons(runtime))
    # These options belong to mitmproxy's own addons, so they exist only now.
    opts.update(
        mode=settings.modes,
        # Decide before connecting upstream, so HTTPS blocks can show the block page.
        connection_strategy="lazy",
        # Bodies past the classification cap stream through instead of being buffered.
        stream_large_bodies=f"{runtime.policy.content.max_body_kib}k",
        ssl_insecure=settings.ssl_insecure,
        salama_resolve=list(settings.resolve),
        salama_upstream_timeout=settings.upstream_timeout,
    )
    if settings.proxy_users is not None:
        opts.update(proxyauth=f"@{settings.proxy_users}")
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
