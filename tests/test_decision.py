"""decide_request: the precedence of allow lists, schedule, approvals, lessons, lists and safe search."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, timezone

import pytest

from rules.approvals import Approval
from rules.blocklist_index import BlocklistIndex
from rules.decision import SCHEDULE, decide_request
from rules.listformats import Entry
from rules.policy import parse_policy
from rules.schedule import localize
from salama.commands import policy as policy_command

UTC = timezone.utc
POLICY = """
timezone: Europe/Paris
country: FR
default_profile: kids
allow: [wikipedia.org]
deny: [denied.example]
profiles:
  kids:
    preset: child
    allow: [kids-allowed.example]
    schedule:
      bedtime: {sun-thu: "21:30-07:00", fri-sat: "23:00-08:00"}
  class:
    preset: school_lab
    schedule:
      lessons: {mon-fri: ["08:30-12:00", "14:00-16:30"]}
      lesson_allow: [khanacademy.org, denied.example]
  adult:
    preset: adult_monitor
devices:
  - {name: lab, match: 10.0.0.0/8, profile: class}
  - {name: yasmine, match: 10.1.2.3, profile: kids}
  - {name: also-yasmine, match: 10.1.2.3/32, profile: adult}
  - {name: papa, match: "user:papa", profile: adult}
"""
TUESDAY_EVENING = datetime(2026, 5, 12, 18, 0)  # Paris wall clock
TUESDAY_NIGHT = datetime(2026, 5, 12, 22, 30)
TUESDAY_LESSON = datetime(2026, 5, 12, 9, 0)
CLASS, ADULT = "10.20.0.5", "192.0.2.7"


@pytest.fixture(scope="module")
def policy():
    return parse_policy(POLICY, "policy.yaml")


@pytest.fixture(scope="module")
def index():
    return BlocklistIndex.build(
        [("test", [Entry("domain", "casino.example", "gambling", False), Entry("domain", "porn.example", "sexual", False)])],
        include_defaults=False,
    )


def decide(policy, index, url, client="10.1.2.3", **kwargs):
    return decide_request(policy, index, url, client, **kwargs)


def test_without_the_new_arguments_the_lists_decide_as_before(policy, index):
    assert decide(policy, index, "https://casino.example/", at=TUESDAY_EVENING).category == "gambling"
    assert decide(policy, index, "https://www.denied.example/", at=TUESDAY_EVENING).rule == "deny:denied.example"
    assert decide(policy, index, "https://fr.wikipedia.org/", at=TUESDAY_EVENING).source == "global allow list"
    assert decide(policy, index, "https://example.org/", at=TUESDAY_EVENING).action == "allow"
    wrapped = decide(policy, index, "https://translate.example/?u=https://casino.example/x", at=TUESDAY_EVENING)
    assert wrapped.blocked and wrapped.category == "gambling"
    # the old positional call still works (and means "now"): a profile without a schedule, so any hour will do
    assert decide_request(policy, index, "https://casino.example/", ADULT, "papa").category == "gambling"


def test_bedtime_blocks_at_22_30_and_not_at_18_00(policy, index):
    night = decide(policy, index, "https://example.org/", at=TUESDAY_NIGHT)
    assert night.blocked and night.category == SCHEDULE and night.rule == "schedule:bedtime"
    assert night.until == localize(datetime(2026, 5, 13, 7, 0), "Europe/Paris")
    assert any("bedtime 21:30-07:00 (tue)" in r for r in night.reasons)
    assert decide(policy, index, "https://example.org/", at=TUESDAY_EVENING).action == "allow"


def test_bedtime_blocks_at_02_30_on_the_night_the_clocks_go_forward(policy, index):
    # Saturday 28 → Sunday 29 March 2026: fri-sat bedtime 23:00-08:00, 02:00 → 03:00 that night
    for instant in (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 2, 30)):
        assert decide(policy, index, "https://example.org/", at=instant).rule == "schedule:bedtime"


def test_the_allow_lists_stay_reachable_at_bedtime(policy, index):
    assert decide(policy, index, "https://fr.wikipedia.org/wiki/Maroc", at=TUESDAY_NIGHT).action == "allow"
    assert decide(policy, index, "https://kids-allowed.example/", at=TUESDAY_NIGHT).action == "allow"


def test_an_approval_beats_the_lists_but_not_bedtime_or_a_pause(policy, index):
    approvals = [Approval("casino.example", device="yasmine", until=None, granted_by="maman")]
    evening = decide(policy, index, "https://www.casino.example/", at=TUESDAY_EVENING, approvals=approvals)
    assert evening.action == "allow" and evening.rule == "approval:casino.example" and evening.source == "parent approval"
    assert "approved by maman" in evening.reasons[-1]
    denied = decide(policy, index, "https://denied.example/", at=TUESDAY_EVENING, approvals=[Approval("denied.example", profile="kids")])
    assert denied.action == "allow"
    assert decide(policy, index, "https://www.casino.example/", at=TUESDAY_NIGHT, approvals=approvals).rule == "schedule:bedtime"
    paused = decide(policy, index, "https://www.casino.example/", at=TUESDAY_EVENING, approvals=approvals,
                    paused_until=localize(TUESDAY_EVENING, "Europe/Paris") + timedelta(minutes=30))
    assert paused.rule == "schedule:paused" and paused.until is not None


def test_approvals_are_checked_for_device_profile_and_time(policy, index):
    at = localize(TUESDAY_EVENING, "Europe/Paris")
    expired = [Approval("casino.example", device="yasmine", until=at - timedelta(minutes=1))]
    assert decide(policy, index, "https://casino.example/", at=at, approvals=expired).blocked
    other_device = [Approval("casino.example", device="omar", until=None)]
    assert decide(policy, index, "https://casino.example/", at=at, approvals=other_device).blocked
    # an unknown device is named by its address
    unknown = [Approval("casino.example", device="192.0.2.50", until=None)]
    assert decide(policy, index, "https://casino.example/", client="192.0.2.50", at=at, approvals=unknown).action == "allow"


def test_an_approved_wrapper_still_has_what_it_wraps_checked(policy, index):
    approvals = [Approval("translate.example", profile="kids")]
    verdict = decide(policy, index, "https://translate.example/?u=https://casino.example/", at=TUESDAY_EVENING, approvals=approvals)
    assert verdict.blocked and verdict.category == "gambling"
    assert any("translate.example approved" in r for r in verdict.reasons)


def test_a_pause_blocks_everything_but_the_allow_lists(policy, index):
    until = localize(TUESDAY_EVENING, "Europe/Paris") + timedelta(minutes=15)
    verdict = decide(policy, index, "https://example.org/", at=TUESDAY_EVENING, paused_until=until)
    assert verdict.blocked and verdict.category == SCHEDULE and verdict.until == until
    assert decide(policy, index, "https://fr.wikipedia.org/", at=TUESDAY_EVENING, paused_until=until).action == "allow"
    assert decide(policy, index, "https://example.org/", at=TUESDAY_EVENING + timedelta(minutes=16), paused_until=until).action == "allow"


def test_lessons_allow_only_the_lesson_list_and_the_allow_lists(policy, index):
    lesson = decide(policy, index, "https://www.youtube.com/", client=CLASS, at=TUESDAY_LESSON)
    assert lesson.blocked and lesson.rule == "schedule:lessons" and "not on the lesson list" in lesson.reasons[-1]
    assert decide(policy, index, "https://www.khanacademy.org/math", client=CLASS, at=TUESDAY_LESSON).action == "allow"
    assert decide(policy, index, "https://fr.wikipedia.org/", client=CLASS, at=TUESDAY_LESSON).action == "allow"
    # the lesson list restricts; it does not lift the deny list
    assert decide(policy, index, "https://denied.example/", client=CLASS, at=TUESDAY_LESSON).rule == "deny:denied.example"
    # a wrapped address must be on the lesson list too
    assert decide(policy, index, "https://khanacademy.org/r?url=https://example.org/", client=CLASS, at=TUESDAY_LESSON).blocked
    # a teacher's approval opens a site during the lesson
    approved = decide(policy, index, "https://www.youtube.com/", client=CLASS, at=TUESDAY_LESSON,
                      approvals=[Approval("youtube.com", profile="class")])
    assert approved.action == "allow"
    # break time, and the holiday switch, lift the lesson rule
    assert decide(policy, index, "https://www.youtube.com/", client=CLASS, at=TUESDAY_LESSON.replace(hour=13)).action == "allow"
    assert decide(policy, index, "https://www.youtube.com/", client=CLASS, at=TUESDAY_LESSON, holiday=True).action == "allow"


def test_engines_that_cannot_be_forced_are_blocked_and_forced_ones_explained(policy, index):
    ecosia = decide(policy, index, "https://www.ecosia.org/search?q=x", at=TUESDAY_EVENING)
    assert ecosia.blocked and ecosia.rule == "safe_search:ecosia"
    google = decide(policy, index, "https://www.google.co.ma/search?q=x", at=TUESDAY_EVENING)
    assert google.action == "allow" and google.reasons[-1].startswith("safe search forced on google (safe=active")
    assert decide(policy, index, "https://www.ecosia.org/", client=ADULT, user="papa", at=TUESDAY_EVENING).action == "allow"


def test_overlapping_device_rules_are_explained(policy, index):
    verdict = decide(policy, index, "https://example.org/", client="10.1.2.3", at=TUESDAY_EVENING)
    first = verdict.reasons[0]
    # a /32 and a plain address are equally specific: the first listed wins; the /8 is less specific
    assert first.startswith("device 'yasmine' (10.1.2.3) uses profile 'kids'")
    assert "'also-yasmine' (10.1.2.3/32, profile 'adult')" in first and "'lab' (10.0.0.0/8, profile 'class')" in first
    assert first.index("also-yasmine") < first.index("'lab'")
    assert decide(policy, index, "https://example.org/", client="10.1.2.3", user="papa", at=TUESDAY_EVENING).profile == "adult"
    assert decide(policy, index, "https://example.org/", client="192.0.2.1", at=TUESDAY_EVENING).reasons[0].startswith("unknown device 192.0.2.1")


def run_check(home, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="salama")
    policy_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["policy", "check", "--home", str(home), *argv])
    return args.func(args)


def test_policy_check_passes_at_through_in_the_policy_time_zone(home, capsys):
    home.policy_path.write_text(POLICY)
    assert run_check(home.root, "--client", "10.1.2.3", "--url", "https://example.org/", "--at", "2026-05-12T22:30", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "block" and out["rule"] == "schedule:bedtime"
    assert out["at"] == "2026-05-12T22:30+02:00" and out["until"] == "2026-05-13T07:00+02:00"
    assert out["device"] == "yasmine" and "also matches" in out["reasons"][0]
    # an explicit offset is honoured: 20:30 UTC is 22:30 in Paris
    run_check(home.root, "--client", "10.1.2.3", "--url", "https://example.org/", "--at", "2026-05-12T20:30+00:00")
    text = capsys.readouterr().out
    assert text.startswith("BLOCK  https://example.org/") and "at 2026-05-12T22:30+02:00 Europe/Paris" in text
    assert "  - bedtime 21:30-07:00 (tue) until Wed 07:00 CEST" in text


def test_policy_check_refuses_a_bad_time(home):
    with pytest.raises(ValueError, match="not an ISO time"):
        run_check(home.root, "--client", "10.1.2.3", "--url", "https://example.org/", "--at", "tonight")
