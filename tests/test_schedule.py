"""Schedules: day and window parsing, windows across midnight, clock changes, pauses and holidays."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.schedule import (
    BEDTIME,
    CLOSED,
    LESSONS,
    OPEN,
    PAUSED,
    Schedule,
    ScheduleError,
    Window,
    build_week,
    localize,
    parse_days,
    parse_window,
    pause_until,
)

UTC = timezone.utc
PARIS, CASABLANCA, BAMAKO = "Europe/Paris", "Africa/Casablanca", "Africa/Bamako"


def week(**days: str | list[str]):
    return build_week((parse_days(spec.replace("_", "-")), [parse_window(w) for w in ([ws] if isinstance(ws, str) else ws)]) for spec, ws in days.items())


NIGHTLY = Schedule(bedtime=week(daily="22:00-07:00"))


@pytest.mark.parametrize(
    "spec, days",
    [
        ("mon-fri", ("mon", "tue", "wed", "thu", "fri")),
        ("sun-thu", ("sun", "mon", "tue", "wed", "thu")),  # wraps round the week end
        ("sat,sun", ("sat", "sun")),
        ("weekend", ("sat", "sun")),
        ("Lundi-Mercredi", ("mon", "tue", "wed")),
        ("daily", ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        ("holiday", ("holiday",)),
        ("fri, fri", ("fri",)),
    ],
)
def test_day_specs(spec, days):
    assert parse_days(spec) == days


@pytest.mark.parametrize("spec", ["", "funday", "mon-xyz", "mon--fri", 7])
def test_bad_day_specs_say_what_is_accepted(spec):
    with pytest.raises(ScheduleError, match="is not a day"):
        parse_days(spec)


@pytest.mark.parametrize(
    "text, window, crosses",
    [
        ("22:00-07:00", Window(22 * 60, 7 * 60), True),
        ("08:30-12:00", Window(510, 720), False),
        ("22h00-07h00", Window(22 * 60, 7 * 60), True),
        ("00:00-24:00", Window(0, 1440), False),
        ("21:00 – 00:00", Window(21 * 60, 0), True),
    ],
)
def test_windows(text, window, crosses):
    assert parse_window(text) == window
    assert parse_window(text).crosses_midnight is crosses


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("25:00-07:00", "impossible time"),
        ("22:60-07:00", "impossible time"),
        ("24:00-07:00", "impossible time"),
        ("24:30", "not a time window"),
        ("22:00", "not a time window"),
        ("late", "not a time window"),
        ("07:00-07:00", "same time"),
        (1320, "not a time window"),
    ],
)
def test_bad_windows(text, fragment):
    with pytest.raises(ScheduleError, match=fragment):
        parse_window(text)


def test_a_day_named_twice_gets_both_windows():
    table = build_week([(("mon",), [Window(0, 60)]), (("mon", "tue"), [Window(120, 180), Window(0, 60)])])
    assert table.days["mon"] == (Window(0, 60), Window(120, 180))
    assert table.days["tue"] == (Window(120, 180), Window(0, 60))


def test_bedtime_blocks_at_22_30_and_not_at_18_00():
    assert NIGHTLY.state_at(datetime(2026, 5, 12, 22, 30), PARIS).status == BEDTIME
    assert NIGHTLY.state_at(datetime(2026, 5, 12, 18, 0), PARIS).status == OPEN


def test_a_window_crossing_midnight_belongs_to_the_day_it_starts_on():
    school_nights = Schedule(bedtime=week(sun_thu="21:30-07:00"))
    # Thursday 2026-05-14 night → Friday morning: still Thursday's bedtime
    friday_early = school_nights.state_at(datetime(2026, 5, 15, 6, 59), PARIS)
    assert friday_early.status == BEDTIME and "(thu)" in friday_early.reason
    assert friday_early.until == datetime(2026, 5, 15, 7, 0, tzinfo=localize(datetime(2026, 5, 15), PARIS).tzinfo)
    # Friday night is free, and Saturday morning too (Friday is not a school night)
    assert school_nights.state_at(datetime(2026, 5, 15, 23, 0), PARIS).status == OPEN
    assert school_nights.state_at(datetime(2026, 5, 16, 2, 0), PARIS).status == OPEN
    # Sunday night → Monday 06:00
    assert school_nights.state_at(datetime(2026, 5, 18, 6, 0), PARIS).status == BEDTIME


def _night_instants(start_utc: datetime, hours: int = 12, step_minutes: int = 5):
    t = start_utc
    while t < start_utc + timedelta(hours=hours):
        yield t
        t += timedelta(minutes=step_minutes)


@pytest.mark.parametrize(
    "zone, evening_utc",
    [
        (PARIS, datetime(2026, 3, 28, 21, 0, tzinfo=UTC)),  # clocks go forward 02:00 → 03:00 (last Sunday of March)
        (PARIS, datetime(2026, 10, 24, 20, 0, tzinfo=UTC)),  # clocks go back 03:00 → 02:00 (last Sunday of October)
        (CASABLANCA, datetime(2026, 2, 14, 21, 0, tzinfo=UTC)),  # Ramadan: +01 → +00 on 15 February 2026
        (CASABLANCA, datetime(2026, 3, 21, 21, 0, tzinfo=UTC)),  # after Ramadan: +00 → +01 on 22 March 2026
    ],
)
def test_clock_changes_never_open_a_bedtime_window(zone, evening_utc):
    """Every real instant of the night, checked every 5 minutes, is blocked exactly when the wall clock says so."""
    seen_blocked = 0
    for instant in _night_instants(evening_utc):
        local = instant.astimezone(localize(instant, zone).tzinfo)
        wall = local.hour * 60 + local.minute
        expected = wall >= 22 * 60 or wall < 7 * 60
        state = NIGHTLY.state_at(instant, zone)
        assert (state.status == BEDTIME) is expected, (instant, local)
        seen_blocked += expected
    assert seen_blocked > 90  # the whole night was exercised


def test_bedtime_blocks_at_02_30_on_the_nights_the_clocks_change():
    # 02:30 does not exist on 29 March 2026 in Paris; a naive 02:30 means 03:30 CEST
    spring = NIGHTLY.state_at(datetime(2026, 3, 29, 2, 30), PARIS)
    assert spring.status == BEDTIME
    # 02:30 happens twice on 25 October 2026: both are bedtime
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert localize(first, PARIS).hour == localize(second, PARIS).hour == 2
    assert NIGHTLY.state_at(first, PARIS).status == NIGHTLY.state_at(second, PARIS).status == BEDTIME
    # and the bedtime ends at 07:00 on the wall clock, not after a fixed duration
    assert NIGHTLY.state_at(first, PARIS).until.hour == 7


@settings(max_examples=300, deadline=None)
@given(
    instant=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)),
    zone=st.sampled_from([PARIS, CASABLANCA, BAMAKO]),
)
def test_bedtime_follows_the_local_wall_clock_at_every_instant(instant, zone):
    local = localize(instant, zone)
    wall = local.hour * 60 + local.minute
    assert (NIGHTLY.state_at(instant, zone).status == BEDTIME) is (wall >= 22 * 60 or wall < 7 * 60)


def test_allowed_hours_close_the_rest_of_the_day_and_say_when_it_opens():
    schedule = Schedule(hours=week(mon_fri="07:00-21:00", sat="09:00-12:00"))
    monday_late = schedule.state_at(datetime(2026, 5, 11, 21, 30), CASABLANCA)
    assert monday_late.status == CLOSED and monday_late.until == localize(datetime(2026, 5, 12, 7, 0), CASABLANCA)
    assert schedule.state_at(datetime(2026, 5, 11, 12, 0), CASABLANCA).status == OPEN
    friday_night = schedule.state_at(datetime(2026, 5, 15, 22, 0), CASABLANCA)
    assert friday_night.until == localize(datetime(2026, 5, 16, 9, 0), CASABLANCA)
    # Sunday is not in the table: no limit at all
    assert schedule.state_at(datetime(2026, 5, 17, 3, 0), CASABLANCA).status == OPEN
    # Saturday afternoon is closed until Sunday midnight (Sunday has no limit)
    assert schedule.state_at(datetime(2026, 5, 16, 15, 0), CASABLANCA).until == localize(datetime(2026, 5, 17, 0, 0), CASABLANCA)


def test_allowed_hours_may_cross_midnight_into_the_next_listed_day():
    schedule = Schedule(hours=week(fri="18:00-01:00", sat="10:00-20:00"))
    assert schedule.state_at(datetime(2026, 5, 16, 0, 30), PARIS).status == OPEN  # Friday's window, on Saturday
    assert schedule.state_at(datetime(2026, 5, 16, 1, 30), PARIS).status == CLOSED


def test_an_empty_day_is_closed_all_day():
    schedule = Schedule(hours=build_week([(("sun",), [])]))
    state = schedule.state_at(datetime(2026, 5, 17, 12, 0), PARIS)
    assert state.status == CLOSED and state.until == localize(datetime(2026, 5, 18, 0, 0), PARIS)


def test_lessons_restrict_and_never_apply_on_a_holiday():
    schedule = Schedule(lessons=week(mon_fri=["08:30-12:00", "14:00-16:30"]), lesson_allow=("wikipedia.org",))
    state = schedule.state_at(datetime(2026, 5, 12, 9, 0), BAMAKO)
    assert state.status == LESSONS and not state.allow_list_only
    assert schedule.state_at(datetime(2026, 5, 12, 12, 30), BAMAKO).status == OPEN
    assert schedule.state_at(datetime(2026, 5, 12, 9, 0), BAMAKO, holiday=True).status == OPEN


def test_the_holiday_switch_uses_the_holiday_entry_instead_of_the_weekday():
    schedule = Schedule(hours=week(mon_fri="16:00-20:00", holiday="09:00-21:00"), bedtime=week(daily="21:30-07:00", holiday="23:00-09:00"))
    tuesday_morning = datetime(2026, 5, 12, 10, 0)
    assert schedule.state_at(tuesday_morning, PARIS).status == CLOSED
    assert schedule.state_at(tuesday_morning, PARIS, holiday=True).status == OPEN
    assert schedule.state_at(datetime(2026, 5, 12, 22, 0), PARIS, holiday=True).status == CLOSED  # after 21:00
    assert schedule.state_at(datetime(2026, 5, 12, 23, 30), PARIS, holiday=True).status == BEDTIME
    # a table without a holiday entry keeps the weekday's
    assert NIGHTLY.state_at(datetime(2026, 5, 12, 22, 30), PARIS, holiday=True).status == BEDTIME


def test_a_pause_comes_first_and_ends_on_time():
    start = datetime(2026, 5, 12, 15, 0, tzinfo=UTC)
    until = pause_until(start, 30)
    assert until == start + timedelta(minutes=30)
    paused = Schedule().state_at(start + timedelta(minutes=29), PARIS, paused_until=until)
    assert paused.status == PAUSED and paused.allow_list_only and paused.until == until
    assert Schedule().state_at(start + timedelta(minutes=30), PARIS, paused_until=until).status == OPEN


def test_a_pause_across_a_clock_change_lasts_its_real_length():
    start = datetime(2026, 3, 29, 0, 45, tzinfo=UTC)  # 01:45 CET, just before the change
    assert pause_until(start, 30) - start == timedelta(minutes=30)
    assert localize(pause_until(start, 30), PARIS).hour == 3  # 03:15 CEST on the wall clock


@pytest.mark.parametrize("minutes", [0, -5, 2000, 1.5, True])
def test_bad_pause_lengths(minutes):
    with pytest.raises(ScheduleError):
        pause_until(datetime(2026, 1, 1, tzinfo=UTC), minutes)


def test_a_pause_needs_an_aware_start():
    with pytest.raises(ScheduleError, match="aware"):
        pause_until(datetime(2026, 1, 1), 10)


def test_the_empty_schedule_is_open_and_says_so():
    state = Schedule().state_at(datetime(2026, 1, 1, 3, 0, tzinfo=UTC), PARIS)
    assert state.status == OPEN and "no schedule" in state.reason


def test_a_pause_ending_in_the_repeated_autumn_hour_is_compared_in_real_time():
    first_0245 = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 02:45 CEST
    second_0230 = localize(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), PARIS)  # 02:30 CET, 45 minutes later
    assert Schedule().state_at(first_0245, PARIS, paused_until=second_0230).status == PAUSED
