"""Reading and writing the events (blocks and alerts) that parents review."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from storage.database import events

EVIDENCE_MAX = 400
MAX_ID = 2**63 - 1  # the largest integer key SQLite and PostgreSQL store


@dataclass(frozen=True)
class EventQuery:
    device: str | None = None
    category: str | None = None
    action: str | None = None
    reviewed: bool | None = None
    since: float | None = None
    until: float | None = None
    limit: int = 100
    offset: int = 0


class EventStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def add_many(self, records: Iterable[dict[str, Any]]) -> int:
        rows = [self._row(r) for r in records]
        if not rows:
            return 0
        with self.engine.begin() as conn:
            conn.execute(events.insert(), rows)
        return len(rows)

    @staticmethod
    def _row(record: dict[str, Any]) -> dict[str, Any]:
        row = {c.name: record.get(c.name) for c in events.columns if c.name != "id"}
        row["time"] = row["time"] or time.time()
        row["reviewed"] = bool(row["reviewed"])
        if row["evidence"]:
            row["evidence"] = row["evidence"][:EVIDENCE_MAX]
        return row

    def _filtered(self, q: EventQuery, stmt):
        for col, value in (("device", q.device), ("category", q.category), ("action", q.action)):
            if value:
                stmt = stmt.where(events.c[col] == value)
        if q.reviewed is not None:
            stmt = stmt.where(events.c.reviewed == q.reviewed)
        if q.since is not None:
            stmt = stmt.where(events.c.time >= q.since)
        if q.until is not None:
            stmt = stmt.where(events.c.time < q.until)
        return stmt

    def query(self, q: EventQuery = EventQuery()) -> list[dict[str, Any]]:
        stmt = self._filtered(q, select(events)).order_by(events.c.time.desc(), events.c.id.desc())
        stmt = stmt.limit(max(1, min(q.limit, 1000))).offset(max(0, q.offset))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def count(self, q: EventQuery = EventQuery()) -> int:
        stmt = self._filtered(q, select(func.count()).select_from(events))
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def get(self, event_id: int) -> dict[str, Any] | None:
        if not 0 < event_id <= MAX_ID:  # a URL can carry any number; the database cannot
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(events).where(events.c.id == event_id)).first()
        return dict(row._mapping) if row else None

    def mark(self, event_ids: Iterable[int], *, reviewed: bool = True, feedback: str | None = None) -> int:
        ids = [int(i) for i in event_ids if 0 < int(i) <= MAX_ID]
        if not ids:
            return 0
        values: dict[str, Any] = {"reviewed": reviewed}
        if feedback is not None:
            values["feedback"] = feedback
        with self.engine.begin() as conn:
            return conn.execute(update(events).where(events.c.id.in_(ids)).values(**values)).rowcount

    def devices(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(events.c.device).distinct().order_by(events.c.device)) if r[0]]
