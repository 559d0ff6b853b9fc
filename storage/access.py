"""Access requests, parents' answers, and per-profile pause/holiday switches.

A child asks for a blocked site from the block page; the request waits here
until a parent approves it (for a while or always) or refuses it.  Approved
requests are the approvals the proxy applies.  Everything lives in the
shared database, so every proxy worker sees the same answers.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from rules.approvals import Approval
from storage.database import access_requests, profile_controls

log = logging.getLogger("salama")

MAX_PENDING_PER_DEVICE = 20
REASON_MAX = 500


class AccessError(ValueError):
    """A request or an answer that cannot be recorded (message says why)."""


class AccessStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- requests -------------------------------------------------------------

    def ask(self, *, device: str, profile: str, domain: str, url: str, reason: str = "", category: str | None = None) -> int:
        """Record a request (or return the pending one for the same device and domain)."""
        with self.engine.begin() as conn:
            same = conn.execute(
                select(access_requests.c.id).where(
                    access_requests.c.device == device,
                    access_requests.c.domain == domain,
                    access_requests.c.status == "pending",
                )
            ).first()
            if same:
                return int(same[0])
            pending = conn.execute(
                select(access_requests.c.id).where(access_requests.c.device == device, access_requests.c.status == "pending")
            ).all()
            if len(pending) >= MAX_PENDING_PER_DEVICE:
                raise AccessError("too many requests are already waiting for a parent")
            result = conn.execute(
                access_requests.insert().values(
                    time=time.time(), device=device, profile=profile, domain=domain, url=url[:2000],
                    reason=(reason or "").strip()[:REASON_MAX] or None, category=category, status="pending",
                )
            )
            return int(result.inserted_primary_key[0])

    def get(self, request_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(access_requests).where(access_requests.c.id == request_id)).first()
        return dict(row._mapping) if row else None

    def listing(self, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        stmt = select(access_requests).order_by(access_requests.c.time.desc()).limit(limit)
        if status:
            stmt = stmt.where(access_requests.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def _decide(self, request_id: int, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(access_requests).where(access_requests.c.id == request_id).values(decided_at=time.time(), **values)
            ).rowcount
        if not done:
            raise AccessError(f"no access request {request_id}")

    def approve(self, request_id: int, by: str, until: float | None, note: str = "") -> None:
        """Approve until a Unix time, or for always with `until=None`."""
        self._decide(request_id, {"status": "approved", "decided_by": by, "until": until, "note": note[:REASON_MAX] or None})

    def refuse(self, request_id: int, by: str, note: str = "") -> None:
        self._decide(request_id, {"status": "refused", "decided_by": by, "until": None, "note": note[:REASON_MAX] or None})

    def active_approvals(self, now: float | None = None) -> list[dict[str, Any]]:
        now = time.time() if now is None else now
        stmt = select(access_requests).where(
            and_(access_requests.c.status == "approved", or_(access_requests.c.until.is_(None), access_requests.c.until > now))
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def approvals(self, at: datetime) -> list[Approval]:
        """The approvals in force at `at`, as the decision function takes them."""
        out = []
        for r in self.active_approvals(at.timestamp()):
            until = None if r["until"] is None else datetime.fromtimestamp(r["until"], timezone.utc)
            try:
                out.append(Approval(r["domain"], device=r["device"], until=until, granted_by=r["decided_by"] or ""))
            except ValueError as exc:
                log.warning("access request %s ignored: %s", r["id"], exc)
        return out

    # -- pause and holiday ------------------------------------------------------

    def controls(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {r.profile: dict(r._mapping) for r in conn.execute(select(profile_controls))}

    @staticmethod
    def switches(controls: dict[str, dict[str, Any]], profile: str) -> tuple[datetime | None, bool]:
        """(paused until, holiday) for `profile` from `controls()`."""
        c = controls.get(profile) or {}
        paused = c.get("paused_until")
        return (datetime.fromtimestamp(paused, timezone.utc) if paused else None), bool(c.get("holiday"))

    def _set_control(self, profile: str, by: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(profile_controls).where(profile_controls.c.profile == profile)
                .values(changed_by=by, changed_at=time.time(), **values)
            ).rowcount
            if not changed:
                conn.execute(profile_controls.insert().values(
                    profile=profile, changed_by=by, changed_at=time.time(), **{"holiday": False, **values}))

    def pause(self, profile: str, minutes: int, by: str) -> float:
        if not 0 < minutes <= 24 * 60:
            raise AccessError("a pause lasts from 1 minute to 24 hours")
        until = time.time() + minutes * 60
        self._set_control(profile, by, paused_until=until)
        return until

    def resume(self, profile: str, by: str) -> None:
        self._set_control(profile, by, paused_until=None)

    def set_holiday(self, profile: str, on: bool, by: str) -> None:
        self._set_control(profile, by, holiday=bool(on))
