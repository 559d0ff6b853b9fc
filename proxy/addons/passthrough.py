"""The no-intercept list: pinned apps and banking pass through untouched.

TLS to hosts on the policy's `no_intercept` list is not intercepted (the
app would refuse Salama's certificate), but the host name is still checked:
a CONNECT to a blocked name is refused before any tunnel is opened.
"""

from __future__ import annotations

from mitmproxy import http, tls

from proxy.addons.urlfilter import decide_for
from proxy.flowinfo import client_ip, proxy_user
from proxy.records import make_event
from proxy.runtime import Runtime


class Passthrough:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def http_connect(self, flow: http.HTTPFlow) -> None:
        host = flow.request.pretty_host
        if self.runtime.policy.intercepts(host):
            return  # the requests inside the tunnel are checked one by one
        self.runtime.maybe_reload()
        url = f"https://{host}/"
        verdict = decide_for(self.runtime, url, client_ip(flow), proxy_user(flow))
        if verdict.action != "allow":
            self.runtime.journal.record(make_event(url, verdict, "request"))
        if verdict.blocked:
            flow.response = http.Response.make(403, b"Blocked by Salama", {"content-type": "text/plain", "x-salama": "blocked"})

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        sni = data.client_hello.sni or ""
        if sni and not self.runtime.policy.intercepts(sni):
            data.ignore_connection = True
