"""Search terms: what a child typed into a search engine, YouTube or Wikipedia.

`extract_search()` recognises the result pages and the in-page endpoints
(autocomplete, JSON/AJAX search) of Google, Bing, DuckDuckGo, Yandex,
Ecosia, Qwant, Brave, YouTube and Wikipedia, and returns the decoded terms
(percent-encoding and `+` undone) with the engine's name.  The proxy hands
the terms to the model, so a self-harm search can lead to the supportive
page rather than to results.  Autocomplete requests carry what has been
typed so far, keystroke by keystroke: they are flagged `suggestion` so that
the caller can act on them without alerting parents once per keystroke.

It never raises: odd encodings, broken JSON and huge bodies give None.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from rules.safesearch import engine_for_host

#: Longest body read for terms (search forms and JSON requests are small).
MAX_BODY_BYTES = 64 * 1024
#: Longest terms returned; longer queries are cut (no engine accepts much more).
MAX_TERMS_CHARS = 512

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchTerms:
    engine: str
    terms: str
    suggestion: bool = False  # an autocomplete request: possibly a partial word


@dataclass(frozen=True)
class _Endpoint:
    engine: str
    hosts: re.Pattern | None  # None: the engine's search hosts (`engine_for_host`)
    paths: re.Pattern
    params: tuple[str, ...] = ()  # query (or form) parameters holding the terms
    json_key: str | None = None  # top-level key of a JSON body holding the terms
    suggestion: bool = False


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


_ENDPOINTS: tuple[_Endpoint, ...] = (
    _Endpoint("google", None, _rx(r"/(?:search|webhp)?/?"), ("q",)),
    _Endpoint("google", None, _rx(r"/complete/search/?"), ("q",), suggestion=True),
    _Endpoint("google", _rx(r"(?:clients\d*|suggestqueries)\.google\.com"), _rx(r"/complete/search/?"), ("q",), suggestion=True),
    _Endpoint("youtube", None, _rx(r"/results/?"), ("search_query", "q")),
    _Endpoint("youtube", None, _rx(r"/youtubei/v1/search/?"), json_key="query"),
    _Endpoint("youtube", _rx(r"suggestqueries-clients6\.youtube\.com"), _rx(r"/complete/search/?"), ("q",), suggestion=True),
    _Endpoint("bing", None, _rx(r"/(?:(?:images|videos|news)/)?search/?"), ("q",)),
    _Endpoint("bing", None, _rx(r"/AS/Suggestions/?"), ("qry", "q"), suggestion=True),
    _Endpoint("duckduckgo", None, _rx(r"/(?:html|lite)?/?|/(?:d|i|v|news)\.js"), ("q",)),
    _Endpoint("duckduckgo", None, _rx(r"/ac/?"), ("q",), suggestion=True),
    _Endpoint("yandex", None, _rx(r"/(?:(?:images|video)/)?search/?"), ("text",)),
    _Endpoint("yandex", None, _rx(r"/suggest/.*"), ("part",), suggestion=True),
    _Endpoint("yandex", _rx(r"suggest\.yandex\.[a-z.]+"), _rx(r"/.*"), ("part",), suggestion=True),
    _Endpoint("ecosia", _rx(r"(?:www\.)?ecosia\.org"), _rx(r"/(?:search|images|videos|news)/?"), ("q",)),
    _Endpoint("ecosia", _rx(r"ac\.ecosia\.org"), _rx(r"/.*"), ("q",), suggestion=True),
    _Endpoint("qwant", None, _rx(r"/?|/search/?|/v3/search/.*"), ("q",)),
    _Endpoint("qwant", None, _rx(r"/v3/suggest/?"), ("q",), suggestion=True),
    _Endpoint("brave", None, _rx(r"/(?:search|images|videos|news|goggles)/?"), ("q",)),
    _Endpoint("brave", None, _rx(r"/api/suggest/?"), ("q",), suggestion=True),
    _Endpoint("wikipedia", _rx(r"(?:[a-z0-9-]+\.)*wikipedia\.org"), _rx(r"/w/api\.php"), ("srsearch",)),
    _Endpoint("wikipedia", _rx(r"(?:[a-z0-9-]+\.)*wikipedia\.org"), _rx(r"/w/api\.php"), ("search",), suggestion=True),
    _Endpoint("wikipedia", _rx(r"(?:[a-z0-9-]+\.)*wikipedia\.org"), _rx(r"/w/rest\.php/v1/search/title"), ("q",), suggestion=True),
    _Endpoint("wikipedia", _rx(r"(?:[a-z0-9-]+\.)*wikipedia\.org"), _rx(r"/w/rest\.php/v1/search/page"), ("q",)),
    _Endpoint("wikipedia", _rx(r"(?:[a-z0-9-]+\.)*wikipedia\.org"), _rx(r"/.*"), ("search",)),
)


def extract_search(
    method: str,
    host: str,
    path: str,
    query: str = "",
    body: bytes | str | None = None,
    content_type: str | None = None,
) -> SearchTerms | None:
    """The engine and decoded terms of a search request, or None when it is not one."""
    try:
        return _extract(method.upper(), (host or "").lower().rstrip("."), path or "/", query or "", body, content_type or "")
    except (ValueError, TypeError, UnicodeError, RecursionError, AttributeError):
        return None


def _extract(method: str, host: str, path: str, query: str, body, content_type: str) -> SearchTerms | None:
    engine = engine_for_host(host)
    for endpoint in _ENDPOINTS:
        on_host = endpoint.engine == engine if endpoint.hosts is None else endpoint.hosts.fullmatch(host)
        if not on_host or not endpoint.paths.fullmatch(path):
            continue
        terms = _terms(endpoint, method, query, body, content_type)
        if terms:
            return SearchTerms(_engine_name(endpoint.engine, query), terms, endpoint.suggestion)
    return None


def _engine_name(engine: str, query: str) -> str:
    """Google's suggestion service also answers YouTube's search box (`ds=yt` / `client=youtube`)."""
    if engine == "google" and ("ds=yt" in query or "client=youtube" in query):
        return "youtube"
    return engine


def _terms(endpoint: _Endpoint, method: str, query: str, body, content_type: str) -> str:
    if endpoint.json_key:
        return _clean(_json_value(body, endpoint.json_key)) if method == "POST" else ""
    found = _param(query, endpoint.params)
    if not found and method == "POST" and "x-www-form-urlencoded" in content_type.lower():
        found = _param(_text(body), endpoint.params)
    return _clean(found)


def _param(query: str, names: tuple[str, ...]) -> str:
    values = dict(parse_qsl(query, errors="replace"))  # undoes %XX and '+'
    for name in names:
        if values.get(name, "").strip():
            return values[name]
    return ""


def _json_value(body, key: str) -> str:
    text = _text(body)
    if not text:
        return ""
    data = json.loads(text)
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _text(body) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body if len(body) <= MAX_BODY_BYTES else ""
    return bytes(body).decode("utf-8", "replace") if len(body) <= MAX_BODY_BYTES else ""


def _clean(terms: str) -> str:
    return _SPACES.sub(" ", terms).strip()[:MAX_TERMS_CHARS]
