"""Force safe search on the engines the device's profile asks for.

Query parameters and headers are rewritten in place; an engine's documented
"lock" host (forcesafesearch.google.com, strict.bing.com...) is reached by
connecting there while keeping the original Host header, as DNS-based
enforcement does.  Engines that cannot be forced are blocked by the URL
filter already (`rules.decision`).
"""

from __future__ import annotations

from mitmproxy import http

from proxy.flowinfo import request_verdict
from proxy.runtime import Runtime
from rules.safesearch import apply_params, safe_search_change

APPLIED = "salama.safe_search"


class SafeSearch:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def request(self, flow: http.HTTPFlow) -> None:
        verdict = request_verdict(flow)
        if verdict is None:
            return
        profile = self.runtime.policy.profiles.get(verdict.profile or "")
        if profile is None or not profile.safe_search:
            return
        req = flow.request
        path, _, query = req.path.partition("?")
        change = safe_search_change(profile.safe_search, method=req.method, host=req.pretty_host, path=path, query=query,
                                    headers=req.headers)
        if change is None or change.block:
            return
        if change.set_params:
            req.path = f"{path}?{apply_params(query, change.set_params)}"
        for name, value in change.set_headers:
            req.headers[name] = value
        if change.connect_to:
            host_header = req.host_header
            req.host = change.connect_to  # where to connect (and SNI)...
            req.host_header = host_header  # ...while the site still sees its own name
        flow.metadata[APPLIED] = change.reason
