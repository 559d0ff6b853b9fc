"""Answers the proxy gives itself instead of the site: block, support and request pages."""

from __future__ import annotations

from mitmproxy import http

from proxy.blockpage import render_block_page, render_request_page, render_support_page
from rules.decision import Verdict
from rules.helplines import helplines_for
from rules.policy import Policy

_HEADERS = {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}


def _reply(flow: http.HTTPFlow, status: int, html: str, kind: str) -> None:
    flow.response = http.Response.make(status, html.encode("utf-8"), {**_HEADERS, "x-salama": kind})


def block(flow: http.HTTPFlow, verdict: Verdict) -> None:
    """Replace the response (or answer the request) with the block page."""
    can_ask = verdict.category not in (None, "schedule")
    page = render_block_page(verdict, flow.request.pretty_url, flow.request.headers.get("accept-language"), can_ask)
    _reply(flow, 403, page, "blocked")


def support(flow: http.HTTPFlow, policy: Policy) -> None:
    """A self-harm search: help lines instead of a bare "blocked"."""
    lines = helplines_for(policy.country, policy.helplines)
    _reply(flow, 200, render_support_page(lines, flow.request.headers.get("accept-language")), "support")


def request_status(flow: http.HTTPFlow, request: dict) -> None:
    _reply(flow, 200, render_request_page(request, flow.request.headers.get("accept-language")), "request")
