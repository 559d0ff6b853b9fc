"""Fuzz targets (hypothesis) for the URL normaliser and each list parser,
beyond the properties in tests/test_urlnorm.py and tests/test_listformats.py:
arbitrary input never raises, and what comes out is usable by the index."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.blocklist_index import BlocklistIndex
from rules.listformats import ParseReport, parse_source
from rules.urlnorm import normalize_url

URLISH = st.one_of(
    st.text(max_size=300),
    st.builds(lambda s, h, p: f"{s}://{h}/{p}", st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
              st.text(max_size=60), st.text(max_size=120)),
)
LINES = st.lists(st.text(max_size=120).map(lambda t: t.replace("\n", " ").replace("\r", " ")), max_size=30)


@settings(max_examples=300, deadline=None)
@given(URLISH)
def test_normalize_url_never_raises_and_is_stable(url):
    once = normalize_url(url)
    assert isinstance(once.host, str)
    if once.host:
        assert normalize_url(once.url).host == once.host
        once.embedded_urls()
        once.host_chain()


@settings(max_examples=150, deadline=None)
@given(URLISH)
def test_index_match_never_raises(url):
    BlocklistIndex.build().match(url)



@pytest.mark.parametrize("fmt", ["domains", "hosts", "urls", "expressions", "adblock"])
@settings(max_examples=60, deadline=None)
@given(lines=LINES)
def test_list_parsers_never_raise_and_feed_the_index(tmp_path_factory, fmt, lines):
    path = tmp_path_factory.mktemp("fuzz") / f"list.{fmt}"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    entries = list(parse_source(path, fmt, "scam", ParseReport()))
    index = BlocklistIndex.build([("fuzz", entries)], include_defaults=False)
    for entry in entries:
        if entry.kind == "domain":
            assert index.match(f"http://{entry.value}/") is not None
