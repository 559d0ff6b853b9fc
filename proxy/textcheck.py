"""Scoring a short text a child typed (a search, a message) and acting on it.

Shared by the search and outgoing-text addons: the model scores the text in
the runtime's classifier worker, personal-data findings add their own score, the profile
decides, and an alert or block is recorded with the evidence masked (the
full message is never stored).
"""

from __future__ import annotations

from typing import Mapping

from classifier.assess import Assessment
from classifier.language import detect_language
from classifier.personal_data import mask_personal_data
from proxy.classifying import explain_assessment, score_text
from proxy.records import make_event
from proxy.runtime import Runtime
from rules.decision import Verdict, decide_content

MAX_TEXT = 4000


async def judge_text(
    runtime: Runtime, request_verdict: Verdict, url: str, text: str, what: str, extra: Mapping[str, float] = {}
) -> Verdict | None:
    """The content verdict for `text` (None when the profile is gone); records alerts and blocks."""
    profile = runtime.policy.profiles.get(request_verdict.profile or "")
    if profile is None:
        return None
    text = text[:MAX_TEXT]
    model = runtime.model
    scores = dict(await runtime.classifier.run(score_text, text)) if model else {}
    for category, score in extra.items():
        scores[category] = max(scores.get(category, 0.0), score)
    thresholds = model.thresholds if model else {}
    verdict = decide_content(profile, scores, thresholds, what, device=request_verdict.device)
    if verdict.action == "allow":
        return verdict
    explanation = None
    if model:
        labels = [c for c in model.labels_for(scores) if c in model.thresholds]
        assessment = Assessment(scores, labels, detect_language(text), {c: text for c in scores})
        explanation = await runtime.classifier.run(explain_assessment, assessment, [verdict.category, *labels])
        for info in explanation.values():
            info["passage"] = mask_personal_data(info["passage"])
            info["terms"] = [t for t in info["terms"] if mask_personal_data(t["term"]) == t["term"]]
    runtime.journal.record(make_event(url, verdict, what, mask_personal_data(text), explanation))
    return verdict
