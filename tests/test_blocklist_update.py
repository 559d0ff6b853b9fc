"""Importing and updating sources over HTTP, against a local server on 127.0.0.1 only.

Covers conditional requests (ETag/304, Last-Modified), and the failures that
must leave the previous index in force: an HTTP error, a download cut short
(Content-Length not reached, chunked stream dropped), a refused connection
and a new copy with no entries.
"""

from __future__ import annotations

import io
import os
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rules.blocklist_index import BlocklistIndex
from rules.blocklist_sources import SourceError, SourceRegistry

HOSTS_V1 = b"# test list\n0.0.0.0 first.example\n0.0.0.0 shared.example\n"
HOSTS_V2 = b"# test list\n0.0.0.0 second.example\n0.0.0.0 shared.example\n"


class ListServer:
    """What the local server serves next, and the request headers it saw."""

    def __init__(self) -> None:
        self.body = HOSTS_V1
        self.etag: str | None = '"v1"'
        self.last_modified: str | None = None
        self.mode = "ok"  # ok | error | truncated | dropped-chunked
        self.requests: list[dict[str, str]] = []


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        lists: ListServer = self.server.lists  # type: ignore[attr-defined]
        lists.requests.append({k.lower(): v for k, v in self.headers.items()})
        if lists.mode == "error":
            self.send_error(500, "list server broken")
            return
        if lists.etag and self.headers.get("If-None-Match") == lists.etag:
            self.send_response(304)
            self.end_headers()
            return
        if lists.last_modified and self.headers.get("If-Modified-Since") == lists.last_modified:
            self.send_response(304)
            self.end_headers()
            return
        self.close_connection = True
        self.send_response(200)
        if lists.etag:
            self.send_header("ETag", lists.etag)
        if lists.last_modified:
            self.send_header("Last-Modified", lists.last_modified)
        if lists.mode == "dropped-chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = lists.body[: len(lists.body) // 2]
            self.wfile.write(f"{len(half):x}\r\n".encode() + half + b"\r\n")  # and never the final 0-chunk
            return
        self.send_header("Content-Length", str(len(lists.body)))
        self.end_headers()
        self.wfile.write(lists.body[: len(lists.body) // 2] if lists.mode == "truncated" else lists.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.lists = ListServer()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def registry(tmp_path) -> SourceRegistry:
    return SourceRegistry(tmp_path / "lists", tmp_path / "lists" / "index.bin")


def stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def blocked(registry: SourceRegistry, host: str) -> bool:
    match = BlocklistIndex.load(registry.index_path).match(f"http://{host}/")
    return match is not None and not match.allow


def import_v1(server, registry):
    source, report = registry.import_source(f"{server.url}/hosts.txt", "sexual")
    assert (source.format, source.etag, report.total) == ("hosts", '"v1"', 2)
    return source


def test_import_from_a_url_builds_the_index(server, registry):
    import_v1(server, registry)
    assert blocked(registry, "first.example") and blocked(registry, "www.shared.example")
    assert blocked(registry, "pornhub.com")  # Salama's own lists stay in
    assert "if-none-match" not in server.lists.requests[0]


def test_an_unchanged_list_costs_a_304_and_no_rebuild(server, registry):
    import_v1(server, registry)
    before = stamp(registry.index_path)
    [result] = registry.update()
    assert (result.status, server.lists.requests[-1]["if-none-match"]) == ("unchanged", '"v1"')
    assert stamp(registry.index_path) == before


def test_an_index_of_an_older_format_is_rebuilt_even_when_no_list_changed(server, registry):
    import_v1(server, registry)
    data = bytearray(registry.index_path.read_bytes())
    data[8:12] = (1).to_bytes(4, "little")  # as written by a Salama that used format 1
    registry.index_path.write_bytes(bytes(data))
    [result] = registry.update()
    assert result.status == "unchanged"
    assert blocked(registry, "first.example")


def test_last_modified_is_sent_back_when_there_is_no_etag(server, registry):
    server.lists.etag, server.lists.last_modified = None, "Wed, 01 May 2024 10:00:00 GMT"
    registry.import_source(f"{server.url}/hosts.txt", "sexual")
    [result] = registry.update()
    assert result.status == "unchanged"
    assert server.lists.requests[-1]["if-modified-since"] == "Wed, 01 May 2024 10:00:00 GMT"


def test_a_changed_list_is_swapped_in_and_the_running_index_sees_it(server, registry):
    import_v1(server, registry)
    running = BlocklistIndex.load(registry.index_path)
    server.lists.body, server.lists.etag = HOSTS_V2, '"v2"'
    [result] = registry.update()
    assert result.status == "updated"
    assert running.reload_if_changed()
    assert running.match("http://second.example/") is not None
    assert running.match("http://first.example/") is None
    assert registry.sources()[0].etag == '"v2"'


@pytest.mark.parametrize("mode", ["error", "truncated", "dropped-chunked"])
def test_a_failed_download_keeps_the_previous_index(server, registry, mode):
    import_v1(server, registry)
    before = stamp(registry.index_path)
    server.lists.body, server.lists.etag, server.lists.mode = HOSTS_V2 * 50, '"v2"', mode
    [result] = registry.update()
    assert result.status == "failed", result
    assert "keeping the previous copy" in result.message
    assert stamp(registry.index_path) == before
    assert blocked(registry, "first.example") and not blocked(registry, "second.example")
    source = registry.sources()[0]
    assert source.last_error and source.etag == '"v1"'
    server.lists.mode = "ok"
    [result] = registry.update()
    assert result.status == "updated" and blocked(registry, "second.example")


def test_a_new_copy_without_entries_is_refused(server, registry):
    import_v1(server, registry)
    before = stamp(registry.index_path)
    server.lists.body, server.lists.etag = b"<html>maintenance</html>\n", '"broken"'
    [result] = registry.update()
    assert (result.status, result.message) == ("failed", "the new copy has no entries; keeping the previous copy")
    assert stamp(registry.index_path) == before
    assert blocked(registry, "first.example")


def test_an_unreachable_server_keeps_the_previous_index(server, registry):
    import_v1(server, registry)
    before = stamp(registry.index_path)
    server.shutdown()
    server.server_close()
    [result] = registry.update()
    assert result.status == "failed"
    assert stamp(registry.index_path) == before


def test_importing_a_broken_url_fails_cleanly_and_registers_nothing(server, registry):
    server.lists.mode = "error"
    with pytest.raises(SourceError, match="HTTP 500"):
        registry.import_source(f"{server.url}/hosts.txt", "sexual")
    assert registry.sources() == [] and not registry.index_path.exists()
    assert not [p for p in (registry.lists_dir / "sources").iterdir()]


def test_a_ut1_tarball_over_http(server, registry):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in {"blacklists/gambling/domains": b"casino.example\n", "blacklists/vpn/domains": b"vpn.example\n",
                           "blacklists/child/domains": b"kids.example\n"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    server.lists.body = buffer.getvalue()
    source, report = registry.import_source(f"{server.url}/blacklists.tar.gz")
    assert source.format == "ut1"
    assert dict(report.entries) == {"gambling": 1, "bypass": 1, "allow:child": 1}
    index = BlocklistIndex.load(registry.index_path)
    assert index.match("http://casino.example/").category == "gambling"
    assert index.match("http://vpn.example/").category == "bypass"


def test_local_sources_are_re_read_on_update(tmp_path, registry):
    original = tmp_path / "family.txt"
    original.write_text("first.example\n")
    registry.import_source(str(original), "gambling")
    assert registry.update()[0].status == "unchanged"
    original.write_text("second.example\n")
    assert registry.update()[0].status == "updated"
    assert blocked(registry, "second.example") and not blocked(registry, "first.example")
    original.unlink()
    [result] = registry.update()
    assert result.status == "failed" and blocked(registry, "second.example")
