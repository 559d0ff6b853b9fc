"""Retention: recorded events are deleted once older than their kind's period.

The periods come from the policy's `retention` key (days per event kind).
Every proxy process runs a `RetentionSchedule`; the purge itself runs at
most once an hour across all processes sharing the database, whoever first
takes the hour's lease in `job_locks` (a conditional UPDATE, or the first
INSERT: atomic on SQLite and PostgreSQL alike, no lock server needed).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.database import events, job_locks

log = logging.getLogger("salama.retention")

JOB = "retention"
PERIOD = 3600.0  # seconds between purges, across all processes
CHECK_EVERY = 300.0  # how often each process looks whether the hour's purge is still to do
DAY = 86400.0


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def take_lease(engine: Engine, job: str, holder: str, seconds: float, now: float | None = None) -> bool:
    """True if `holder` now holds `job` for `seconds`; False while another's lease runs."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        renewed = conn.execute(
            update(job_locks).where(job_locks.c.name == job, job_locks.c.until <= now).values(holder=holder, until=now + seconds)
        ).rowcount
        if renewed or conn.execute(select(job_locks.c.name).where(job_locks.c.name == job)).first():
            return bool(renewed)
    try:
        with engine.begin() as conn:
            conn.execute(job_locks.insert().values(name=job, holder=holder, until=now + seconds))
    except IntegrityError:  # another process inserted it first
        return False
    return True


def purge_expired(engine: Engine, days_by_kind: Mapping[str, int], now: float | None = None) -> dict[str, int]:
    """Delete events older than their kind's period; return how many went, by kind."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        return {
            kind: conn.execute(delete(events).where(events.c.kind == kind, events.c.time < now - days * DAY)).rowcount
            for kind, days in days_by_kind.items()
        }


def run_retention(engine: Engine, days_by_kind: Mapping[str, int], holder: str, now: float | None = None) -> dict[str, int] | None:
    """Purge if this hour's purge falls to `holder`; None when another process has it."""
    if not take_lease(engine, JOB, holder, PERIOD, now):
        return None
    return purge_expired(engine, days_by_kind, now)


class RetentionSchedule:
    """A daemon thread that offers to run the purge every CHECK_EVERY seconds."""

    def __init__(self, engine: Engine, days_by_kind: Callable[[], Mapping[str, int]], check_every: float = CHECK_EVERY):
        self.engine = engine
        self.days_by_kind = days_by_kind  # read each time: the policy may have changed
        self.check_every = check_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="salama-retention", daemon=True)

    def start(self) -> "RetentionSchedule":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        holder = this_process()
        while not self._stop.is_set():
            try:
                deleted = run_retention(self.engine, self.days_by_kind(), holder)
            except Exception as exc:  # the database or the policy is unusable now: try again later
                log.warning("retention not applied: %s: %s", type(exc).__name__, exc)
            else:
                if deleted:
                    log.info("retention: deleted %s", ", ".join(f"{n} {kind}" for kind, n in deleted.items()))
            self._stop.wait(self.check_every)
