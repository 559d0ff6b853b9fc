"""The policy loader: valid files, and every kind of bad input named by file, line and key."""

from __future__ import annotations

import pytest

from rules.policy import DEFAULT_POLICY_PATH, PolicyError, load_policy, parse_policy
from rules.policy_edit import add_domains


def test_default_policy_loads():
    policy = load_policy(DEFAULT_POLICY_PATH)
    assert policy.default_profile == "child"
    assert policy.profiles["child"].rule_for("sexual").action == "block"
    assert policy.profiles["child"].rule_for("sexual").threshold is None


def test_missing_user_file_falls_back_to_default(tmp_path):
    assert load_policy(tmp_path / "nope.yaml").default_profile == "child"


POLICY = """
timezone: Europe/Paris
default_profile: kids
allow: [wikipedia.org]
deny: [Bad.Example.]
profiles:
  kids:
    preset: child
  teen:
    preset: teen
    categories:
      violence: {action: block, threshold: 0.7}
      bullying: allow
devices:
  - {name: lab, match: 127.0.0.0/8, profile: kids}
  - {name: yasmine, match: 127.0.0.3, profile: teen}
  - {name: omar, match: "user:omar", profile: teen}
"""


def test_profiles_presets_overrides_and_devices():
    policy = parse_policy(POLICY)
    teen = policy.profiles["teen"]
    assert teen.rule_for("violence").action == "block" and teen.rule_for("violence").threshold == 0.7
    assert teen.rule_for("bullying").action == "allow"
    assert teen.rule_for("hate").action == "alert"  # from the teen preset
    assert policy.deny == ("bad.example",)
    # most specific match wins: the /32 beats the /8
    assert policy.profile_for("127.0.0.3")[0].name == "teen"
    assert policy.profile_for("127.0.0.9")[0].name == "kids"
    assert policy.profile_for("::ffff:127.0.0.3")[0].name == "teen"
    assert policy.profile_for("10.9.9.9")[0].name == "kids"  # unknown device: default profile
    assert policy.profile_for("10.9.9.9", user="omar")[1].name == "omar"


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("profiles:\n  kid:\n    preset: toddler\n", 3, "unknown preset 'toddler'"),
        ("profils: {}\n", 1, "unknown key 'profils'"),
        ("profiles:\n  kid:\n    categories:\n      porn: block\n", 4, "unknown category 'porn'"),
        ("profiles:\n  kid:\n    categories:\n      sexual: {action: ban}\n", 4, "action must be one of"),
        ("profiles:\n  kid:\n    categories:\n      sexual: {action: block, threshold: 1.5}\n", 4, "threshold must be"),
        ("devices:\n  - match: 300.1.1.1\n    profile: child\n", 2, "not an IP address"),
        ("devices:\n  - match: 127.0.0.2\n    profile: nobody\n", 3, "unknown profile 'nobody'"),
        ("devices:\n  - match: 127.0.0.2\n", 2, "missing 'profile'"),
        ("default_profile: nobody\n", 1, "unknown profile 'nobody'"),
        ("timezone: Mars/Olympus\n", 1, "unknown time zone"),
        ("allow:\n  - ok.example\n  - not a domain\n", 3, "is not a domain name"),
        ("deny: [1, 2\n", None, "invalid YAML"),
        ("a: &x [1, 2]\nb: *x\n", 2, "anchors and aliases"),
        ("version: 7\n", 1, "unsupported policy version"),
        ("content: {max_body_kib: -3}\n", 1, "positive whole number"),
        ("- just\n- a list\n", None, "expected a mapping"),
        # schedules
        ("profiles:\n  kid:\n    schedule:\n      bedtime:\n        sun-thu: \"25:00-07:00\"\n", 5, "impossible time"),
        ("profiles:\n  kid:\n    schedule:\n      bedtime:\n        sun-thx: \"21:00-07:00\"\n", 5, "'sun-thx' is not a day"),
        ("profiles:\n  kid:\n    schedule:\n      hours:\n        mon:\n          - 08:00-12:00\n          - 14:00\n", 7, "'14:00' is not a time window"),
        ("profiles:\n  kid:\n    schedule:\n      hours: {mon: 7}\n", 4, "'7' is not a time window"),
        ("profiles:\n  kid:\n    schedule:\n      bedtime: \"22:00-07:00\"\n", 4, "expected days and times"),
        ("profiles:\n  kid:\n    schedule:\n      lessons: {holiday: 08:00-12:00}\n", 4, "lessons never apply on a holiday"),
        ("profiles:\n  kid:\n    schedule:\n      bedtimes: {}\n", 4, "unknown key 'bedtimes'"),
        ("profiles:\n  kid:\n    schedule:\n      lesson_allow: [not a domain]\n", 4, "is not a domain name"),
        # safe search
        ("profiles:\n  kid:\n    safe_search: {ecosia: on}\n", 3, "Ecosia cannot be forced"),
        ("profiles:\n  kid:\n    safe_search:\n      google: on\n      altavista: on\n", 5, "unknown search engine 'altavista'"),
        ("profiles:\n  kid:\n    safe_search:\n      youtube: lenient\n", 4, "expected one of: off, strict, moderate, block"),
        ("profiles:\n  kid:\n    safe_search: maybe\n", 3, "expected on, off or a mapping"),
        # country, help lines, no_intercept
        ("country: XX\n", 1, "no shipped help lines for 'XX'"),
        ("country: Maroc\n", 1, "not a two-letter country code"),
        ("helplines:\n  - name: Ecoute\n    number: \"0800\"\n    langs: [fr]\n", 4, "unknown key 'langs'"),
        ("helplines:\n  - number: \"0800\"\n", 2, "needs a name"),
        ("helplines:\n  - name: x\n    verified: maybe\n    url: https://x.example\n", 3, "verified must be true or false"),
        ("helplines: 3114\n", 1, "expected a list of help lines"),
        ("no_intercept:\n  - bank.example\n  - not a domain\n", 3, "is not a domain name"),
    ],
)
def test_bad_policies_name_file_line_and_key(text, line, fragment):
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "policy.yaml")
    message = str(err.value)
    assert fragment in message
    assert message.startswith("policy.yaml")
    if line is not None:
        assert err.value.line == line, message


def test_billion_laughs_is_refused_quickly():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(PolicyError, match="anchors and aliases"):
        parse_policy(bomb)


def test_non_utf8_policy_file(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"timezone: \xff\xfe\n")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(path)


def test_quick_lists_edit_keeps_comments_and_validates(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(DEFAULT_POLICY_PATH.read_text())
    policy = add_domains(path, "deny", ["Casino.Example"])
    assert policy.deny == ("casino.example",)
    assert "# Salama policy" in path.read_text()
    policy = add_domains(path, "allow", ["casino.example"])  # moves it to the other list
    assert policy.allow == ("casino.example",) and policy.deny == ()
    before = path.read_text()
    with pytest.raises(PolicyError):
        add_domains(path, "deny", ["not a domain"])
    assert path.read_text() == before  # a refused edit leaves the file untouched
    with pytest.raises(PolicyError, match="unknown profile"):
        add_domains(path, "deny", ["x.example"], profile="ghost")


SCHOOL = """
timezone: Africa/Bamako
country: ML
helplines:
  - name: "Conseiller d'orientation"
    number: "20 22 00 00"
    languages: [fr, bm]
no_intercept: [bank.example]
profiles:
  eleves:
    preset: school_lab
    safe_search: {youtube: moderate, ecosia: off}
    schedule:
      hours: {mon-fri: "07:30-18:00", holiday: []}
      lessons:
        mon,tue,thu,fri: ["08:00-12:00", "15:00-17:00"]
        wed: "08:00-12:00"
      lesson_allow: [wikipedia.org]
  invite:
    preset: teen
    safe_search: off
devices:
  - {name: salle, match: 192.168.10.0/24, profile: eleves}
  - {name: prof, match: 192.168.10.0/28, profile: invite}
  - {name: poste-1, match: 192.168.10.1, profile: eleves}
  - {name: copie, match: 192.168.10.1/32, profile: invite}
"""


def test_schedule_safe_search_helplines_and_no_intercept_keys():
    policy = parse_policy(SCHOOL, "school.yaml")
    eleves = policy.profiles["eleves"]
    assert eleves.safe_search["youtube"] == "moderate" and eleves.safe_search["ecosia"] == "off"
    assert eleves.safe_search["google"] == "on"  # from the school_lab preset
    assert set(policy.profiles["invite"].safe_search.values()) == {"off"}
    assert len(eleves.schedule.lessons.days["mon"]) == 2 and len(eleves.schedule.lessons.days["wed"]) == 1
    assert eleves.schedule.hours.days["holiday"] == ()
    assert eleves.schedule.lesson_allow == ("wikipedia.org",)
    assert policy.country == "ML" and [h.number for h in policy.helplines] == ["20 22 00 00"]
    assert not policy.intercepts("www.bank.example") and policy.intercepts("bank.example.org")


def test_default_policy_forces_safe_search_and_has_help_lines():
    policy = load_policy(DEFAULT_POLICY_PATH)
    child = policy.profiles["child"]
    assert child.safe_search["google"] == "on" and child.safe_search["youtube"] == "strict"
    assert child.safe_search["ecosia"] == "block"
    assert not child.schedule.bedtime  # the bedtime example is commented out
    assert policy.country == "MA" and policy.helplines[0].number == "2511"
    assert policy.no_intercept == ()


def test_overlapping_device_rules_most_specific_prefix_then_first_listed():
    policy = parse_policy(SCHOOL)
    assert [d.name for d in policy.devices_matching("192.168.10.1")] == ["poste-1", "copie", "prof", "salle"]
    assert policy.device_for("192.168.10.1").name == "poste-1"  # a /32 tie: the first listed
    assert policy.device_for("192.168.10.9").name == "prof"  # the /28 beats the /24
    assert policy.device_for("192.168.10.200").name == "salle"
    assert policy.devices_matching("10.0.0.1") == ()
    assert policy.devices_matching("not an ip") == ()
