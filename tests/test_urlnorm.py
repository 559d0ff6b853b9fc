"""URL normalisation: canonical forms, evasions, embedded URLs, and properties on arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.urlnorm import EMPTY, NormalizedURL, domain_chain, normalize_host, normalize_url


@pytest.mark.parametrize(
    "written",
    [
        "http://example.com/",
        "HTTP://EXAMPLE.COM/",
        "http://example.com./",
        "http://www.example.com/",
        "http://WWW2.Example.Com.:80/",
        "http://user@example.com/",
        "http://user:secret@example.com:80/",
        "http://%65%78ample.com/",
        "example.com",
        "//example.com",
        "http:example.com",
        "http:\\\\example.com\\",
        "  http://example.com/\t",
        "http://ex\tample.com/",
        "http://ｅｘａｍｐｌｅ。com/",
    ],
)
def test_spellings_of_one_host_normalise_alike(written):
    assert normalize_url(written).host == "example.com"


@pytest.mark.parametrize(
    "written",
    ["http://127.0.0.1/", "http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/",
     "http://0177.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://%31%32%37.0.0.1/"],
)
def test_ipv4_forms_normalise_to_dotted_decimal(written):
    nurl = normalize_url(written)
    assert (nurl.host, nurl.is_ip) == ("127.0.0.1", True)
    assert nurl.host_chain() == ("127.0.0.1",)


def test_ipv6_is_compressed_and_bracketed_in_the_url():
    nurl = normalize_url("http://[2001:DB8:0:0::1]:8080/x")
    assert (nurl.host, nurl.port, nurl.is_ip) == ("2001:db8::1", 8080, True)
    assert nurl.url == "http://[2001:db8::1]:8080/x"


def test_idn_unicode_and_punycode_are_one_host():
    assert normalize_url("http://BÜCHER.de/").host == normalize_url("http://xn--bcher-kva.de/").host == "xn--bcher-kva.de"


@pytest.mark.parametrize(
    "raw, path",
    [
        ("/a//b/../c", "/a/c"),
        ("/a/./b/", "/a/b/"),
        ("/../../etc", "/etc"),
        ("/%2e%2e/x", "/x"),
        ("/a%2F%2Fb", "/a/b"),
        ("/%252e%252e/x", "/x"),
        ("/%25252525252541", "/A"),
        ("", "/"),
    ],
)
def test_paths_are_decoded_and_resolved(raw, path):
    assert normalize_url(f"http://example.com{raw}").path == path


def test_default_ports_vanish_other_ports_stay():
    assert normalize_url("https://example.com:443/").port is None
    assert normalize_url("https://example.com:8443/").port == 8443


@pytest.mark.parametrize("garbage", ["", "   ", "mailto:someone@example.com", "javascript:alert(1)", "http://", "http://exa mple.com/",
                                     "http://example.com:99999/", "http://1.2.3.4.5/", "http://[zz::1]/", "http://[fe80::1%25eth0]/", "::%]", "\x00\x01"])
def test_garbage_gives_an_empty_host(garbage):
    assert normalize_url(garbage).host == ""


def test_non_strings_are_garbage_too():
    assert normalize_url(None) is EMPTY  # type: ignore[arg-type]


def test_host_chain_lists_parents_without_the_bare_tld():
    assert normalize_url("http://a.b.example.co.uk/").host_chain() == (
        "a.b.example.co.uk", "b.example.co.uk", "example.co.uk", "co.uk")
    assert domain_chain("example.com") == ("example.com",)
    assert normalize_url("http://localhost/").host_chain() == ("localhost",)


def test_normalize_host_is_the_list_side_of_the_same_rules():
    assert normalize_host("WWW.Example.COM.") == "example.com"
    assert normalize_host("bücher.de") == "xn--bcher-kva.de"
    assert normalize_host("www.com") == "www.com"
    assert normalize_host("exa mple.com") == ""


@pytest.mark.parametrize(
    "outer, inner_host",
    [
        ("https://www-example-com.translate.goog/page?_x_tr_sl=auto&_x_tr_tl=fr", "example.com"),
        ("https://my--site-example-org.translate.goog/", "my-site.example.org"),
        ("https://webcache.googleusercontent.com/search?q=cache:Ab12Cd34Ef56:example.com/page+words", "example.com"),
        ("https://webcache.googleusercontent.com/search?q=cache:https://example.com/", "example.com"),
        ("https://redirect.example.net/?url=https%3A%2F%2Fexample.com%2Fx", "example.com"),
        ("https://redirect.example.net/out?u=example.com", "example.com"),
        ("https://search.example.net/?q=http://example.com/", "example.com"),
        ("https://t.example.net/?target=//example.com/", "example.com"),
        ("https://proxy.example.net/browse/https://example.com/a", "example.com"),
        ("https://example-com.cdn.ampproject.org/c/s/example.com/amp", "example.com"),
    ],
)
def test_embedded_urls_are_found(outer, inner_host):
    assert inner_host in [inner.host for inner in normalize_url(outer).embedded_urls()]


def test_embedding_is_followed_to_a_bounded_depth():
    url = "http://example.com/x"
    for n in range(10):
        url = f"http://r{n}.example.net/?url={url}"
    found = normalize_url(url).embedded_urls()
    assert 0 < len(found) <= 3
    assert normalize_url("http://example.com/page?id=3&lang=fr").embedded_urls() == ()


def test_the_canonical_url_parses_back_to_itself():
    nurl = normalize_url("HTTP://User@WWW.Example.COM.:8080/a//b/../%7Ec?q=1#frag")
    assert nurl.url == "http://example.com:8080/a/~c?q=1"
    assert normalize_url(nurl.url) == nurl
    assert isinstance(nurl, NormalizedURL)


_url_parts = st.lists(
    st.sampled_from(["http://", "https://", "HTTP:", "//", "www.", "WWW.", "user@", ":80", ":8080", ".", "..", "/", "//",
                     "%2e", "%2F", "%25", "%", "?", "#", "&url=", "q=", "cache:", "xn--", "ü", "。", "0x7f", "0177", "127",
                     "1", "[", "]", "::", "ffff:", "-", "translate.goog", "example", "com", "\\", " ", "\t", "\x00", "@"]),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), _url_parts))
def test_normalisation_never_raises_and_is_idempotent(text):
    nurl = normalize_url(text)
    assert normalize_url(nurl.url) == nurl
    nurl.host_chain()
    for inner in nurl.embedded_urls():
        assert normalize_url(inner.url) == inner


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), _url_parts))
def test_host_normalisation_is_idempotent(text):
    host = normalize_host(text)
    assert normalize_host(host) == host


# Clean-looking URLs, the fast path's domain, with the traps it must hand to the general parser.
_label = st.sampled_from(["a", "b1", "www", "www2", "0x1f", "127", "0", "x-y", "_s", "xn--bcher-kva", "com"])
_plain_looking = st.builds(
    lambda scheme, labels, port, path, tail: f"{scheme}://{'.'.join(labels)}{port}{path}{tail}",
    st.sampled_from(["http", "https"]),
    st.lists(_label, min_size=2, max_size=4),
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":"]),
    st.lists(st.sampled_from(["/", "//", "/.", "/..", "/a", "/B", "~", "@", ":", "%", "."]), max_size=5).map("".join),
    st.sampled_from(["", "?q=1", "?", "?a=b&c", "#f", "?q#f", "?<x>"]),
)


@settings(max_examples=400, deadline=None)
@given(_plain_looking)
def test_the_fast_path_agrees_with_the_general_parser(text):
    from rules import urlnorm

    try:
        general = urlnorm._parse(text)
    except (ValueError, UnicodeError):
        general = EMPTY
    assert normalize_url(text) == general


@pytest.mark.parametrize("url", ["http://a.b/", "https://x.example:8443/p?q=1#f", "http://www.x.example/",
                                 "http://x.example:443/", "http://x.example.0x1f/", "http://x.9/", "http://x.example/a/./b",
                                 "http://x.example//b", "http://x.example:99999/", "http://x.example"])
def test_the_fast_path_agrees_on_its_edges(url):
    from rules import urlnorm

    assert normalize_url(url) == urlnorm._parse(url)
