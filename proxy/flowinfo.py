"""What the addons need to know about a flow: who sent it and what was decided.

The URL filter runs first and leaves its `Verdict` in `flow.metadata`; the
later addons (safe search, searches, outgoing text, page content) read it
to know the device's profile and to skip what is already blocked or approved.
"""

from __future__ import annotations

from mitmproxy import http

from rules.decision import Verdict

VERDICT = "salama.verdict"


def client_ip(flow: http.HTTPFlow) -> str | None:
    peer = flow.client_conn.peername
    return peer[0] if peer else None


def proxy_user(flow: http.HTTPFlow) -> str | None:
    auth = flow.metadata.get("proxyauth")  # set by mitmproxy's proxyauth addon
    return auth[0] if auth else None


def request_verdict(flow: http.HTTPFlow) -> Verdict | None:
    """The URL filter's verdict when the flow is still going ahead, else None."""
    verdict = flow.metadata.get(VERDICT)
    if verdict is None or verdict.blocked or flow.response is not None:
        return None
    return verdict


def approved(verdict: Verdict) -> bool:
    """A parent approved this site: the later checks leave it alone."""
    return (verdict.rule or "").startswith("approval:")
