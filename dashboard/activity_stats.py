"""Counting blocks and alerts for the activity charts and the weekly summary.

Days are the dashboard host's local calendar days, like the times shown on
the pages.  The rows of the window are counted in Python rather than with
SQL date functions, which differ between SQLite and PostgreSQL; a window is
at most MAX_DAYS days of events, which a home or a school lab keeps small.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.database import events

MAX_DAYS = 90
TOP_DOMAINS = 10
COUNTED_ACTIONS = ("block", "alert")


def window_start(days: int, now: float | None = None) -> tuple[date, float]:
    """The first day of a window of `days` days ending today, and its local midnight (Unix time)."""
    first = date.fromtimestamp(now if now is not None else time.time()) - timedelta(days=days - 1)
    return first, datetime.combine(first, datetime.min.time()).timestamp()


def _by_action(counter: Counter, key_name: str) -> list[dict]:
    keys = sorted({key for key, _ in counter}, key=lambda k: -sum(counter[(k, a)] for a in COUNTED_ACTIONS))
    return [{key_name: key, **{a: counter[(key, a)] for a in COUNTED_ACTIONS}} for key in keys]


def activity(engine: Engine, days: int = 7, device: str | None = None, now: float | None = None) -> dict:
    """Blocks and alerts per day, per category and per device, the most blocked domains, totals."""
    first, since = window_start(days, now)
    stmt = select(events.c.time, events.c.action, events.c.category, events.c.host, events.c.device,
                  events.c.reviewed).where(events.c.time >= since, events.c.action.in_(COUNTED_ACTIONS))
    if device:
        stmt = stmt.where(events.c.device == device)
    per_day = {a: [0] * days for a in COUNTED_ACTIONS}
    categories: Counter = Counter()
    devices: Counter = Counter()
    blocked_hosts: Counter = Counter()
    to_review = 0
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            day = (date.fromtimestamp(row.time) - first).days
            if day >= days:  # stamped in the future (clock change): not part of this window
                continue
            per_day[row.action][day] += 1
            categories[(row.category or "", row.action)] += 1
            devices[(row.device or "", row.action)] += 1
            if row.action == "block" and row.host:
                blocked_hosts[row.host] += 1
            to_review += not row.reviewed
    return {
        "days": [(first + timedelta(days=d)).isoformat() for d in range(days)],
        "per_day": per_day,
        "categories": _by_action(categories, "category"),
        "devices": _by_action(devices, "device"),
        "top_blocked": [{"host": h, "count": n} for h, n in blocked_hosts.most_common(TOP_DOMAINS)],
        "totals": {**{a: sum(per_day[a]) for a in COUNTED_ACTIONS}, "to_review": to_review},
    }
