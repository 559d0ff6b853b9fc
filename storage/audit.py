"""The audit log: who changed what, and when.

Every changing action in the dashboard (accounts, alert reviews, rule edits)
writes one line with `AuditLog(engine).record(user, action, detail)`; owners
read it on the dashboard's audit page.  Lines are never edited; retention is
the database's, like the events'.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from storage.database import audit_log

DETAIL_MAX = 2000


class AuditLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, user: str, action: str, detail: str = "") -> None:
        """Append one line: `user` did `action` (a short dotted name); `detail` says to what."""
        with self.engine.begin() as conn:
            conn.execute(
                audit_log.insert().values(
                    time=time.time(), username=(user or "?")[:80], action=action[:60], detail=(detail or "")[:DETAIL_MAX]
                )
            )

    def recent(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Lines newest first."""
        stmt = (
            select(audit_log)
            .order_by(audit_log.c.time.desc(), audit_log.c.id.desc())
            .limit(max(1, min(limit, 1000)))
            .offset(max(0, offset))
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
