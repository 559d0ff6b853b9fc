"""Reading alert filters from a query string, shared by the pages and the API.

Bad values are reported as errors to show beside the form (or as a 400 from
the API), in the user's language, never as a traceback.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from rules.categories import ACTIONS, CATEGORY_NAMES
from storage.events import EventQuery

PAGE_SIZE = 50


def _date(value: str, field: str, errors: dict) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        errors[field] = _("'%(value)s' is not a date (YYYY-MM-DD)", value=value)
        return None


def query_from_args(args) -> tuple[EventQuery, dict[str, str]]:
    errors: dict[str, str] = {}
    category = args.get("category", "")
    if category and category not in CATEGORY_NAMES:
        errors["category"] = _("unknown category '%(value)s'", value=category)
        category = ""
    action = args.get("action", "")
    if action and action not in ACTIONS:
        errors["action"] = _("unknown action '%(value)s'", value=action)
        action = ""
    reviewed = {"yes": True, "no": False}.get(args.get("reviewed", ""))
    try:
        limit = min(max(int(args.get("limit", PAGE_SIZE)), 1), 1000)
        offset = max(int(args.get("offset", 0)), 0)
    except ValueError:
        errors["limit"] = _("limit and offset must be whole numbers")
        limit, offset = PAGE_SIZE, 0
    q = EventQuery(
        device=args.get("device") or None,
        category=category or None,
        action=action or None,
        reviewed=reviewed,
        since=_date(args.get("since", ""), "since", errors),
        until=_date(args.get("until", ""), "until", errors),
        limit=limit,
        offset=offset,
    )
    return q, errors
