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
