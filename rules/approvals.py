"""Access approvals: a parent's "yes" to a child's request for a blocked site.

When the block page's "ask for access" reaches a parent, the parent grants an
`Approval` for a domain (and its subdomains), for one device or a whole
profile, for 15 minutes, an hour, the rest of the day (until midnight in the
policy's time zone) or always.  This module is the pure model: storage and
the dashboard live elsewhere.  `decide_request()` lets an active approval
beat the lists, the category blocklists and the model, but not a pause,
bedtime or closed hours (see docs/policy.md, "Precedence").

A device is named as the policy names it (`Device.name`); a device the
policy does not list is named by its client IP address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from typing import Iterable

from rules.schedule import is_earlier, localize
from rules.urlnorm import domain_chain, normalize_host

#: The durations a parent can choose, by the name the dashboard and API use.
DURATIONS: tuple[str, ...] = ("15m", "1h", "today", "always")
_ELAPSED = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1)}


@dataclass(frozen=True)
class Approval:
    """Access to `domain` and its subdomains for one device or one profile.

    `until` is an aware datetime, or None for "always".  Exactly one of
    `device` and `profile` is set.
    """

    domain: str
    device: str | None = None
    profile: str | None = None
    until: datetime | None = None
    granted_by: str = ""

    def __post_init__(self) -> None:
        host = normalize_host(str(self.domain).strip().rstrip("."))
        if not host:
            raise ValueError(f"'{self.domain}' is not a host or domain name")
        object.__setattr__(self, "domain", host)
        if (self.device is None) == (self.profile is None):
            raise ValueError("an approval names exactly one of device or profile")
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("an approval's end time must be time-zone aware")

    def applies_to(self, device: str | None, profile: str) -> bool:
        return self.device == device if self.device is not None else self.profile == profile

    def active_at(self, at: datetime) -> bool:
        return self.until is None or is_earlier(at, self.until)

    def covers(self, host: str) -> bool:
        return self.domain in domain_chain(host)

    def describe(self) -> str:
        who = f"device '{self.device}'" if self.device is not None else f"profile '{self.profile}'"
        until = "always" if self.until is None else f"until {self.until.isoformat(timespec='minutes')}"
        by = f" by {self.granted_by}" if self.granted_by else ""
        return f"{self.domain} approved{by} for {who}, {until}"


def approval_until(duration: str, granted_at: datetime, timezone: str) -> datetime | None:
    """When an approval of `duration` ("15m", "1h", "today", "always") granted at `granted_at` ends.

    "today" ends at the next midnight on the policy's wall clock; "always"
    gives None.  A naive `granted_at` is read in `timezone`.
    """
    start = localize(granted_at, timezone)
    if duration in _ELAPSED:
        # Added in UTC: arithmetic within one zone is wall-clock arithmetic and a clock change would bend it.
        return (start.astimezone(dt_timezone.utc) + _ELAPSED[duration]).astimezone(start.tzinfo)
    if duration == "today":
        return localize(datetime.combine(start.date() + timedelta(days=1), time(0)), timezone)
    if duration == "always":
        return None
    raise ValueError(f"unknown duration '{duration}'; expected one of: {', '.join(DURATIONS)}")


def find_approval(
    approvals: Iterable[Approval],
    host: str,
    *,
    device: str | None,
    profile: str,
    at: datetime,
) -> Approval | None:
    """The first approval that covers `host` for this device or profile at `at` (aware), if any."""
    if not host:
        return None
    for approval in approvals:
        if approval.covers(host) and approval.applies_to(device, profile) and approval.active_at(at):
            return approval
    return None
