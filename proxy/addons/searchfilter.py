"""Read what a child searches for, and alert or block per the profile.

The query is pulled out of the common engines and YouTube (`rules.searchterms`)
and scored by the model.  A self-harm search leads to a supportive page with
help lines instead of a bare "blocked".  Autocomplete requests (one per
keystroke) are not judged: the search itself is.
"""

from __future__ import annotations

from mitmproxy import http

from proxy.flowinfo import approved, request_verdict
from proxy.replies import block, support
from proxy.runtime import Runtime
from proxy.textcheck import judge_text
from rules.searchterms import extract_search

MAX_BODY = 64 * 1024


class SearchFilter:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    async def request(self, flow: http.HTTPFlow) -> None:
        verdict = request_verdict(flow)
        if verdict is None or approved(verdict):
            return
        req = flow.request
        path, _, query = req.path.partition("?")
        body = req.raw_content[:MAX_BODY] if req.raw_content and req.method == "POST" else None
        search = extract_search(req.method, req.pretty_host, path, query, body, req.headers.get("content-type"))
        if search is None or search.suggestion or not search.terms.strip():
            return
        result = await judge_text(self.runtime, verdict, req.pretty_url, search.terms, "search")
        if result is None or not result.blocked:
            return
        if result.category == "self_harm":
            support(flow, self.runtime.policy)
        else:
            block(flow, result)
