"""List parsers: each format on small fixtures and on the real lists in ../shared/datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.listformats import (
    UT1_CATEGORIES,
    Entry,
    ParseReport,
    check_category,
    default_list_entries,
    detect_format,
    expression_problem,
    map_category,
    parse_source,
    path_prefixes,
    required_literals,
)

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "blocklists"
needs_datasets = pytest.mark.skipif(
    not DATASETS.is_dir(), reason=f"real blocklists not available: {DATASETS} is absent (a fresh clone has no shared/)"
)


def parse(path: Path, fmt: str | None, category: str | None = "sexual", **kw) -> tuple[list[Entry], ParseReport]:
    report = ParseReport()
    return list(parse_source(path, fmt, category, report, **kw)), report


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- fixtures of our own


def test_hosts_file(tmp_path):
    path = write(tmp_path, "hosts", "# comment\n127.0.0.1 localhost\n0.0.0.0 Ads.Example.com  # inline\n"
                 "0.0.0.0 www.tracker.example.net other.example.org\n:: ipv6.example.com\nnot-a-line\n0.0.0.0 bad_host!.com\n")
    entries, report = parse(path, "hosts")
    assert [e.value for e in entries] == ["ads.example.com", "tracker.example.net", "other.example.org", "ipv6.example.com"]
    assert report.skipped["local name"] == 1
    assert report.error_count == 2
    assert report.errors[0].startswith(f"{path}:6: expected 'IP host")
    assert report.errors[1].startswith(f"{path}:7: not a valid host name")


def test_plain_domains(tmp_path):
    path = write(tmp_path, "list.txt", "example.com\n*.wild.example.org\n\n# c\nWWW.Upper.Example.NET.\ncom\nbücher.de\n1.2.3.4\n")
    entries, report = parse(path, "domains", "gambling")
    assert [e.value for e in entries] == ["example.com", "wild.example.org", "upper.example.net", "xn--bcher-kva.de", "1.2.3.4"]
    assert {e.category for e in entries} == {"gambling"} and not any(e.allow for e in entries)
    assert report.errors == [f"{path}:6: single-label name 'com' would cover a whole top-level domain"]


def test_adblock_rules(tmp_path):
    path = write(tmp_path, "filter.txt", "[Adblock Plus 2.0]\n! comment\n||ads.example.com^\n@@||good.example.com^\n"
                 "||*.wild.example.org^$important\n||x.example.com^$third-party\nexample.com##.banner\n/ad[0-9]+/\n"
                 "|https://exact.example/\n||exa mple.com^\n||site.example/path/^\n0.0.0.0 hosts.example.net\nplain.example.io\n")
    entries, report = parse(path, "adblock")
    got = {(e.kind, e.value, e.allow) for e in entries}
    assert got == {("domain", "ads.example.com", False), ("domain", "good.example.com", True),
                   ("domain", "wild.example.org", False), ("url", "site.example/path", False),
                   ("domain", "hosts.example.net", False), ("domain", "plain.example.io", False)}
    assert report.skipped == {"rule with options": 1, "cosmetic rule": 1, "regex rule": 1, "URL pattern rule": 1}
    assert report.error_count == 1 and ":10: " in report.errors[0]


def test_url_rules(tmp_path):
    path = write(tmp_path, "urls", "example.com/Path/Sub/\nhttp://www.example.org/a?b=C\nexample.net\n1.2.3.4/x\n/nohost\n")
    entries, report = parse(path, None)
    assert [(e.kind, e.value) for e in entries] == [
        ("url", "example.com/path/sub"), ("url", "example.org/a?b=c"), ("domain", "example.net"), ("url", "1.2.3.4/x")]
    assert report.error_count == 1


def test_expressions_are_checked(tmp_path):
    path = write(tmp_path, "expressions", "(^|[-/])(casino|poker)s?([-./]|$)\n(a+)+b\n#comment\n")
    entries, report = parse(path, None, "gambling")
    assert [e.value for e in entries] == ["(^|[-/])(casino|poker)s?([-./]|$)"]
    assert "expression refused: repeated groups" in report.errors[0]


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("(a+)+$", "repeated groups"),
        ("(a|aa)*c", "repeated groups"),
        ("(x*)*y", "repeated groups"),
        (r"(\w+)\1", "backreferences"),
        ("(?=porn)p", "lookahead"),
        ("a.*b.*c", "more than one unbounded repeat"),
        ("x" * 300, "longer than"),
        ("(unclosed", "invalid regular expression"),
    ],
)
def test_catastrophic_expressions_are_refused(pattern, reason):
    assert reason in (expression_problem(pattern) or "")


@pytest.mark.parametrize(
    "pattern",
    [r".*/ymsgr*\.exe", r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/search\?q=[0-9]+$", r"(big|hard)?(porn|sex)s?([-.]|$)",
     r"free[-_]?robux", r"a.*b"],
)
def test_useful_expressions_are_accepted(pattern):
    assert expression_problem(pattern) is None


def test_required_literals_let_most_urls_skip_an_expression():
    assert required_literals("(free|gratis)[-_]?robux") == ["free", "gratis"]
    assert required_literals(r".*/ymsgr*\.exe") == ["/ymsg"]
    assert required_literals("[a-z]+") is None


def test_ut1_tree(tmp_path):
    for folder, files in {"adult": {"domains": "porn.example\n", "urls": "example.org/adult\n"},
                          "gambling": {"domains": "casino.example\n", "expressions": "(^|/)poker\n"},
                          "child": {"domains": "kids.example\n"}, "shopping": {"domains": "shop.example\n"},
                          "phishing": {"domains.2024-01-01": "old.example\n", "domains.2025-01-01": "new.example\n"}}.items():
        (tmp_path / folder).mkdir()
        for name, text in files.items():
            write(tmp_path / folder, name, text)
    (tmp_path / "porn").symlink_to(tmp_path / "adult")
    entries, report = parse(tmp_path, None, None)
    assert {(e.category, e.kind, e.value, e.allow) for e in entries} == {
        ("sexual", "domain", "porn.example", False), ("sexual", "url", "example.org/adult", False),
        ("gambling", "domain", "casino.example", False), ("gambling", "expression", "(^|/)poker", False),
        ("allow:child", "domain", "kids.example", True), ("scam", "domain", "new.example", False)}
    assert report.skipped["unmapped UT1 category"] == 1
    only_gambling, _ = parse(tmp_path, "ut1", "gambling")
    assert {e.category for e in only_gambling} == {"gambling"}
    one_folder, _ = parse(tmp_path / "child", None, None)
    assert [e.value for e in one_folder] == ["kids.example"]
    with pytest.raises(ValueError, match="has no Salama category"):
        parse(tmp_path / "shopping", "ut1", None)
    remapped, _ = parse(tmp_path, "ut1", None, mapping={"shopping": "shopping"})
    assert ("shopping", "shop.example") in {(e.category, e.value) for e in remapped}


def test_category_mapping_and_names():
    assert map_category("adult") == "sexual" and map_category("drogue") == "drugs"
    assert {map_category(c) for c in ("vpn", "redirector", "doh")} == {"bypass"}
    assert map_category("agressif") == map_category("violence") == "violence"
    assert map_category("phishing") == map_category("malware") == "scam"
    assert map_category("child") == "allow:child" and map_category("sexual_education") == "allow:sexual_education"
    assert map_category("games") is None and map_category("games", {"games": "games"}) == "games"
    assert map_category("adult", {"adult": None}) is None
    assert all(v is None or v.islower() for v in UT1_CATEGORIES.values())
    assert check_category("allow:child") == "allow:child"
    with pytest.raises(ValueError):
        check_category("Not A Category")


def test_flat_lists_need_a_category(tmp_path):
    with pytest.raises(ValueError, match="needs a category"):
        parse(write(tmp_path, "x.txt", "example.com\n"), "domains", None)
    with pytest.raises(ValueError, match="unknown list format"):
        parse(write(tmp_path, "y.txt", "example.com\n"), "csv")


def test_format_detection(tmp_path):
    assert detect_format(write(tmp_path, "a.txt", "0.0.0.0 a.example\n0.0.0.0 b.example\n")) == "hosts"
    assert detect_format(write(tmp_path, "b.txt", "! title\n||a.example^\n")) == "adblock"
    assert detect_format(write(tmp_path, "c.txt", "a.example/x\nb.example/y\n")) == "urls"
    assert detect_format(write(tmp_path, "d.txt", "a.example\nb.example\n")) == "domains"
    assert detect_format(write(tmp_path, "expressions", "porn\n")) == "expressions"
    assert detect_format(tmp_path) == "ut1"


def test_path_prefixes_stop_at_segment_boundaries():
    assert path_prefixes("/A/b/c.html") == ["/a", "/a/b", "/a/b/c.html"]
    assert path_prefixes("/a/") == ["/a"]
    assert path_prefixes("/") == []


def test_default_lists_parse_cleanly():
    report = ParseReport()
    entries = list(default_list_entries(report))
    assert report.error_count == 0
    categories = {e.category for e in entries}
    assert {"sexual", "gambling", "bypass", "scam"} <= categories
    assert sum(e.category == "bypass" for e in entries) >= 30


# ---------------------------------------------------------------- the real lists


@needs_datasets
def test_real_ut1_tree():
    entries, report = parse(DATASETS / "ut1-blacklists", None, None)
    counts = report.entries
    assert counts["gambling"] > 30_000 and counts["bypass"] > 100_000 and counts["scam"] > 200_000
    assert counts["allow:child"] > 50
    assert report.error_count < 10  # the long strong_redirector expression, refused
    assert any(e.kind == "url" for e in entries) and any(e.kind == "expression" for e in entries)


@needs_datasets
@pytest.mark.parametrize(
    "relative, minimum",
    [("blocklistproject/drugs.txt", 20_000), ("blocklistproject/scam.txt", 5_000),
     ("porn-domain-lists/sinfonietta/pornography-hosts", 50_000), ("porn-domain-lists/4skinskywalker/HOSTS.txt", 80_000)],
)
def test_real_hosts_files(relative, minimum):
    path = DATASETS / relative
    assert detect_format(path) == "hosts"
    entries, report = parse(path, None)
    assert len(entries) >= minimum
    assert report.error_count <= len(entries) // 1000


@needs_datasets
def test_real_domain_and_url_files():
    domains, report = parse(DATASETS / "ut1-blacklists" / "gambling" / "domains", None, "gambling")
    assert len(domains) > 30_000 and report.error_count < 50
    urls, report = parse(DATASETS / "ut1-blacklists" / "phishing" / "urls", None, "scam")
    assert len(urls) > 15_000 and any(e.kind == "url" for e in urls)
