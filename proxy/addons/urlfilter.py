"""Decide on each request from its address, before connecting upstream.

Allow/deny lists, category blocklists and the device's profile
(`rules.decision.decide_request`).  A blocked request gets the block page
at once; with `connection_strategy=lazy` no upstream connection is made, so
HTTPS blocks show the page too.  The verdict is left in `flow.metadata` for
the content filter.
"""

from __future__ import annotations

import logging

from mitmproxy import http

from proxy.blockpage import render_block_page
from proxy.records import make_event
from proxy.runtime import Runtime
from rules.decision import Verdict, decide_request

log = logging.getLogger("salama")

VERDICT = "salama.verdict"


def client_ip(flow: http.HTTPFlow) -> str | None:
    peer = flow.client_conn.peername
    return peer[0] if peer else None


def proxy_user(flow: http.HTTPFlow) -> str | None:
    auth = flow.metadata.get("proxyauth")  # set by mitmproxy's proxyauth addon
    return auth[0] if auth else None


def block(flow: http.HTTPFlow, verdict: Verdict) -> None:
    page = render_block_page(verdict, flow.request.pretty_url, flow.request.headers.get("accept-language"))
    flow.response = http.Response.make(
        403,
        page.encode("utf-8"),
        {"content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-salama": "blocked"},
    )


class UrlFilter:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:  # answered by another addon already
            return
        rt = self.runtime
        rt.maybe_reload()
        url = flow.request.pretty_url
        verdict = decide_request(rt.policy, rt.index, url, client_ip(flow), proxy_user(flow))
        flow.metadata[VERDICT] = verdict
        if verdict.action == "allow":
            return
        rt.journal.record(make_event(url, verdict, "request"))
        if verdict.blocked:
            block(flow, verdict)
