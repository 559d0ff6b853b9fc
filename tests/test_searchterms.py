"""Search terms out of search pages, autocomplete calls and JSON search requests."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.searchterms import MAX_TERMS_CHARS, SearchTerms, extract_search


@pytest.mark.parametrize(
    "host, path, query, expected",
    [
        ("www.google.co.ma", "/search", "q=comment+se+suicider&safe=off", SearchTerms("google", "comment se suicider")),
        ("www.google.fr", "/search", "q=%D8%A7%D9%86%D8%AA%D8%AD%D8%A7%D8%B1&tbm=isch", SearchTerms("google", "انتحار")),
        ("www.google.com", "/complete/search", "q=se%20tu&client=gws-wiz", SearchTerms("google", "se tu", True)),
        ("clients1.google.com", "/complete/search", "q=abc", SearchTerms("google", "abc", True)),
        ("suggestqueries.google.com", "/complete/search", "client=youtube&ds=yt&q=tuto", SearchTerms("youtube", "tuto", True)),
        ("www.youtube.com", "/results", "search_query=kifach+n9tel+rasi", SearchTerms("youtube", "kifach n9tel rasi")),
        ("m.youtube.com", "/results", "search_query=x%2By", SearchTerms("youtube", "x+y")),
        ("suggestqueries-clients6.youtube.com", "/complete/search", "q=mus", SearchTerms("youtube", "mus", True)),
        ("www.bing.com", "/search", "q=drogue&form=QBLH", SearchTerms("bing", "drogue")),
        ("www.bing.com", "/images/search", "q=x", SearchTerms("bing", "x")),
        ("www.bing.com", "/AS/Suggestions", "qry=dro&cvid=1", SearchTerms("bing", "dro", True)),
        ("duckduckgo.com", "/", "q=casino+en+ligne&ia=web", SearchTerms("duckduckgo", "casino en ligne")),
        ("links.duckduckgo.com", "/d.js", "q=abc&kl=fr-fr", SearchTerms("duckduckgo", "abc")),
        ("duckduckgo.com", "/ac/", "q=ab", SearchTerms("duckduckgo", "ab", True)),
        ("yandex.ru", "/search/", "text=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82", SearchTerms("yandex", "привет")),
        ("yandex.com", "/suggest/suggest-ya.cgi", "part=pri", SearchTerms("yandex", "pri", True)),
        ("www.ecosia.org", "/search", "q=arbres", SearchTerms("ecosia", "arbres")),
        ("ac.ecosia.org", "/autocomplete", "q=arb", SearchTerms("ecosia", "arb", True)),
        ("www.qwant.com", "/", "q=pari+sportif&t=web", SearchTerms("qwant", "pari sportif")),
        ("api.qwant.com", "/v3/search/web", "q=x&count=10", SearchTerms("qwant", "x")),
        ("api.qwant.com", "/v3/suggest", "q=pa", SearchTerms("qwant", "pa", True)),
        ("search.brave.com", "/search", "q=hello&source=web", SearchTerms("brave", "hello")),
        ("search.brave.com", "/api/suggest", "q=hel", SearchTerms("brave", "hel", True)),
        ("fr.wikipedia.org", "/w/index.php", "search=automutilation&title=Sp%C3%A9cial%3ARecherche", SearchTerms("wikipedia", "automutilation")),
        ("ar.wikipedia.org", "/wiki/%D8%AE%D8%A7%D8%B5:%D8%A8%D8%AD%D8%AB", "search=x", SearchTerms("wikipedia", "x")),
        ("fr.m.wikipedia.org", "/w/api.php", "action=opensearch&search=sui", SearchTerms("wikipedia", "sui", True)),
        ("en.wikipedia.org", "/w/api.php", "action=query&list=search&srsearch=self+harm", SearchTerms("wikipedia", "self harm")),
        ("fr.wikipedia.org", "/w/rest.php/v1/search/title", "q=aut&limit=10", SearchTerms("wikipedia", "aut", True)),
    ],
)
def test_search_terms_from_the_url(host, path, query, expected):
    assert extract_search("GET", host, path, query) == expected


@pytest.mark.parametrize(
    "host, path, query",
    [
        ("www.google.com", "/maps", "q=paris"),
        ("www.google.com", "/search", ""),
        ("www.google.com", "/search", "q=+++"),
        ("example.com", "/search", "q=x"),
        ("www.youtube.com", "/watch", "v=abc"),
        ("fr.wikipedia.org", "/wiki/Maroc", ""),
        ("google.evil.example", "/search", "q=x"),
    ],
)
def test_other_requests_are_not_searches(host, path, query):
    assert extract_search("GET", host, path, query) is None


def test_youtube_in_page_search_reads_the_json_body():
    body = json.dumps({"context": {"client": {"hl": "fr"}}, "query": "comment  maigrir\tvite"}).encode()
    assert extract_search("POST", "www.youtube.com", "/youtubei/v1/search", "prettyPrint=false", body, "application/json") == SearchTerms(
        "youtube", "comment maigrir vite"
    )
    assert extract_search("POST", "youtubei.googleapis.com", "/youtubei/v1/search", "", body.decode(), "application/json").terms == "comment maigrir vite"


@pytest.mark.parametrize("body", [b"{broken", b"[1, 2]", b'{"query": 5}', b"", None, b"\xff\xfe" * 10, b'{"query": "x"' + b" " * 70000 + b"}"])
def test_bad_json_bodies_give_nothing(body):
    assert extract_search("POST", "www.youtube.com", "/youtubei/v1/search", "", body, "application/json") is None


def test_duckduckgo_html_posts_a_form():
    found = extract_search("POST", "html.duckduckgo.com", "/html/", "", b"q=drogue+achat&b=&kl=", "application/x-www-form-urlencoded")
    assert found == SearchTerms("duckduckgo", "drogue achat")


def test_long_terms_are_cut():
    assert len(extract_search("GET", "www.bing.com", "/search", "q=" + "a" * 5000).terms) == MAX_TERMS_CHARS


@given(
    method=st.sampled_from(["GET", "POST", "get", "CONNECT", ""]),
    host=st.one_of(st.text(max_size=30), st.sampled_from(["www.google.com", "www.youtube.com", "fr.wikipedia.org", "duckduckgo.com"])),
    path=st.one_of(st.text(max_size=30), st.sampled_from(["/search", "/youtubei/v1/search", "/w/index.php", "/html/"])),
    query=st.text(max_size=60),
    body=st.one_of(st.none(), st.binary(max_size=80), st.text(max_size=80)),
    content_type=st.one_of(st.none(), st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"])),
)
def test_extraction_never_raises(method, host, path, query, body, content_type):
    result = extract_search(method, host, path, query, body, content_type)
    assert result is None or (result.terms and result.terms == result.terms.strip())
