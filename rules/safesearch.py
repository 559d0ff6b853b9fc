"""Safe search: what to change in a request so a search engine filters its results.

Each profile sets a mode per engine (`safe_search:` in the policy):
`off`, `on` (for YouTube: `strict` or `moderate`) or `block` for an engine
that cannot be forced.  `safe_search_change()` is a pure function of the
request (method, host, path, query, headers) that says what to do:

- `set_params`: query parameters to set or replace (`apply_params()` does it),
- `set_headers`: headers to add or replace (a merged `Cookie`/`Prefer` too),
- `connect_to`: the engine's documented "lock" host to connect to instead,
  keeping the Host header and the TLS SNI (the same thing the engines'
  DNS instructions do, e.g. forcesafesearch.google.com),
- `block`: the profile blocks this engine.

The request is rewritten in place rather than redirected: the proxy already
holds it, so no round trip is needed and the child's own follow-up requests
(suggestions, the next page) are rewritten the same way.  A CONNECT without
TLS interception can only be sent to the lock host or blocked.  The
per-engine details and their sources are in docs/safe-search.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import unquote_plus

ENGINES: tuple[str, ...] = ("google", "bing", "duckduckgo", "yandex", "ecosia", "qwant", "brave", "youtube")
OFF, ON, BLOCK, STRICT, MODERATE = "off", "on", "block", "strict", "moderate"


@dataclass(frozen=True)
class _Forcing:
    """How one engine is forced at one level."""

    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    prefer_safe: bool = False  # RFC 8674 "Prefer: safe"
    lock_host: str | None = None


@dataclass(frozen=True)
class _Engine:
    name: str
    hosts: re.Pattern  # the engine's search hosts (full match, lower case)
    search_paths: re.Pattern  # paths whose query takes the parameters
    lock_hosts: re.Pattern | None  # hosts the engine says to send to its lock host
    levels: Mapping[str, _Forcing]  # mode → forcing; absent: the engine cannot be forced


_GOOGLE_HOSTS = re.compile(r"(?:www\.)?google\.(?:com|(?:co|com)\.[a-z]{2}|[a-z]{2})")
_YANDEX_HOSTS = re.compile(r"(?:www\.)?(?:yandex\.(?:ru|com|com\.tr|ua|by|kz|uz|az|md|ee|lt|lv|tj|tm|fr)|ya\.ru)")
_YOUTUBE_LOCKED = re.compile(r"(?:www|m)\.youtube\.com|youtubei?\.googleapis\.com|www\.youtube-nocookie\.com")

_ENGINES: dict[str, _Engine] = {
    e.name: e
    for e in (
        _Engine(
            "google",
            _GOOGLE_HOSTS,
            re.compile(r"/(?:search|complete/search|webhp|images|imghp|imgres)?/?"),
            _GOOGLE_HOSTS,
            {ON: _Forcing(params={"safe": "active"}, lock_host="forcesafesearch.google.com")},
        ),
        _Engine(
            "bing",
            re.compile(r"(?:www\.|cn\.|edgeservices\.)?bing\.com"),
            re.compile(r"/(?:search|images|videos|news|AS)(?:/.*)?|/?", re.IGNORECASE),
            re.compile(r"(?:www\.|edgeservices\.)?bing\.com"),
            {ON: _Forcing(params={"adlt": "strict"}, prefer_safe=True, lock_host="strict.bing.com")},
        ),
        _Engine(
            "duckduckgo",
            re.compile(r"(?:www\.|html\.|lite\.|start\.|links\.)?duckduckgo\.com"),
            re.compile(r"/(?:html|lite|d\.js|i\.js|v\.js|news\.js|ac)?/?"),
            re.compile(r"(?:www\.|html\.|start\.)?duckduckgo\.com"),
            {ON: _Forcing(params={"kp": "1"}, lock_host="safe.duckduckgo.com")},
        ),
        _Engine(
            "yandex",
            _YANDEX_HOSTS,
            re.compile(r"/(?:(?:search|images/search|video/search|suggest)(?:/.*)?)?"),
            _YANDEX_HOSTS,
            {ON: _Forcing(params={"family": "yes"}, lock_host="familysearch.yandex.ru")},
        ),
        # Ecosia documents no parameter, header or lock host: it can only be blocked.
        _Engine("ecosia", re.compile(r"(?:www\.|ac\.)?ecosia\.org"), re.compile(r"/.*"), None, {}),
        _Engine(
            "qwant",
            re.compile(r"(?:www\.|api\.|lite\.)?qwant\.com"),
            re.compile(r"/(?:v3/search/.*|v3/suggest/?|search/?)?"),
            None,
            {ON: _Forcing(params={"safesearch": "2"})},
        ),
        _Engine(
            "brave",
            re.compile(r"search\.brave\.com"),
            re.compile(r"/(?:search|images|videos|news|goggles|api/suggest)?/?"),
            None,
            {ON: _Forcing(params={"safesearch": "strict"}, cookies={"safesearch": "strict"})},
        ),
        _Engine(
            "youtube",
            re.compile(r"(?:www\.|m\.|music\.)?youtube\.com|youtubei?\.googleapis\.com|www\.youtube-nocookie\.com"),
            re.compile(r"/.*"),
            _YOUTUBE_LOCKED,
            {
                STRICT: _Forcing(headers={"YouTube-Restrict": "Strict"}, lock_host="restrict.youtube.com"),
                MODERATE: _Forcing(headers={"YouTube-Restrict": "Moderate"}, lock_host="restrictmoderate.youtube.com"),
            },
        ),
    )
}

#: The mode "safe search on" means for each engine; Ecosia cannot be forced, so it is blocked.
FORCED: dict[str, str] = {name: (STRICT if name == "youtube" else ON) for name in ENGINES} | {"ecosia": BLOCK}
ALL_OFF: dict[str, str] = {name: OFF for name in ENGINES}

#: Safe-search defaults by age preset (a profile's `safe_search:` overrides them).
PRESET_SAFE_SEARCH: dict[str, dict[str, str]] = {
    "child": FORCED,
    "preteen": FORCED,
    "teen": FORCED | {"youtube": MODERATE},
    "school_lab": FORCED,
    "adult_monitor": ALL_OFF,
}


@dataclass(frozen=True)
class SafeSearchChange:
    """What to do with one request so that `engine` searches safely."""

    engine: str
    mode: str
    block: bool = False
    set_params: tuple[tuple[str, str], ...] = ()
    set_headers: tuple[tuple[str, str], ...] = ()
    connect_to: str | None = None
    reason: str = ""


def modes_for(engine: str) -> tuple[str, ...]:
    """The modes a policy may give `engine`."""
    return (OFF, *_ENGINES[engine].levels, BLOCK)


def parse_mode(engine: str, value: object) -> str:
    """A policy value (`on`/`off`/`true`/`false`/`strict`/`moderate`/`block`) as the engine's mode.

    Raises ValueError with a message naming the accepted values.
    """
    if engine not in _ENGINES:
        raise ValueError(f"unknown search engine '{engine}'; expected one of: {', '.join(ENGINES)}")
    if isinstance(value, bool):  # YAML true/false
        text = ON if value else OFF
    else:
        text = str(value).strip().lower()
    if engine == "youtube" and text == ON:
        text = STRICT
    if text not in modes_for(engine):
        hint = " (Ecosia cannot be forced into safe search)" if engine == "ecosia" and text == ON else ""
        raise ValueError(f"'{value}' is not a mode for {engine}; expected one of: {', '.join(modes_for(engine))}{hint}")
    return text


def engine_for_host(host: str) -> str | None:
    """The search engine whose search service `host` belongs to, if any."""
    host = (host or "").lower().rstrip(".")
    for engine in _ENGINES.values():
        if engine.hosts.fullmatch(host):
            return engine.name
    return None


def safe_search_change(
    settings: Mapping[str, str],
    *,
    method: str,
    host: str,
    path: str = "/",
    query: str = "",
    headers: Mapping[str, str] | None = None,
) -> SafeSearchChange | None:
    """What to change in this request under a profile's safe-search `settings`, or None.

    `settings` maps engine → mode (`Profile.safe_search`); `headers` are the
    request's headers (looked up case-insensitively).  The result is the
    same whether or not the request already carries the safe values, so
    applying it twice is harmless.
    """
    name = engine_for_host(host)
    mode = settings.get(name, OFF) if name else OFF
    if name is None or mode == OFF:
        return None
    if mode == BLOCK:
        return SafeSearchChange(name, mode, block=True, reason=f"profile blocks {name} (its safe search cannot be forced)")
    engine, forcing = _ENGINES[name], _ENGINES[name].levels[mode]
    host = host.lower().rstrip(".")
    lock = forcing.lock_host if engine.lock_hosts is not None and engine.lock_hosts.fullmatch(host) else None
    if method.upper() == "CONNECT":  # nothing to rewrite inside a tunnel
        return SafeSearchChange(name, mode, connect_to=lock, reason=f"{_forced(mode)} on {name} (via {lock})") if lock else None
    params = tuple(forcing.params.items()) if engine.search_paths.fullmatch(path or "/") else ()
    new_headers = tuple(forcing.headers.items()) + _cookie_and_prefer(forcing, headers or {})
    return SafeSearchChange(name, mode, False, params, new_headers, lock, _describe(name, mode, forcing, params, lock))


def apply_params(query: str, params: tuple[tuple[str, str], ...]) -> str:
    """`query` with each of `params` set: existing values replaced, missing ones appended."""
    wanted = dict(params)
    kept = [part for part in query.split("&") if part and unquote_plus(part.partition("=")[0]) not in wanted]
    return "&".join(kept + [f"{k}={v}" for k, v in wanted.items()])


def _cookie_and_prefer(forcing: _Forcing, headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    out = []
    if forcing.cookies:
        out.append(("Cookie", _with_cookies(_header(headers, "cookie"), forcing.cookies)))
    if forcing.prefer_safe:
        prefer = _header(headers, "prefer")
        tokens = [t.strip() for t in prefer.split(",") if t.strip()]
        if "safe" not in (t.lower() for t in tokens):
            tokens.append("safe")
        out.append(("Prefer", ", ".join(tokens)))
    return tuple(out)


def _with_cookies(cookie_header: str, cookies: Mapping[str, str]) -> str:
    kept = [c.strip() for c in cookie_header.split(";") if c.strip() and c.strip().partition("=")[0] not in cookies]
    return "; ".join(kept + [f"{k}={v}" for k, v in cookies.items()])


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def _describe(engine: str, mode: str, forcing: _Forcing, params: tuple[tuple[str, str], ...], lock: str | None) -> str:
    what = [f"{k}={v}" for k, v in params] + [f"{k}: {v}" for k, v in forcing.headers.items()]
    what += [f"cookie {k}={v}" for k, v in forcing.cookies.items()]
    what += ["Prefer: safe"] if forcing.prefer_safe else []
    what += [f"via {lock}"] if lock else []
    return f"{_forced(mode)} on {engine}" + (f" ({', '.join(what)})" if what else "")


def _forced(mode: str) -> str:
    return "safe search forced" if mode == ON else f"safe search forced ({mode})"
