"""Age presets: the per-category actions a profile starts from.

A profile names a preset and then overrides what the family or school wants.
Thresholds are not set here: an absent threshold means "the model's own
threshold for that category", which was tuned on validation data.
"""

from __future__ import annotations

from rules.categories import ALL_CATEGORIES


def _all(action: str) -> dict[str, str]:
    return {c: action for c in ALL_CATEGORIES}


PRESETS: dict[str, dict[str, str]] = {
    # Under 10: everything risky is blocked, including ways around the filter.
    "child": _all("block"),
    # 10-12: the same, a child of this age still needs the full net.
    "preteen": _all("block"),
    # 13-17: block what is dangerous or illegal, alert parents on the rest so
    # they can talk rather than silently block a teen reading about hard topics.
    "teen": {
        **_all("block"),
        "violence": "alert",
        "bullying": "alert",
        "hate": "alert",
        "personal_data": "alert",
        "sect": "alert",
    },
    # Lab computers: everything blocked, nothing negotiable.
    "school_lab": _all("block"),
    # An adult's device that parents only want to observe: nothing is blocked.
    "adult_monitor": {**_all("alert"), "bypass": "allow", "sect": "allow"},
}

PRESET_DESCRIPTIONS = {
    "child": "under 10: every risk category and filter-bypass sites blocked",
    "preteen": "10-12: every risk category and filter-bypass sites blocked",
    "teen": "13-17: dangerous content blocked; violence, bullying, hate and personal data alerted",
    "school_lab": "school computers: everything blocked",
    "adult_monitor": "observe only: every category alerted, nothing blocked",
}
