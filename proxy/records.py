"""Turning a decision on a flow into the event the dashboard shows.

Only blocks and alerts become events, and only what an alert needs is kept:
the address, the categories and scores, a short evidence snippet and the
words behind the decision (privacy: children's browsing is sensitive).
"""

from __future__ import annotations

import time

from rules.decision import Verdict
from rules.urlnorm import normalize_url

EVIDENCE_CHARS = 300
URL_CHARS = 2000


def make_event(url: str, verdict: Verdict, kind: str, evidence: str | None = None, explanation: dict | None = None) -> dict:
    return {
        "time": time.time(),
        "device": verdict.device,
        "profile": verdict.profile,
        "kind": kind,
        "action": verdict.action,
        "category": verdict.category,
        "score": verdict.score,
        "url": url[:URL_CHARS],
        "host": normalize_url(url).host[:255],
        "scores": {k: round(v, 4) for k, v in verdict.scores.items()} or None,
        "evidence": (evidence or "")[:EVIDENCE_CHARS] or None,
        "explanation": explanation,
        "reasons": list(verdict.reasons),
        "rule": verdict.rule,
        "source": verdict.source,
    }
