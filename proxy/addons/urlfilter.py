"""Decide on each request from its address, before connecting upstream.

Schedule, pauses and holidays, parents' approvals, allow/deny lists,
category blocklists and the device's profile (`rules.decision.decide_request`).
A blocked request gets the block page at once; with
`connection_strategy=lazy` no upstream connection is made, so HTTPS blocks
show the page too.  The verdict is left in `flow.metadata` for the later
addons.
"""

from __future__ import annotations

from mitmproxy import http

from proxy.flowinfo import VERDICT, client_ip, proxy_user
from proxy.records import make_event
from proxy.replies import block
from proxy.runtime import Runtime
from rules.decision import Verdict, decide_request


def decide_for(runtime: Runtime, url: str, ip: str | None, user: str | None) -> Verdict:
    """decide_request with the live approvals, pause and holiday switches."""
    profile, _ = runtime.policy.profile_for(ip, user)
    paused_until, holiday = runtime.switches_for(profile.name)
    return decide_request(
        runtime.policy, runtime.index, url, ip, user,
        at=runtime.clock(), approvals=runtime.approvals, paused_until=paused_until, holiday=holiday,
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
        verdict = decide_for(rt, url, client_ip(flow), proxy_user(flow))
        flow.metadata[VERDICT] = verdict
        if verdict.action == "allow":
            return
        rt.journal.record(make_event(url, verdict, "request"))
        if verdict.blocked:
            block(flow, verdict)
