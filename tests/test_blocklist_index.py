"""The compiled index: matching rules, evasions, categories, allow rules, files and reloading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.blocklist_index import BlocklistIndex, IndexFormatError, ListMatch
from rules.listformats import Entry, ParseReport, parse_source
from rules.urlnorm import normalize_url

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "blocklists"

RULES = [
    Entry("domain", "blocked.example", "sexual", False),
    Entry("domain", "allowed.blocked.example", "sexual", True),
    Entry("domain", "casino.example", "gambling", False),
    Entry("domain", "93.184.216.34", "sexual", False),
    Entry("domain", "2001:db8::1", "sexual", False),
    Entry("domain", "xn--bcher-kva.de", "sexual", False),
    Entry("domain", "kids.example", "allow:child", True),
    Entry("domain", "kids.casino.example", "allow:child", True),
    Entry("url", "video.example/watch/bad", "violence", False),
    Entry("url", "video.example/search?q=gore", "violence", False),
    Entry("expression", "(^|[-./])free[-_]?robux", "scam", False),
    Entry("expression", "vpn-unblock", "bypass", False),
]


@pytest.fixture(scope="module")
def index() -> BlocklistIndex:
    return BlocklistIndex.build([("test", RULES)], include_defaults=False)


def verdict(index: BlocklistIndex, url: str, categories=None) -> tuple | None:
    match = index.match(url, categories)
    return None if match is None else (match.category, match.rule, match.allow)


# Every way of writing a listed address that the issue names: each must be blocked.
EVASIONS = [
    "http://blocked.example/",
    "http://BLOCKED.EXAMPLE/",
    "http://Blocked.Example./",
    "http://blocked.example../page",
    "http://www.blocked.example/",
    "http://WWW3.blocked.example/",
    "http://blocked.example:8080/",
    "https://blocked.example:443/",
    "http://user@blocked.example/",
    "http://user:password@blocked.example/",
    "http://trusted.example@blocked.example/",
    "http://%62%6c%6f%63%6b%65%64.example/",
    "http://blocked%2Eexample/",
    "http://a.b.c.blocked.example/",
    "http://ｂｌｏｃｋｅｄ．example/",
    "http://bücher.de/",
    "http://BÜCHER.DE/",
    "http://xn--bcher-kva.de/",
    "http://93.184.216.34/",
    "http://1572395042/",
    "http://0x5db8d822/",
    "http://0x5d.0xb8.0xd8.0x22/",
    "http://0135.0270.0330.042/",
    "http://93.12113954/",
    "http://[::ffff:93.184.216.34]/",
    "http://[2001:DB8:0:0:0:0:0:1]/",
    "http://[2001:db8::1]:8443/x",
    "blocked.example/path",
    "//blocked.example/",
    "http:\\\\blocked.example\\",
    "http://video.example/watch/bad",
    "http://video.example//watch//bad/",
    "http://video.example/watch/./bad/clip",
    "http://video.example/watch/x/../bad",
    "http://video.example/%77atch/%62ad",
    "http://video.example/watch/%2e%2e/watch/bad",
    "http://WWW.VIDEO.EXAMPLE/WATCH/BAD",
    "http://video.example/search?q=gore",
    "https://blocked-example.translate.goog/page?_x_tr_sl=en&_x_tr_tl=fr",
    "https://www-blocked-example.translate.goog/",
    "https://webcache.googleusercontent.com/search?q=cache:AbCdEf123456:blocked.example/page+words",
    "https://webcache.googleusercontent.com/search?q=cache:http://blocked.example/",
    "https://redirect.test/?url=http%3A%2F%2Fblocked.example%2F",
    "https://redirect.test/out?u=blocked.example",
    "https://search.test/?q=https://blocked.example/",
    "https://go.test/?target=//blocked.example/x",
    "https://go.test/?next=http%253A%252F%252Fblocked.example",
    "https://proxy.test/browse.php?u=https://www.blocked.example/",
    "https://proxy.test/https://blocked.example/",
    "https://a.test/?url=https%3A%2F%2Fb.test%2F%3Furl%3Dhttps%253A%252F%252Fblocked.example",
    "https://blocked-example.cdn.ampproject.org/c/s/blocked.example/amp",
    "http://free-robux.test/",
    "http://games.test/FREE_ROBUX",
]


@pytest.mark.parametrize("url", EVASIONS)
def test_every_evasion_is_blocked(index, url):
    match = index.match(url)
    assert match is not None and not match.allow, f"{url} got through"


@pytest.mark.parametrize(
    "url", ["http://example.com/", "http://notblocked.example/", "http://blocked.example.com/", "http://video.example/watch",
            "http://video.example/watch/badge", "http://video.example/search?q=news", "http://robux.test/", ""],
)
def test_unlisted_addresses_pass(index, url):
    assert index.match(url) is None


def test_parent_domains_match_and_the_rule_says_which(index):
    assert verdict(index, "http://x.y.blocked.example/") == ("sexual", "blocked.example", False)
    assert verdict(index, "http://video.example/watch/bad/1") == ("violence", "video.example/watch/bad", False)
    assert verdict(index, "http://free-robux.test/")[1] == "(^|[-./])free[-_]?robux"


def test_allow_rules_beat_deny_rules(index):
    assert verdict(index, "http://allowed.blocked.example/") == ("sexual", "allowed.blocked.example", True)
    assert verdict(index, "http://sub.allowed.blocked.example/x") == ("sexual", "allowed.blocked.example", True)


def test_a_wrapped_url_is_checked_even_inside_an_allowed_one(index):
    match = index.match("http://allowed.blocked.example/?url=http://casino.example/")
    assert (match.category, match.allow, match.url) == ("gambling", False, "http://casino.example/")


def test_categories_restrict_what_counts(index):
    assert index.match("http://casino.example/", {"sexual"}) is None
    assert verdict(index, "http://casino.example/", {"gambling"}) == ("gambling", "casino.example", False)
    assert index.match("http://vpn-unblock.test/", ["sexual"]) is None


def test_allow_lists_are_opt_in(index):
    assert index.match("http://kids.example/") is None
    assert verdict(index, "http://kids.example/", {"allow:child"}) == ("allow:child", "kids.example", True)
    assert verdict(index, "http://kids.casino.example/") == ("gambling", "casino.example", False)
    assert index.match("http://kids.casino.example/", {"gambling", "allow:child"}).allow


def test_normalized_urls_are_accepted_directly(index):
    assert index.match(normalize_url("http://WWW.Blocked.Example/")).rule == "blocked.example"
    assert isinstance(index.match("http://blocked.example/"), ListMatch)


def test_default_lists_are_always_in(tmp_path):
    index = BlocklistIndex.build()
    assert index.match("https://www.pornhub.com/view").source == "salama-default"
    assert index.match("https://dns.google/dns-query").category == "bypass"
    assert index.match("https://1.1.1.1/dns-query").category == "bypass"
    assert index.match("https://example.com/") is None
    assert BlocklistIndex.empty().match("https://www.pornhub.com/") is None


def test_save_and_load_give_the_same_answers(index, tmp_path):
    path = tmp_path / "index.bin"
    index.save(path)
    loaded = BlocklistIndex.load(path)
    assert len(loaded) == len(index)
    for url in EVASIONS[:12] + ["http://example.com/", "http://kids.example/"]:
        assert verdict(loaded, url) == verdict(index, url)
    assert loaded.info["sources"]["test"]["sexual"] == 5
    assert not list(tmp_path.glob(".*.tmp"))


def test_damaged_files_are_refused_clearly(index, tmp_path):
    path = tmp_path / "index.bin"
    index.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexFormatError, match="truncated|damaged"):
        BlocklistIndex.load(path)
    path.write_bytes(b"not an index at all")
    with pytest.raises(IndexFormatError, match="not a Salama blocklist index"):
        BlocklistIndex.load(path)


def test_reload_if_changed_swaps_in_a_new_file(tmp_path):
    path = tmp_path / "index.bin"
    BlocklistIndex.build([("one", [Entry("domain", "first.example", "sexual", False)])], include_defaults=False).save(path)
    running = BlocklistIndex.load(path)
    assert running.reload_if_changed() is False
    assert running.match("http://first.example/") is not None
    BlocklistIndex.build([("two", [Entry("domain", "second.example", "gambling", False)])], include_defaults=False).save(path)
    assert running.reload_if_changed() is True
    assert running.match("http://first.example/") is None
    assert running.match("http://second.example/").category == "gambling"
    assert running.reload_if_changed() is False


def test_a_damaged_new_file_keeps_the_rules_in_force(tmp_path):
    path = tmp_path / "index.bin"
    BlocklistIndex.build([("one", [Entry("domain", "first.example", "sexual", False)])], include_defaults=False).save(path)
    running = BlocklistIndex.load(path)
    broken = tmp_path / "broken"
    broken.write_bytes(b"SALAMAIX garbage")
    os.replace(broken, path)
    assert running.reload_if_changed() is False
    assert "not a Salama blocklist index" in running.last_error or "damaged" in running.last_error
    assert running.match("http://first.example/") is not None


def test_open_falls_back_to_the_defaults_then_picks_up_the_file(tmp_path):
    path = tmp_path / "lists" / "index.bin"
    running = BlocklistIndex.open(path)
    assert running.match("https://pornhub.com/") is not None
    BlocklistIndex.build([("mine", [Entry("domain", "mine.example", "sexual", False)])]).save(path)
    assert running.reload_if_changed() is True
    assert running.match("http://mine.example/").source == "mine"


@pytest.mark.skipif(not DATASETS.is_dir(), reason=f"real blocklists not available: {DATASETS} is absent")
def test_real_lists_compile_and_match(tmp_path):
    report = ParseReport()
    sources = [
        ("ut1", parse_source(DATASETS / "ut1-blacklists", None, None, report)),
        ("blp-drugs", parse_source(DATASETS / "blocklistproject" / "drugs.txt", None, "drugs", report)),
    ]
    index = BlocklistIndex.build(sources)
    index.save(tmp_path / "index.bin")
    loaded = BlocklistIndex.load(tmp_path / "index.bin")
    assert loaded.match("http://www.0-casino.info/").category == "gambling"
    assert loaded.match("http://001kanpou.com/").category == "drugs"
    assert loaded.match("http://sub.0-casino.info/").rule == "0-casino.info"
    assert loaded.match("https://www-0--casino-info.translate.goog/").category == "gambling"
    assert loaded.match("https://2jr.org/", {"allow:child"}).allow


def test_the_engine_imports_neither_mitmproxy_nor_flask():
    code = ("import sys, rules.urlnorm, rules.listformats, rules.blocklist_index, rules.blocklist_sources; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mitmproxy', 'flask')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_url_rules_with_a_query_on_the_root_path():
    index = BlocklistIndex.build([("t", [Entry("url", "search.example?q=gore", "violence", False)])], include_defaults=False)
    assert index.match("https://search.example/?q=GORE").rule == "search.example?q=gore"
    assert index.match("https://search.example/?q=news") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_matching_never_raises_on_arbitrary_input(index, text):
    for url in (text, f"http://{text}", f"http://blocked.example/?url={text}"):
        index.match(url)


def test_the_hash_table_finds_every_key_and_only_those(tmp_path):
    # Many names in a small table: keys pushed past their home slot, long runs, the table's end.
    listed = [f"site{n}.example" for n in range(3000)]
    entries = [Entry("domain", name, "sexual", False) for name in listed]
    entries += [Entry("domain", "site7.example", "gambling", False), Entry("domain", "site7.example", "allow:x", True)]
    built = BlocklistIndex.build([("many", entries)], include_defaults=False)
    path = tmp_path / "index.bin"
    built.save(path)
    for index in (built, BlocklistIndex.load(path)):
        assert len(index) == 3002
        assert all(index.match(f"http://www.{name}/x").rule == name for name in listed)
        assert all(index.match(f"http://site{n}.example.org/") is None for n in range(3000))
        assert index.match("http://site7.example/", {"gambling"}).category == "gambling"
        assert index.match("http://site7.example/", {"sexual", "allow:x"}).allow


def test_parent_domains_come_from_one_host_encoding():
    index = BlocklistIndex.build([("t", [Entry("domain", "b.example.co.uk", "sexual", False),
                                         Entry("domain", "example.co.uk", "gambling", False),
                                         Entry("domain", "xn--bcher-kva.example", "drugs", False)])],
                                 include_defaults=False)
    hits, _ = index._tables.host_hits("a.b.example.co.uk", False)
    assert [rule for _, rule in hits] == ["b.example.co.uk", "example.co.uk"]
    assert index.match("http://a.B\u00fccher.example/").rule == "xn--bcher-kva.example"
    assert index.match("http://co.uk/") is None  # a bare suffix is never looked up as a parent
    assert index.match("http://b.example.co.uk.evil.test/") is None


def test_a_table_without_its_end_marker_is_refused(index, tmp_path):
    path = tmp_path / "index.bin"
    index.save(path)
    data = bytearray(path.read_bytes())
    keys_end = data.rindex(b"\xff" * 8)  # the last slot, always EMPTY, just before the tags
    data[keys_end : keys_end + 8] = b"\0" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFormatError, match="damaged"):
        BlocklistIndex.load(path)


def test_every_build_draws_its_own_secret_key_parameters(tmp_path):
    # Without the file nobody can craft a name whose key equals an (allow) rule's.
    one, two = (BlocklistIndex.build([("t", RULES)], include_defaults=False) for _ in range(2))
    assert (one._tables.prime, one._tables.multiplier) != (two._tables.prime, two._tables.multiplier)
    path = tmp_path / "index.bin"
    one.save(path)
    loaded = BlocklistIndex.load(path)
    assert (loaded._tables.prime, loaded._tables.multiplier) == (one._tables.prime, one._tables.multiplier)
    for url in EVASIONS + ["http://example.com/", "http://kids.example/"]:
        assert verdict(loaded, url) == verdict(two, url)


def test_key_primes_are_primes():
    from rules.blocklist_index import _is_prime

    assert [n for n in range(60) if _is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59]
    assert _is_prime(2**61 - 1) and _is_prime(2**64 - 59)
    assert not any(_is_prime(n) for n in (561, 3215031751, 2**64 - 1, (2**32 - 5) * (2**32 - 17)))
