"""Check what a child sends: form and chat-like POST bodies (size-capped).

Free-text values (anything with a space, or a field named like a message)
are scored for grooming signals and other risks and searched for personal
data (phone numbers, addresses, school and schedule, passwords in a
message...).  Single-token fields (a login e-mail, a user name) and secret
fields are left alone so that ordinary log-ins keep working.  Alerts keep
only a masked snippet, never the message.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Iterator

from mitmproxy import http

from classifier.personal_data import find_personal_data
from proxy.bodies import UndecodableBody, decoded_prefix
from proxy.flowinfo import approved, request_verdict
from proxy.replies import block
from proxy.runtime import Runtime
from proxy.textcheck import judge_text

MAX_BODY = 64 * 1024
MAX_VALUES = 200
SECRET_FIELDS = ("pass", "pwd", "token", "csrf", "secret", "otp", "captcha")
MESSAGE_FIELDS = ("message", "msg", "text", "body", "content", "comment", "caption", "bio", "description", "q")


def _is_free_text(name: str, value: str) -> bool:
    name = name.lower()
    if any(s in name for s in SECRET_FIELDS):
        return False
    return " " in value.strip() or any(m in name for m in MESSAGE_FIELDS)


def _json_strings(data, limit: int = MAX_VALUES) -> Iterator[tuple[str, str]]:
    """(key, string value) pairs of a JSON document, iteratively and bounded."""
    stack: list[tuple[str, object]] = [("", data)]
    seen = 0
    while stack and seen < limit:
        key, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((key, v) for v in node)
        elif isinstance(node, str):
            seen += 1
            yield key, node


def sent_text(content_type: str, body: bytes) -> str:
    """The free text a request carries (form or JSON), joined by new lines."""
    ctype = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if ctype == "application/x-www-form-urlencoded":
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=False)[:MAX_VALUES]
    elif ctype.endswith("json"):
        try:
            pairs = list(_json_strings(json.loads(text)))
        except (ValueError, RecursionError):
            return ""
    elif ctype == "text/plain":
        pairs = [("text", text)]
    else:  # multipart uploads, binary: files are not messages
        return ""
    return "\n".join(v for k, v in pairs if _is_free_text(k, v))


class OutgoingText:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    async def request(self, flow: http.HTTPFlow) -> None:
        req = flow.request
        if req.method not in ("POST", "PUT", "PATCH") or not req.raw_content:
            return
        verdict = request_verdict(flow)
        if verdict is None or approved(verdict) or len(req.raw_content) > MAX_BODY:
            return
        try:
            body, _ = decoded_prefix(req.raw_content, req.headers.get("content-encoding"), MAX_BODY)
        except UndecodableBody:
            return
        text = sent_text(req.headers.get("content-type", ""), body)
        if not text.strip():
            return
        extra = {"personal_data": 1.0} if find_personal_data(text) else {}
        result = await judge_text(self.runtime, verdict, req.pretty_url, text, "outgoing", extra)
        if result is not None and result.blocked:
            block(flow, result)
