"""How much an alert needs a parent's attention: high, medium or low.

Derived from what the filter did (`action`) and how sure the model was
(`score`, 0..1; none when a list or rule decided):

| action | score 0.8 or more | lower score, or no score |
| ------ | ----------------- | ------------------------ |
| alert (the page was shown and recorded) | high | medium |
| block (the child never saw it) | medium | low |

A shown page outranks a blocked one because the child saw it; a strong model
score on a blocked page still says the child went looking for risky content.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STRONG_SCORE = 0.8
SEVERITIES = ("high", "medium", "low")
SEVERITY_NAMES = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}


def severity(action: str | None, score: float | None) -> str:
    strong = score is not None and score >= STRONG_SCORE
    if action == "alert":
        return "high" if strong else "medium"
    return "medium" if strong else "low"
