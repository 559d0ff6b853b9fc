"""The policy's saved versions in the shared database, for workers on several machines.

On one machine every worker reads the same policy file and reloads it by
mtime.  Workers on other machines cannot see that file, so each save through
`rules.policy_edit` (dashboard, `salama policy`) also records the new text
here: pass `PolicyVersions(engine).recorder(user)` as its `on_saved`.  Each
worker on a shared database polls `latest()`, one primary-key lookup, with
the approvals every couple of seconds, and loads each new version.
Polling rather than PostgreSQL's LISTEN/NOTIFY: it works the same on SQLite,
and a worker that lost its connection catches up at the next poll.
"""

from __future__ import annotations

import time
from typing import Callable, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from storage.database import policy_versions

KEEP_VERSIONS = 50  # enough to see recent history; the file itself is the backup


class PolicyStamp(NamedTuple):
    number: int
    time: float  # Unix time of the save


class PolicyVersions:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, text: str, saved_by: str | None = None) -> int:
        """Store `text` as the newest version; return its number."""
        with self.engine.begin() as conn:
            number = int(conn.execute(
                policy_versions.insert().values(time=time.time(), saved_by=saved_by, text=text)
            ).inserted_primary_key[0])
            conn.execute(delete(policy_versions).where(policy_versions.c.id <= number - KEEP_VERSIONS))
        return number

    def recorder(self, saved_by: str | None = None) -> Callable[[str], None]:
        """An `on_saved` callback for `rules.policy_edit.edit_policy`."""
        return lambda text: self.record(text, saved_by)

    def latest(self) -> PolicyStamp | None:
        stmt = select(policy_versions.c.id, policy_versions.c.time).order_by(policy_versions.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return PolicyStamp(int(row.id), float(row.time)) if row else None

    def text(self, number: int) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(policy_versions.c.text).where(policy_versions.c.id == number)).scalar_one_or_none()
