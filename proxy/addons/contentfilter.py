"""Classify the pages that come back and block or alert per the profile.

HTML, text and JSON bodies up to the policy's size cap are buffered and
scored by the model; everything else (media, downloads, bigger bodies)
streams straight through.  Extraction and scoring run in the runtime's
classifier worker (`proxy.classifying`), never on the event loop.
"""

from __future__ import annotations

import logging

from mitmproxy import http

from proxy.bodies import UndecodableBody, decoded_prefix
from proxy.classifying import assess_body, explain_assessment
from proxy.flowinfo import VERDICT, approved, client_ip, proxy_user
from proxy.records import make_event
from proxy.replies import block
from proxy.runtime import Runtime
from rules.decision import decide_content

log = logging.getLogger("salama")

TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/json")


def is_textual(flow: http.HTTPFlow) -> bool:
    ctype = flow.response.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype in TEXT_TYPES


class ContentFilter:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def _cap(self) -> int:
        return self.runtime.policy.content.max_body_kib * 1024

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if self.runtime.model is None or not is_textual(flow):
            flow.response.stream = True
            return
        length = flow.response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self._cap():
            flow.response.stream = True

    async def response(self, flow: http.HTTPFlow) -> None:
        model = self.runtime.model
        request_verdict = flow.metadata.get(VERDICT)
        if model is None or flow.response.stream or request_verdict is None or request_verdict.blocked:
            return
        if approved(request_verdict):  # a parent said yes to this site
            return
        if not is_textual(flow) or not flow.response.raw_content:
            return
        try:
            body, _ = decoded_prefix(flow.response.raw_content, flow.response.headers.get("content-encoding"), self._cap())
        except UndecodableBody as exc:
            log.info("%s: %s; passed unclassified", flow.request.pretty_host, exc)
            return
        ctype = flow.response.headers.get("content-type")
        max_chars = self.runtime.policy.content.max_text_chars
        assessment = await self.runtime.classifier.run(assess_body, body, ctype, max_chars)
        policy = self.runtime.policy
        profile, device = policy.profile_for(client_ip(flow), proxy_user(flow))
        verdict = decide_content(profile, assessment.scores, model.thresholds, "page", device.name if device else client_ip(flow))
        if verdict.action == "allow":
            return
        explanation = await self.runtime.classifier.run(explain_assessment, assessment, [verdict.category, *assessment.labels])
        evidence = assessment.passages.get(verdict.category or "", "")
        self.runtime.journal.record(make_event(flow.request.pretty_url, verdict, "page", evidence, explanation))
        if verdict.blocked:
            block(flow, verdict)
