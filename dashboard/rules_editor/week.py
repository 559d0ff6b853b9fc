"""A profile's schedule as the rules editor shows and edits it.

`week_grid()` draws the week as 7 days × 24 hours, each hour coloured by
what `Schedule.state_at` (the proxy's own logic) says at its middle, on a
reference week in the policy's time zone.  `day_fields()` gives the form's
per-day text ("07:00-21:00, 14:00-16:30"), and `parse_day_field()` reads one
back into windows, naming the field when a time is impossible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from dashboard.rules_editor.forms import refuse
from rules.schedule import HOLIDAY, WEEKDAYS, Schedule, ScheduleError, Week, parse_window

#: The weekly tables, and whether each has a `holiday` entry.
TABLES: dict[str, bool] = {"hours": True, "bedtime": True, "lessons": False}

DAY_NAMES = {
    "mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
    "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday"), HOLIDAY: _l("Holiday"),
}
TABLE_NAMES = {"hours": _l("Open hours"), "bedtime": _l("Bedtime"), "lessons": _l("Lessons")}
STATE_NAMES = {"open": _l("Open"), "closed": _l("Closed"), "bedtime": _l("Bedtime"), "lessons": _l("Lessons")}

#: A Monday without clock changes in the three countries' zones (used only to walk a week).
_REFERENCE_MONDAY = datetime(2025, 1, 6)


def week_grid(schedule: Schedule, timezone: str) -> list[tuple[str, list[str]]]:
    """[(day, [state of each hour 0..23])], states: open, closed, bedtime, lessons."""
    grid = []
    for offset, day in enumerate(WEEKDAYS):
        midnight = _REFERENCE_MONDAY + timedelta(days=offset)
        hours = [schedule.state_at(midnight + timedelta(hours=h, minutes=30), timezone).status for h in range(24)]
        grid.append((day, hours))
    return grid


def table_days(table: str) -> tuple[str, ...]:
    return WEEKDAYS + ((HOLIDAY,) if TABLES[table] else ())


def day_fields(schedule: Schedule) -> dict[str, str]:
    """Form values: "schedule.<table>.<day>" → windows as text, and "….closed" for a closed day of `hours`."""
    values = {}
    for table in TABLES:
        week: Week = getattr(schedule, table)
        for day in table_days(table):
            windows = week.days.get(day)
            values[f"schedule.{table}.{day}"] = ", ".join(str(w) for w in windows or ())
            if table == "hours" and windows == ():
                values[f"schedule.{table}.{day}.closed"] = "on"
    return values


def parse_day_field(text: str, field: str) -> list[str]:
    """The windows typed in one day's field, normalised ("7h00-21h00" → "07:00-21:00")."""
    windows = []
    for part in (text or "").replace(";", ",").split(","):
        if part.strip():
            try:
                windows.append(str(parse_window(part)))
            except ScheduleError as exc:
                raise refuse(str(exc), field) from None
    return windows


def schedule_from_form(form, current: dict | None) -> dict:
    """The profile's new `schedule:` mapping from the form, keeping `lesson_allow` and the comments' node."""
    node = current if current is not None else {}
    for table in TABLES:
        entries = {}
        for day in table_days(table):
            field = f"schedule.{table}.{day}"
            windows = parse_day_field(form.get(field, ""), field)
            if table == "hours" and form.get(f"{field}.closed"):
                entries[day] = []
            elif windows:
                entries[day] = windows[0] if len(windows) == 1 else windows
        if entries:
            node[table] = entries
        elif table in node:
            del node[table]
    return node
