"""Safe search: which hosts are engines, what each engine gets, modes and their errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.safesearch import (
    ALL_OFF,
    ENGINES,
    FORCED,
    PRESET_SAFE_SEARCH,
    apply_params,
    engine_for_host,
    modes_for,
    parse_mode,
    safe_search_change,
)


def change(host, path="/search", query="q=test", headers=None, method="GET", settings=FORCED):
    return safe_search_change(settings, method=method, host=host, path=path, query=query, headers=headers)


@pytest.mark.parametrize(
    "host, engine",
    [
        ("www.google.com", "google"),
        ("google.co.ma", "google"),
        ("www.google.fr", "google"),
        ("www.google.ml", "google"),
        ("www.google.com.br", "google"),
        ("WWW.GOOGLE.FR.", "google"),
        ("www.bing.com", "bing"),
        ("duckduckgo.com", "duckduckgo"),
        ("html.duckduckgo.com", "duckduckgo"),
        ("yandex.ru", "yandex"),
        ("ya.ru", "yandex"),
        ("www.ecosia.org", "ecosia"),
        ("api.qwant.com", "qwant"),
        ("search.brave.com", "brave"),
        ("m.youtube.com", "youtube"),
        ("youtubei.googleapis.com", "youtube"),
        ("www.youtube-nocookie.com", "youtube"),
        ("google.evil.example", None),
        ("notgoogle.com", None),
        ("mail.google.com", None),
        ("brave.com", None),
        ("", None),
    ],
)
def test_engine_hosts(host, engine):
    assert engine_for_host(host) == engine


@pytest.mark.parametrize("host", ["www.google.com", "www.google.co.ma", "google.fr"])
def test_google_in_every_country_gets_safe_active_and_the_lock_host(host):
    c = change(host, query="q=x&safe=off")
    assert c.set_params == (("safe", "active"),) and c.connect_to == "forcesafesearch.google.com"
    assert apply_params("q=x&safe=off", c.set_params) == "q=x&safe=active"


def test_google_pages_that_are_not_searches_are_only_sent_to_the_lock_host():
    c = change("www.google.com", path="/maps/place", query="")
    assert c.set_params == () and c.connect_to == "forcesafesearch.google.com"


def test_google_suggestions_are_forced_too():
    assert change("www.google.fr", path="/complete/search", query="q=sex&client=gws").set_params == (("safe", "active"),)


def test_bing_gets_adlt_strict_prefer_safe_and_the_lock_host():
    c = change("www.bing.com", query="q=x&adlt=off", headers={"prefer": "return=minimal"})
    assert c.set_params == (("adlt", "strict"),)
    assert dict(c.set_headers) == {"Prefer": "return=minimal, safe"}
    assert c.connect_to == "strict.bing.com"
    assert dict(change("www.bing.com", headers={"Prefer": "safe"}).set_headers) == {"Prefer": "safe"}  # not twice


@pytest.mark.parametrize(
    "host, path, param, lock",
    [
        ("duckduckgo.com", "/", ("kp", "1"), "safe.duckduckgo.com"),
        ("html.duckduckgo.com", "/html/", ("kp", "1"), "safe.duckduckgo.com"),
        ("links.duckduckgo.com", "/d.js", ("kp", "1"), None),
        ("yandex.ru", "/search/", ("family", "yes"), "familysearch.yandex.ru"),
        ("yandex.com.tr", "/images/search", ("family", "yes"), "familysearch.yandex.ru"),
        ("www.qwant.com", "/", ("safesearch", "2"), None),
        ("api.qwant.com", "/v3/search/web", ("safesearch", "2"), None),
        ("search.brave.com", "/search", ("safesearch", "strict"), None),
    ],
)
def test_parameters_and_lock_hosts(host, path, param, lock):
    c = change(host, path=path)
    assert c.set_params == (param,) and c.connect_to == lock and not c.block


def test_brave_settings_cookie_is_replaced_and_other_cookies_kept():
    c = change("search.brave.com", headers={"Cookie": "country=ma; safesearch=off; ui_lang=fr-fr"})
    assert dict(c.set_headers) == {"Cookie": "country=ma; ui_lang=fr-fr; safesearch=strict"}
    assert dict(change("search.brave.com").set_headers) == {"Cookie": "safesearch=strict"}


@pytest.mark.parametrize("mode, header, lock", [("strict", "Strict", "restrict.youtube.com"), ("moderate", "Moderate", "restrictmoderate.youtube.com")])
def test_youtube_restricted_mode_header_on_every_path(mode, header, lock):
    settings = {"youtube": mode}
    for host, path in (("www.youtube.com", "/watch"), ("youtubei.googleapis.com", "/youtubei/v1/next"), ("m.youtube.com", "/")):
        c = change(host, path=path, query="v=abc", settings=settings)
        assert dict(c.set_headers) == {"YouTube-Restrict": header} and c.connect_to == lock and c.set_params == ()


def test_youtube_lock_host_only_for_the_five_documented_hosts():
    assert change("music.youtube.com", path="/", settings={"youtube": "strict"}).connect_to is None
    assert change("youtube.com", path="/", settings={"youtube": "strict"}).connect_to is None


def test_blocked_engines_and_ecosia():
    c = change("www.ecosia.org")
    assert c.block and c.engine == "ecosia" and "cannot be forced" in c.reason
    assert change("www.google.com", settings={"google": "block"}).block


def test_off_and_unknown_hosts_change_nothing():
    assert change("www.google.com", settings=ALL_OFF) is None
    assert change("www.google.com", settings={}) is None
    assert change("example.com") is None


def test_a_connect_tunnel_can_only_be_sent_to_the_lock_host():
    c = change("www.google.com", method="CONNECT", path="", query="")
    assert c.connect_to == "forcesafesearch.google.com" and c.set_params == () and c.set_headers == ()
    assert change("search.brave.com", method="CONNECT") is None  # no lock host: the proxy must intercept to force it
    assert change("www.ecosia.org", method="CONNECT").block


def test_applying_a_change_twice_is_harmless():
    first = apply_params("q=a+b&safe=off&tbm=isch", (("safe", "active"),))
    assert apply_params(first, (("safe", "active"),)) == first == "q=a+b&tbm=isch&safe=active"
    assert apply_params("", (("kp", "1"),)) == "kp=1"
    assert apply_params("SAFE=off&s%61fe=off", (("safe", "active"),)) == "SAFE=off&safe=active"


@given(st.text(alphabet="abcdefgkpqs=&%+1", max_size=40))
def test_apply_params_leaves_exactly_one_forced_value(query):
    out = apply_params(query, (("kp", "1"),))
    assert out.split("&").count("kp=1") == 1
    assert [p for p in out.split("&") if p.partition("=")[0] == "kp"] == ["kp=1"]


def test_modes_and_their_errors():
    assert parse_mode("google", True) == "on" and parse_mode("google", False) == "off"
    assert parse_mode("youtube", "on") == "strict" and parse_mode("youtube", "Moderate") == "moderate"
    assert parse_mode("ecosia", "block") == "block"
    assert modes_for("ecosia") == ("off", "block")
    with pytest.raises(ValueError, match="Ecosia cannot be forced"):
        parse_mode("ecosia", "on")
    with pytest.raises(ValueError, match="expected one of: off, on, block"):
        parse_mode("google", "strict")
    with pytest.raises(ValueError, match="unknown search engine"):
        parse_mode("altavista", "on")


def test_presets_force_safe_search_for_children_and_not_for_adults():
    for preset in ("child", "preteen", "school_lab"):
        assert PRESET_SAFE_SEARCH[preset] == FORCED
    assert PRESET_SAFE_SEARCH["teen"]["youtube"] == "moderate"
    assert set(PRESET_SAFE_SEARCH["adult_monitor"].values()) == {"off"}
    assert set(FORCED) == set(ENGINES)
