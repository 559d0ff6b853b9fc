"""Classify the pages that come back and block or alert per the profile.

HTML, text and JSON bodies up to the policy's size cap are buffered and
scored by the model; everything else (media, downloads, bigger bodies)
streams straight through.  Decompression, extraction and scoring run in the
runtime's classifier workers (`proxy.classifying`), never on the event loop;
a body scored already is decided from the runtime's page cache.
"""

from __future__ import annotations

import logging

from mitmproxy import http

from classifier.assess import Assessment
from classifier.model import RiskModel
from proxy.classifying import assess_body, explain_assessment
from proxy.flowinfo import VERDICT, approved, client_ip, proxy_user
from proxy.pagecache import body_digest
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
        verdict = flow.metadata.get(VERDICT)
        if self.runtime.model is None or verdict is None or approved(verdict) or not is_textual(flow):
            flow.response.stream = True
            return
        length = flow.response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self._cap():
            flow.response.stream = True

    async def response(self, flow: http.HTTPFlow) -> None:
        model = self.runtime.model
        if model is None or flow.response.stream:
            return
        request_verdict = flow.metadata.get(VERDICT)
        if request_verdict is None or request_verdict.blocked or approved(request_verdict):  # approved: a parent said yes
            return
        raw = flow.response.raw_content
        if not raw or not is_textual(flow):
            return
        assessment = await self._assess(model, raw, flow.response.headers)
        if isinstance(assessment, str):
            log.info("%s: %s; passed unclassified", flow.request.pretty_host, assessment)
            return
        profile, device = self.runtime.policy.profile_for(client_ip(flow), proxy_user(flow))
        verdict = decide_content(profile, assessment.scores, model.thresholds, "page", device.name if device else client_ip(flow))
        if verdict.action == "allow":
            return
        explanation = await self.runtime.classifier.run(explain_assessment, assessment, [verdict.category, *assessment.labels])
        evidence = assessment.passages.get(verdict.category or "", "")
        self.runtime.journal.record(make_event(flow.request.pretty_url, verdict, "page", evidence, explanation))
        if verdict.blocked:
            block(flow, verdict)

    async def _assess(self, model: RiskModel, raw: bytes, headers) -> Assessment | str:
        """The page's assessment (from the cache when these bytes were scored
        already), or why it could not be read."""
        encoding, ctype = headers.get("content-encoding"), headers.get("content-type")
        cap, max_chars = self._cap(), self.runtime.policy.content.max_text_chars
        key = (await body_digest(raw), encoding, ctype, cap, max_chars, model.meta.get("sha256"))
        return await self.runtime.page_cache.get(
            key, lambda: self.runtime.classifier.run(assess_body, raw, encoding, ctype, cap, max_chars))
