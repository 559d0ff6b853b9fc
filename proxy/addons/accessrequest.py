"""The block page's "ask a parent": requests and their answers, served by the proxy.

The form posts to `/.salama/ask` on the blocked site's own origin (so it
works inside HTTPS too); this addon answers that path on any host before
the filters run, records the request, and sends the child to a status page
that refreshes itself until a parent answers in the dashboard.  Only the
device that asked can see its request.
"""

from __future__ import annotations

import logging
import re
import urllib.parse

from mitmproxy import http

from proxy.blockpage import ASK_PATH
from proxy.flowinfo import client_ip, proxy_user
from proxy.replies import request_status
from proxy.runtime import Runtime
from rules.urlnorm import normalize_url
from storage.access import AccessError

log = logging.getLogger("salama")

_STATUS_PATH = re.compile(re.escape(ASK_PATH) + r"/(\d{1,12})$")
MAX_FORM = 8192


def _text(flow: http.HTTPFlow, status: int, message: str) -> None:
    flow.response = http.Response.make(status, message.encode(), {"content-type": "text/plain; charset=utf-8", "x-salama": "request"})


class AccessRequests:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def request(self, flow: http.HTTPFlow) -> None:
        path = flow.request.path.split("?")[0]
        if not path.startswith(ASK_PATH):
            return
        self.runtime.maybe_reload()
        if path == ASK_PATH and flow.request.method == "POST":
            self._ask(flow)
            return
        match = _STATUS_PATH.match(path)
        if match and flow.request.method == "GET":
            self._status(flow, int(match.group(1)))
            return
        _text(flow, 404, "unknown Salama address")

    def _device(self, flow: http.HTTPFlow) -> tuple[str, str]:
        ip = client_ip(flow)
        profile, device = self.runtime.policy.profile_for(ip, proxy_user(flow))
        return (device.name if device else ip or "?"), profile.name

    def _ask(self, flow: http.HTTPFlow) -> None:
        body = (flow.request.get_content(strict=False) or b"")[:MAX_FORM]
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        url = (form.get("url") or [""])[0]
        target = normalize_url(url)
        if not target.host:
            _text(flow, 400, "the request does not name a web address")
            return
        device, profile = self._device(flow)
        domain = target.host[4:] if target.host.startswith("www.") else target.host
        try:
            request_id = self.runtime.access.ask(
                device=device, profile=profile, domain=domain, url=url,
                reason=(form.get("reason") or [""])[0], category=None,
            )
        except AccessError as exc:
            _text(flow, 429, str(exc))
            return
        except Exception as exc:  # database down: say so, never crash the proxy
            log.warning("access request not recorded: %s", exc)
            _text(flow, 503, "the request could not be recorded; ask a parent directly")
            return
        flow.response = http.Response.make(303, b"", {"location": f"{ASK_PATH}/{request_id}", "x-salama": "request"})

    def _status(self, flow: http.HTTPFlow, request_id: int) -> None:
        row = self.runtime.access.get(request_id)
        device, _ = self._device(flow)
        if row is None or row["device"] != device:
            _text(flow, 404, "no such request from this device")
            return
        request_status(flow, row)
