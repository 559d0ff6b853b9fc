"""Give up on an upstream that accepts a request and never answers.

mitmproxy sets no read timeout on upstream connections: a server that
accepts and stays silent leaves the child looking at a blank page until the
browser's own timeout, minutes later.  When no response headers have come
`salama_upstream_timeout` seconds after the request went upstream, this
addon closes that upstream connection the way mitmproxy's own layers do,
and mitmproxy answers the client with its 502 error page naming the cause
("server closed connection").  A response that has started (headers
received) is never cut: a slow download is not a silent server.

Closing a connection from an addon has no public mitmproxy API; this uses
the proxy server's table of live connections and its handler's
`close_connection` (mitmproxy 11.0 and 12.3; tests/test_faults.py checks it
on the installed version).  Should they be gone from a later mitmproxy, the addon
logs that once and the old behaviour (waiting) remains.
"""

from __future__ import annotations

import asyncio
import logging

from mitmproxy import ctx, http

log = logging.getLogger("salama")

DEFAULT_TIMEOUT_S = 60.0


class UpstreamTimeout:
    def __init__(self) -> None:
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._warned = False

    def load(self, loader) -> None:
        loader.add_option("salama_upstream_timeout", float, DEFAULT_TIMEOUT_S,
                          "Seconds to wait for an upstream's response headers before an error page (0: forever).")

    def request(self, flow: http.HTTPFlow) -> None:
        timeout = ctx.options.salama_upstream_timeout
        if flow.response is not None or timeout <= 0:  # answered by Salama itself, or no limit
            return
        self._timers[flow.id] = asyncio.get_running_loop().call_later(timeout, self._give_up, flow, timeout)

    def _stop_timer(self, flow: http.HTTPFlow) -> None:
        timer = self._timers.pop(flow.id, None)
        if timer is not None:
            timer.cancel()

    # The response started, or the flow ended some other way: nothing to wait for.
    responseheaders = _stop_timer
    error = _stop_timer

    def _give_up(self, flow: http.HTTPFlow, timeout: float) -> None:
        self._timers.pop(flow.id, None)
        if flow.response is not None or flow.error is not None or not flow.live:
            return
        try:
            handler = ctx.master.addons.get("proxyserver").connections.get(flow.client_conn.id)
            # No handler: the client left.  Not in its transports: still connecting (mitmproxy's connect timeout applies).
            if handler is None or flow.server_conn not in handler.transports:
                return
            log.info("%s: no response within %g s; the upstream connection is closed", flow.request.pretty_host, timeout)
            handler.close_connection(flow.server_conn)
        except (AttributeError, TypeError) as exc:
            if not self._warned:
                self._warned = True
                log.warning("upstream timeout unavailable with this mitmproxy (%s: %s); silent upstreams are waited for",
                            type(exc).__name__, exc)
