"""The mitmproxy addons in isolation, with mitmproxy's own test helpers."""

from __future__ import annotations

import gzip

import pytest
from mitmproxy import exceptions
from mitmproxy.test import taddons, tflow, tutils

from proxy.addons.contentfilter import ContentFilter
from proxy.addons.resolve import Resolve, parse_mapping
from proxy.addons.urlfilter import VERDICT, UrlFilter
from proxy.runtime import Runtime

GROOMING = (
    "<html><head><title>chat</title></head><body><p>You are so mature for your age, don't tell your parents "
    "about us. Delete our messages and send me a photo, I will buy you a gift card. Are you home alone tonight? "
    "I can pick you up after school, it will be our secret.</p></body></html>"
)
HOMEWORK = (
    "<html><head><title>Maths homework</title></head><body><p>Finish exercises 4 to 9 on page 52 about fractions "
    "and bring your ruler and compass on Monday. The science fair is next Friday in the school hall.</p></body></html>"
)


@pytest.fixture
def runtime(home):
    home.policy_path.write_text("deny: [blocked.test]\nprofiles:\n  child: {preset: child}\n  grown: {preset: adult_monitor}\n"
                                "devices:\n  - {match: 127.0.0.9, profile: grown}\n")
    rt = Runtime(policy_path=home.policy_path, index_path=home.index_path, model_dir=home.model_dir,
                 database_url=home.database_url, status_dir=home.root)
    yield rt
    rt.close()


def html_flow(url: str, body: str, peer: str = "127.0.0.1", headers=None, url_filter: UrlFilter | None = None):
    """A flow as the content filter sees it: the request went through the URL filter, then the page came back."""
    flow = tflow.tflow()
    flow.client_conn.peername = (peer, 50000)
    flow.request.url = url
    if url_filter is not None:
        url_filter.request(flow)
    flow.response = tutils.tresp(content=b"")
    flow.response.headers["content-type"] = "text/html; charset=utf-8"
    for k, v in (headers or {}).items():
        flow.response.headers[k] = v
    flow.response.raw_content = body if isinstance(body, bytes) else body.encode()
    return flow


def test_resolve_mapping_parsing():
    assert parse_mapping(["shop.test=127.0.0.1:8000", "Other.Test.=::1", "v6.test=[::1]:81"]) == {
        "shop.test": ("127.0.0.1", 8000), "other.test": ("::1", None), "v6.test": ("::1", 81)}
    for bad in ("shop.test", "shop.test=example.com", "x=127.0.0.1:99999", "=127.0.0.1"):
        with pytest.raises(ValueError):
            parse_mapping([bad])


async def test_resolve_addon_rewrites_only_mapped_hosts():
    addon = Resolve()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, salama_resolve=["shop.test=127.0.0.1:8000"])
        with pytest.raises(exceptions.OptionsError):
            tctx.configure(addon, salama_resolve=["nonsense"])
    flow = tflow.tflow()
    flow.request.url = "https://Shop.test/basket"
    addon.request(flow)
    assert (flow.request.host, flow.request.port) == ("127.0.0.1", 8000)
    assert flow.request.pretty_host.lower() == "shop.test" and flow.request.headers["host"].lower() == "shop.test"
    other = tflow.tflow()
    other.request.url = "http://elsewhere.test/"
    addon.request(other)
    assert other.request.host == "elsewhere.test"


def test_keep_alive_connection_reuses_the_mapped_upstream(tmp_path):
    """Regression: mapping on the server connection made mitmproxy open a new
    upstream connection per request, and a keep-alive client stalled."""
    import http.client

    from tests.inprocess import InProcessProxy
    from tests.upstream import LocalSite

    site = LocalSite({"/": ("text/plain", b"hello")})
    rt = Runtime(policy_path=tmp_path / "policy.yaml", index_path=tmp_path / "index.bin", model_dir=tmp_path / "model",
                 database_url=f"sqlite:///{tmp_path / 'x.db'}", status_dir=tmp_path, use_model=False)
    proxy = InProcessProxy(rt, tmp_path / "ca", [f"a.test=127.0.0.1:{site.port}"])
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        for _ in range(12):
            conn.request("GET", "http://a.test/")
            response = conn.getresponse()
            assert response.status == 200 and response.read() == b"hello"
    finally:
        conn.close()
        proxy.stop()
        rt.close()
        site.close()
    assert len({r["headers"].get("Host") for r in site.requests}) == 1


async def test_url_filter_blocks_denied_domain_before_upstream(runtime):
    addon = UrlFilter(runtime)
    with taddons.context(addon):
        flow = tflow.tflow()
        flow.request.url = "http://www.BLOCKED.test./x"
        addon.request(flow)
        assert flow.response.status_code == 403
        assert b"blocked.test" in flow.response.content
        ok = tflow.tflow()
        ok.request.url = "http://fine.test/"
        addon.request(ok)
        assert ok.response is None and ok.metadata[VERDICT].action == "allow"
    runtime.journal.flush()
    events = runtime.events.query()
    assert len(events) == 1 and events[0]["action"] == "block" and events[0]["category"] == "deny"


async def test_content_filter_blocks_grooming_and_passes_homework(runtime):
    urlf, content = UrlFilter(runtime), ContentFilter(runtime)
    with taddons.context(urlf, content):
        risky = html_flow("http://chat.test/room", GROOMING, url_filter=urlf)
        content.responseheaders(risky)
        await content.response(risky)
        assert risky.response.status_code == 403 and risky.response.headers["x-salama"] == "blocked"
        safe = html_flow("http://school.test/", HOMEWORK, url_filter=urlf)
        content.responseheaders(safe)
        await content.response(safe)
        assert safe.response.status_code == 200
    runtime.journal.flush()
    (event,) = runtime.events.query()
    assert event["kind"] == "page" and event["category"] == "grooming" and event["explanation"]["grooming"]["terms"]


async def test_the_same_page_is_scored_once_and_decided_per_profile(runtime):
    """A lab fetching one page: the model scores it once; each device's profile still decides."""
    urlf, content = UrlFilter(runtime), ContentFilter(runtime)
    with taddons.context(urlf, content):
        flows = [html_flow(f"http://chat.test/room{n}", GROOMING, peer=peer, url_filter=urlf)
                 for n, peer in enumerate(["127.0.0.1", "127.0.0.2", "127.0.0.9"])]
        for flow in flows:
            await content.response(flow)
    assert [f.response.status_code for f in flows] == [403, 403, 200]  # 127.0.0.9 is the adult_monitor profile
    assert (runtime.page_cache.misses, runtime.page_cache.hits) == (1, 2)
    runtime.journal.flush()
    assert sorted(e["action"] for e in runtime.events.query()) == ["alert", "block", "block"]


async def test_content_filter_alerts_only_for_adult_monitor_profile(runtime):
    urlf, content = UrlFilter(runtime), ContentFilter(runtime)
    with taddons.context(urlf, content):
        flow = html_flow("http://chat.test/room", GROOMING, peer="127.0.0.9", url_filter=urlf)
        await content.response(flow)
        assert flow.response.status_code == 200
    runtime.journal.flush()
    assert runtime.events.query()[0]["action"] == "alert"


@pytest.mark.parametrize(
    "body, headers",
    [
        (b"\xff\xfe\x00garbage\x00" * 1000, {}),  # binary with a text content type
        ("<html><body><p>Bonjour, caf\xe9 cr\xe8me".encode("latin-1"), {}),  # not UTF-8, truncated
        (b"<div>" * 50_000, {}),  # deep nesting
        (gzip.compress(b"\0" * (50 << 20)), {"content-encoding": "gzip"}),  # gzip bomb
        (b"not gzip at all", {"content-encoding": "gzip"}),  # lies about its encoding
        (b"", {}),
    ],
)
async def test_hostile_bodies_never_crash(runtime, body, headers):
    urlf, content = UrlFilter(runtime), ContentFilter(runtime)
    with taddons.context(urlf, content):
        flow = html_flow("http://odd.test/", body, headers=headers, url_filter=urlf)
        await content.response(flow)
        assert flow.response.status_code in (200, 403)


async def test_big_and_binary_responses_stream(runtime):
    urlf, content = UrlFilter(runtime), ContentFilter(runtime)
    with taddons.context(urlf, content):
        video = html_flow("http://cdn.test/v.mp4", b"", headers={"content-type": "video/mp4"})
        content.responseheaders(video)
        assert video.response.stream
        huge = html_flow("http://news.test/", b"", headers={"content-length": str(50 << 20)})
        content.responseheaders(huge)
        assert huge.response.stream
        page = html_flow("http://news.test/", b"", headers={"content-length": "30000"}, url_filter=urlf)
        content.responseheaders(page)
        assert not page.response.stream


def test_damaged_model_falls_back_to_lists(home, tmp_path):
    bad = home.model_dir
    bad.mkdir(parents=True)
    (bad / "model.json").write_text('{"format": 1, "sklearn_version": "0.0", "categories": []}')
    import classifier.model as m

    original = m.BUNDLED_MODEL_DIR
    m.BUNDLED_MODEL_DIR = tmp_path / "nowhere"
    try:
        rt = Runtime(policy_path=home.policy_path, index_path=home.index_path, model_dir=bad,
                     database_url=home.database_url, status_dir=home.root)
    finally:
        m.BUNDLED_MODEL_DIR = original
    assert rt.model is None and "MODEL NOT LOADED" in rt.warnings["model"]
    from storage.status import read_status

    assert read_status(home.root)["model_loaded"] is False
    rt.close()


def test_damaged_index_falls_back_to_default_lists_and_recovers(home):
    from rules.blocklist_index import BlocklistIndex
    from rules.listformats import Entry

    home.index_path.parent.mkdir(parents=True, exist_ok=True)
    home.index_path.write_bytes(b"SALAMAIX but not really an index")
    rt = Runtime(policy_path=home.policy_path, index_path=home.index_path, model_dir=home.model_dir,
                 database_url=home.database_url, status_dir=home.root, use_model=False)
    try:
        assert "blocklists" in rt.warnings
        assert rt.index.match("http://casino-royal.test/") is None
        BlocklistIndex.build([("school", [Entry("domain", "casino-royal.test", "gambling", False)])]).save(home.index_path)
        rt.maybe_reload(now=1e12)
        match = rt.index.match("http://www.casino-royal.test/")
        assert match is not None and match.category == "gambling"
        assert "blocklists" not in rt.warnings
    finally:
        rt.close()
