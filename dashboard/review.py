"""Reviewing alerts, and turning a parent's verdict into training data.

"False alarm" and "missed risk" mark the alerts reviewed and also append
corrections, one JSON line each, to the home's corrections file, which
`salama train` reads: `{"text": <evidence or passage>, "labels": [...]}`.
A false alarm teaches "no risk" (`labels: []`); a missed risk teaches the
category the parent picked (by default the alert's own, when the model knows
it).  An alert without text (a block by a list) gives nothing to learn from,
and an alert already carrying the same verdict is not written twice.
The pages and the API share this code.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from flask_babel import gettext as _

from dashboard.access import audit, events, home
from rules.categories import MODEL_CATEGORIES

FEEDBACK = ("false_alarm", "missed")

_append_lock = threading.Lock()  # one writer at a time: lines never interleave


class ReviewError(ValueError):
    """A review request that cannot be honoured; the message is for people."""


@dataclass(frozen=True)
class ReviewResult:
    marked: int
    corrections: int


def correction_text(alert: dict) -> str | None:
    """The text the model should learn from: the evidence, else a passage behind the decision."""
    if alert.get("evidence"):
        return alert["evidence"]
    for info in (alert.get("explanation") or {}).values():
        if isinstance(info, dict) and info.get("passage"):
            return info["passage"]
    return None


def _labels(alert: dict, feedback: str, category: str | None) -> list[str]:
    if feedback == "false_alarm":
        return []
    chosen = category or alert.get("category")
    if chosen not in MODEL_CATEGORIES:
        raise ReviewError(_("Choose the risk that was missed."))
    return [chosen]


def _append_corrections(lines: list[dict]) -> None:
    if not lines:
        return
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    with _append_lock, open(home().corrections_path, "a", encoding="utf-8") as f:
        f.write(text)


def review_alerts(ids: list[int], feedback: str | None = None, category: str | None = None) -> ReviewResult:
    """Mark the alerts reviewed with an optional verdict, and save the corrections it implies."""
    if feedback not in (None, *FEEDBACK):
        raise ReviewError(_("Unknown feedback."))
    if category and category not in MODEL_CATEGORIES:
        raise ReviewError(_("Choose the risk that was missed."))
    alerts = [a for a in (events().get(i) for i in ids) if a is not None]
    corrections = []
    if feedback:
        for alert in alerts:
            labels = _labels(alert, feedback, category)  # validates every alert before writing any
            text = correction_text(alert)
            if text and alert.get("feedback") != feedback:
                corrections.append({"text": text, "labels": labels})
    marked = events().mark([a["id"] for a in alerts], reviewed=True, feedback=feedback)
    _append_corrections(corrections)
    if marked:
        detail = " ".join(f"#{a['id']}" for a in alerts)
        if feedback:
            detail += f": {feedback}" + (f" ({category})" if category else "")
        audit("alerts.review", detail)
    return ReviewResult(marked, len(corrections))
