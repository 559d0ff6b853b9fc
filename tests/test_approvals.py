"""Access approvals: durations in the policy's time zone, who and what they cover, bad inputs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rules.approvals import DURATIONS, Approval, approval_until, find_approval
from rules.schedule import localize

UTC = timezone.utc
PARIS, CASABLANCA = "Europe/Paris", "Africa/Casablanca"
NOON = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)  # 12:00 in Paris, 11:00 in Casablanca


def test_durations():
    assert DURATIONS == ("15m", "1h", "today", "always")
    assert approval_until("15m", NOON, PARIS) - NOON == timedelta(minutes=15)
    assert approval_until("1h", NOON, PARIS) - NOON == timedelta(hours=1)
    assert approval_until("always", NOON, PARIS) is None


@pytest.mark.parametrize(
    "zone, granted, midnight",
    [
        (PARIS, NOON, datetime(2026, 5, 13, 0, 0)),
        (CASABLANCA, datetime(2026, 5, 12, 23, 30, tzinfo=UTC), datetime(2026, 5, 14, 0, 0)),  # already the 13th there
        (PARIS, datetime(2026, 3, 28, 22, 0), datetime(2026, 3, 29, 0, 0)),  # naive: Paris wall clock
    ],
)
def test_today_ends_at_the_next_midnight_on_the_policy_wall_clock(zone, granted, midnight):
    until = approval_until("today", granted, zone)
    assert until == localize(midnight, zone)
    assert (until.hour, until.minute) == (0, 0)


def test_today_on_the_day_the_clocks_go_forward_is_23_hours_long():
    start = localize(datetime(2026, 3, 29, 0, 0), PARIS)
    assert approval_until("today", start, PARIS).astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


def test_an_hour_across_the_autumn_change_is_a_real_hour_and_ends_on_time():
    granted = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first of the two 02:30s
    until = approval_until("1h", granted, PARIS)
    assert until.astimezone(UTC) == granted + timedelta(hours=1)
    assert (until.hour, until.minute) == (2, 30)  # the second 02:30, CET
    approval = Approval("x.example", profile="kids", until=until)
    assert approval.active_at(granted + timedelta(minutes=59))
    assert not approval.active_at(granted + timedelta(minutes=60))


def test_an_approval_covers_the_domain_and_its_subdomains_for_its_device_or_profile():
    for_device = Approval("Khanacademy.org.", device="yasmine", until=NOON + timedelta(hours=1), granted_by="maman")
    assert for_device.domain == "khanacademy.org"
    assert for_device.covers("www.khanacademy.org") and for_device.covers("khanacademy.org")
    assert not for_device.covers("khanacademy.org.evil.example") and not for_device.covers("notkhanacademy.org")
    assert for_device.applies_to("yasmine", "kids") and not for_device.applies_to("omar", "kids")
    for_profile = Approval("scratch.mit.edu", profile="kids")
    assert for_profile.applies_to("omar", "kids") and not for_profile.applies_to("omar", "teen")
    assert for_profile.active_at(NOON + timedelta(days=3650))  # always


def test_find_approval_respects_time_device_and_host():
    approvals = [
        Approval("games.example", device="yasmine", until=NOON + timedelta(minutes=15), granted_by="papa"),
        Approval("video.example", profile="kids", until=None),
    ]
    assert find_approval(approvals, "games.example", device="yasmine", profile="kids", at=NOON).granted_by == "papa"
    assert find_approval(approvals, "games.example", device="yasmine", profile="kids", at=NOON + timedelta(minutes=15)) is None
    assert find_approval(approvals, "games.example", device="omar", profile="kids", at=NOON) is None
    assert find_approval(approvals, "cdn.video.example", device=None, profile="kids", at=NOON).domain == "video.example"
    assert find_approval(approvals, "", device="yasmine", profile="kids", at=NOON) is None


def test_describe_says_what_who_and_until_when():
    text = Approval("games.example", device="yasmine", until=NOON, granted_by="papa").describe()
    assert text == "games.example approved by papa for device 'yasmine', until 2026-05-12T10:00+00:00"
    assert Approval("x.example", profile="kids").describe().endswith("for profile 'kids', always")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(domain="not a domain", device="d"), "not a host"),
        (dict(domain="x.example"), "exactly one of device or profile"),
        (dict(domain="x.example", device="d", profile="p"), "exactly one of device or profile"),
        (dict(domain="x.example", device="d", until=datetime(2026, 1, 1)), "time-zone aware"),
    ],
)
def test_bad_approvals_are_refused(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        Approval(**kwargs)


def test_unknown_duration():
    with pytest.raises(ValueError, match="unknown duration '2h'"):
        approval_until("2h", NOON, PARIS)
