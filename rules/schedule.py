"""Schedules: when a profile may use the internet, in the policy's time zone.

A profile's `schedule:` holds three weekly tables, each mapping days to time
windows such as "22:00-07:00":

- `hours`: when the internet is open.  A day the table does not name has no
  limit; a day named with an empty list is closed all day.
- `bedtime`: when it is closed.  A window whose end is not after its start
  crosses midnight and belongs to the day it starts on ("sun: 21:30-07:00"
  is Sunday night until Monday 07:00).
- `lessons`: school time, when only the allow lists and `lesson_allow` (the
  education list) are reachable.  Lessons never apply on a holiday.

Besides the tables, two switches come from the parent at run time: a pause
("no internet for 30 minutes", `paused_until`) and the holiday switch, which
suspends lessons and uses the `holiday` entry of `hours`/`bedtime` instead
of the weekday's when the table has one.

Windows are compared with the wall clock of an aware datetime converted to
the policy's zone (zoneinfo), never computed as "start + duration": a clock
change therefore cannot open a window.  A bedtime 22:00-07:00 still blocks
at 02:30 on the night the clocks go forward (when 02:30 does not exist, the
converted time is 01:30 or 03:30, both inside) and during both 02:30s of the
night they go back.

Parsing helpers raise `ScheduleError` with a short message; the policy loader
adds the file, line and key.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from typing import Iterable, Mapping

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"
MINUTES_PER_DAY = 24 * 60

#: Day names a parent may write, in English and French, besides the three-letter keys.
_DAY_ALIASES: dict[str, str] = {
    **{d: d for d in WEEKDAYS},
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun",
    "lun": "mon", "mar": "tue", "mer": "wed", "jeu": "thu", "ven": "fri", "sam": "sat", "dim": "sun",
    "lundi": "mon", "mardi": "tue", "mercredi": "wed", "jeudi": "thu",
    "vendredi": "fri", "samedi": "sat", "dimanche": "sun",
}
_DAY_GROUPS: dict[str, tuple[str, ...]] = {
    "daily": WEEKDAYS,
    "everyday": WEEKDAYS,
    "weekdays": WEEKDAYS[:5],
    "weekend": WEEKDAYS[5:],
}
_WINDOW = re.compile(r"\s*(\d{1,2})[:hH](\d{2})\s*[-–]\s*(\d{1,2})[:hH](\d{2})\s*")

# What a schedule says at a given moment.
OPEN = "open"
PAUSED = "paused"
BEDTIME = "bedtime"
CLOSED = "closed"
LESSONS = "lessons"


class ScheduleError(ValueError):
    """A day or time a schedule cannot use; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Window:
    """A time window on the wall clock, in minutes after midnight.

    `end` may be 1440 (24:00).  An end not after the start means the window
    crosses midnight and ends the next day.
    """

    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class Week:
    """A weekly table: day key ("mon".."sun" or "holiday") → its windows."""

    days: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)

    def windows_on(self, weekday: int, holiday: bool = False) -> tuple[Window, ...] | None:
        """The windows for a weekday (0 = Monday), or None when the table does not name that day."""
        if holiday and HOLIDAY in self.days:
            return self.days[HOLIDAY]
        return self.days.get(WEEKDAYS[weekday])

    def __bool__(self) -> bool:
        return bool(self.days)


@dataclass(frozen=True)
class ScheduleState:
    """What the schedule says at one moment, and until when (for the block page)."""

    status: str  # OPEN | PAUSED | BEDTIME | CLOSED | LESSONS
    reason: str
    until: datetime | None = None

    @property
    def allow_list_only(self) -> bool:
        """Paused, bedtime or closed hours: only the allow lists are reachable."""
        return self.status in (PAUSED, BEDTIME, CLOSED)


@dataclass(frozen=True)
class Schedule:
    """A profile's schedule; the empty schedule leaves the internet open."""

    hours: Week = field(default_factory=Week)
    bedtime: Week = field(default_factory=Week)
    lessons: Week = field(default_factory=Week)
    lesson_allow: tuple[str, ...] = ()

    def state_at(
        self,
        at: datetime,
        timezone: str,
        *,
        paused_until: datetime | None = None,
        holiday: bool = False,
    ) -> ScheduleState:
        """The state at `at` (naive times are read in `timezone`).

        Precedence: a pause, then bedtime, then closed hours, then lessons.
        """
        now = localize(at, timezone)
        until = None if paused_until is None else localize(paused_until, timezone)
        if until is not None and is_earlier(now, until):
            return ScheduleState(PAUSED, f"internet paused by a parent until {_when(until)}", until)
        night = _active_window(self.bedtime, now, holiday)
        if night is not None:
            window, day, ends = night
            return ScheduleState(BEDTIME, f"bedtime {window} ({day}) until {_when(ends)}", ends)
        if _closed(self.hours, now, holiday):
            opens = _next_opening(self.hours, now, holiday)
            back = f" until {_when(opens)}" if opens else ""
            return ScheduleState(CLOSED, f"outside the allowed hours ({_day_name(self.hours, now.date(), holiday)}){back}", opens)
        lesson = None if holiday else _active_window(self.lessons, now, False)
        if lesson is not None:
            window, day, ends = lesson
            return ScheduleState(LESSONS, f"lesson time {window} ({day}) until {_when(ends)}: allow lists and the lesson list only", ends)
        if not (self.hours or self.bedtime or self.lessons):
            return ScheduleState(OPEN, "no schedule set: open")
        return ScheduleState(OPEN, f"schedule: open at {_when(now)}" + (" (holiday)" if holiday else ""))


def localize(at: datetime, timezone: str) -> datetime:
    """`at` as an aware datetime in `timezone`; a naive `at` is read as that zone's wall clock."""
    zone = zoneinfo.ZoneInfo(timezone)
    if at.tzinfo is None:
        return _real(at.replace(tzinfo=zone))
    return at.astimezone(zone)


def _real(wall: datetime) -> datetime:
    """A wall time in its zone as the instant it denotes: through UTC, so that a
    time skipped by a clock change (02:30 on the spring night) becomes 03:30."""
    return wall.astimezone(dt_timezone.utc).astimezone(wall.tzinfo)


def pause_until(at: datetime, minutes: int) -> datetime:
    """When a pause of `minutes` started at `at` ends (elapsed time, so DST cannot stretch it)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MINUTES_PER_DAY:
        raise ScheduleError(f"a pause lasts 1 to {MINUTES_PER_DAY} minutes, not '{minutes}'")
    if at.tzinfo is None:
        raise ScheduleError("a pause needs an aware start time")
    return (at.astimezone(dt_timezone.utc) + timedelta(minutes=minutes)).astimezone(at.tzinfo)


def is_earlier(a: datetime, b: datetime) -> bool:
    """`a` < `b` in real time (aware datetimes in one zone compare by wall clock, wrong in the repeated hour)."""
    return a.astimezone(dt_timezone.utc) < b.astimezone(dt_timezone.utc)


# --- parsing -------------------------------------------------------------------


def parse_days(spec: str) -> tuple[str, ...]:
    """Day keys from "mon-fri", "sat,sun", "weekend", "daily", "lundi", "holiday" or "sun-thu"."""
    if not isinstance(spec, str) or not spec.strip():
        raise ScheduleError(f"'{spec}' is not a day; use mon..sun, a range like mon-fri, weekdays, weekend, daily or holiday")
    days: list[str] = []
    for item in spec.lower().replace(" ", "").split(","):
        for day in _one_day_item(item):
            if day not in days:
                days.append(day)
    return tuple(days)


def _one_day_item(item: str) -> tuple[str, ...]:
    if item == HOLIDAY or item in _DAY_GROUPS:
        return (HOLIDAY,) if item == HOLIDAY else _DAY_GROUPS[item]
    first, dash, last = item.partition("-")
    if first not in _DAY_ALIASES or (dash and last not in _DAY_ALIASES):
        raise ScheduleError(f"'{item}' is not a day; use mon..sun, a range like mon-fri, weekdays, weekend, daily or holiday")
    start = WEEKDAYS.index(_DAY_ALIASES[first])
    if not dash:
        return (WEEKDAYS[start],)
    stop = WEEKDAYS.index(_DAY_ALIASES[last])
    span = (stop - start) % 7  # "sun-thu" wraps round the week end
    return tuple(WEEKDAYS[(start + i) % 7] for i in range(span + 1))


def parse_window(text: str) -> Window:
    """A window from "HH:MM-HH:MM" (also "22h00-07h00"); 24:00 is allowed as an end."""
    m = _WINDOW.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise ScheduleError(f"'{text}' is not a time window; write it like \"22:00-07:00\" (in quotes)")
    start = _minutes(int(m[1]), int(m[2]), text, allow_24=False)
    end = _minutes(int(m[3]), int(m[4]), text, allow_24=True)
    if start == end:
        raise ScheduleError(f"'{text}' starts and ends at the same time; for a whole day write 00:00-24:00")
    return Window(start, end)


def _minutes(hours: int, minutes: int, text: str, allow_24: bool) -> int:
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ScheduleError(f"'{text}' has an impossible time (hours 00-23, minutes 00-59; 24:00 only as an end)")
    return hours * 60 + minutes


def build_week(entries: Iterable[tuple[Iterable[str], Iterable[Window]]]) -> Week:
    """A table from (day keys, windows) pairs; a day named twice gets the windows of both."""
    days: dict[str, tuple[Window, ...]] = {}
    for keys, windows in entries:
        windows = tuple(windows)
        for day in keys:
            days[day] = days.get(day, ()) + tuple(w for w in windows if w not in days.get(day, ()))
    return Week(days)


# --- evaluation ----------------------------------------------------------------


def _active_window(week: Week, now: datetime, holiday: bool) -> tuple[Window, str, datetime] | None:
    """The window of `week` that contains `now`, the day it belongs to and when it ends.

    A window crossing midnight belongs to the day it starts on, so last
    night's window is looked up in yesterday's entry.
    """
    minute = now.hour * 60 + now.minute
    for window in week.windows_on(now.weekday(), holiday) or ():
        stop = MINUTES_PER_DAY if window.crosses_midnight else window.end
        if window.start <= minute < stop:
            ends = _at(now.date() + timedelta(days=window.crosses_midnight), window.end, now)
            return window, _day_name(week, now.date(), holiday), ends
    yesterday = now.date() - timedelta(days=1)
    for window in week.windows_on(yesterday.weekday(), holiday) or ():
        if window.crosses_midnight and minute < window.end:
            return window, _day_name(week, yesterday, holiday), _at(now.date(), window.end, now)
    return None


def _closed(hours: Week, now: datetime, holiday: bool) -> bool:
    if hours.windows_on(now.weekday(), holiday) is None:
        return False  # the table sets no limit for this day
    return _active_window(hours, now, holiday) is None


def _next_opening(hours: Week, now: datetime, holiday: bool) -> datetime | None:
    """The next moment the hours table opens, looking a week ahead (None: closed all week)."""
    minute = now.hour * 60 + now.minute
    for offset in range(8):
        day = now.date() + timedelta(days=offset)
        windows = hours.windows_on(day.weekday(), holiday and offset == 0)
        if windows is None:  # a day without limits opens at midnight
            return _at(day, 0, now)
        starts = sorted(w.start for w in windows if offset or w.start > minute)
        if starts:
            return _at(day, starts[0], now)
    return None


def _at(day: date, minute: int, like: datetime) -> datetime:
    """Wall-clock `minute` of `day` in the zone of `like` (24:00 is the next midnight)."""
    day += timedelta(days=minute // MINUTES_PER_DAY)
    minute %= MINUTES_PER_DAY
    return _real(datetime.combine(day, time(minute // 60, minute % 60), tzinfo=like.tzinfo))


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _when(moment: datetime) -> str:
    return moment.strftime("%a %H:%M %Z").strip()


def _day_name(week: Week, day: date, holiday: bool) -> str:
    """The table entry a day uses: "holiday" when the switch is on and the table has one."""
    return HOLIDAY if holiday and HOLIDAY in week.days else WEEKDAYS[day.weekday()]
