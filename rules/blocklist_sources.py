"""The blocklist sources a Salama home subscribes to, and compiling them into the index.

`lists_dir/sources.json` records each source (a file, a UT1 folder or tarball,
or an http(s) URL), its format and category, the validators of the last
download (ETag, Last-Modified), a digest of its content and the counts of
the last compile.  A local copy of every source is kept under
`lists_dir/sources/NAME/`, so the index can always be rebuilt, even when
the original is gone or the network is down.

Updating is safe by construction: each download goes to a staging folder,
must arrive whole (Content-Length checked; chunked streams must end
properly), and must parse to at least one entry; only then is it swapped in
and the index rebuilt and replaced atomically (`BlocklistIndex.save`).  A
failed, truncated or empty download leaves the previous copy and the index
in force, and is reported.  Conditional requests (If-None-Match,
If-Modified-Since) make an unchanged list cost one round trip.

Paths are passed in (`SourceRegistry(lists_dir, index_path)`): this module
knows nothing of the `salama` package, mitmproxy or Flask.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import tarfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import urlsplit

from rules.blocklist_index import BlocklistIndex, Progress
from rules.listformats import FORMATS, Entry, ParseReport, check_category, detect_format, parse_source

SOURCES_FILE = "sources.json"
DOWNLOAD_TIMEOUT = 60
USER_AGENT = "Salama-blocklist-updater/0.1 (+parental-control proxy)"
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


class SourceError(ValueError):
    """A source that cannot be imported or fetched (the message says why)."""


@dataclass
class Source:
    """One subscribed list; see the module docstring."""

    name: str
    location: str
    format: str
    category: str | None  # None: a UT1 tree, every folder with a Salama category
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None
    last_update: str | None = None
    last_check: str | None = None
    last_error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    broken_lines: int = 0

    @property
    def is_remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))


@dataclass
class UpdateResult:
    name: str
    status: str  # "updated" | "unchanged" | "failed"
    message: str = ""


class SourceRegistry:
    """The sources of one Salama home and the index compiled from them."""

    def __init__(self, lists_dir: Path, index_path: Path, mapping: Mapping[str, str | None] | None = None) -> None:
        self.lists_dir = Path(lists_dir)
        self.index_path = Path(index_path)
        self.mapping = mapping

    # ------------------------------------------------------------ registry file

    @property
    def sources_file(self) -> Path:
        return self.lists_dir / SOURCES_FILE

    def sources(self) -> list[Source]:
        if not self.sources_file.exists():
            return []
        try:
            data = json.loads(self.sources_file.read_text(encoding="utf-8"))
            return [Source(**item) for item in data.get("sources", [])]
        except (ValueError, TypeError) as exc:
            raise SourceError(f"{self.sources_file}: damaged sources file ({exc}); fix or remove it") from None

    def _save_sources(self, sources: list[Source]) -> None:
        text = json.dumps({"sources": [asdict(s) for s in sources]}, indent=2, ensure_ascii=False)
        _write_atomically(self.sources_file, text.encode("utf-8"))

    def stored_path(self, source: Source) -> Path:
        """The local copy: the list file or the UT1 tree inside the source's folder."""
        return _data_path(self.lists_dir / "sources" / source.name)

    # ------------------------------------------------------------ operations

    def import_source(
        self, location: str, category: str | None = None, fmt: str | None = None, progress: Progress | None = None
    ) -> tuple[Source, ParseReport]:
        """Fetch or copy a list, check it parses, register it and rebuild the index."""
        if fmt is not None and fmt not in FORMATS:
            raise SourceError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
        if category is not None:
            check_category(category)
        with self._locked():
            sources = self.sources()
            existing = next((s for s in sources if s.location == location), None)
            name = existing.name if existing else _unique_name(location, {s.name for s in sources})
            staging = self._staging(name)
            try:
                source = Source(name, location, fmt or "", category)
                _fetch(source, staging, progress, conditional=False)
                data = _data_path(staging)
                source.format = fmt or detect_format(data)
                if source.format != "ut1" and category is None:
                    raise SourceError(f"a {source.format} list needs --category (e.g. sexual, gambling, bypass)")
                others = [s for s in sources if s.name != name]
                index, reports = self._compile(others + [source], {name: data}, progress)
                report = reports[name]
                if not report.total:
                    raise SourceError(f"{location}: no entries found as format '{source.format}' ({report.summary()})")
                self._swap_in(name, staging)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            _record(source, report, updated=True)
            self._save_sources(others + [source])
            index.save(self.index_path)
        return source, report

    def update(self, progress: Progress | None = None) -> list[UpdateResult]:
        """Re-fetch every source; rebuild and swap the index only if something changed."""
        with self._locked():
            sources = self.sources()
            results, staged = [], {}
            try:
                for source in sources:
                    results.append(self._refresh(source, staged, progress))
                if staged or not _loads(self.index_path):  # an index of an older format is rebuilt too
                    self._rebuild(sources, staged, results, progress)
            finally:
                for staging in staged.values():
                    shutil.rmtree(staging, ignore_errors=True)
            self._save_sources(sources)
        return results

    def compile(self, progress: Progress | None = None) -> BlocklistIndex:
        """Rebuild the index from the local copies (and Salama's default lists) and save it."""
        with self._locked():
            sources = self.sources()
            index, reports = self._compile(sources, {}, progress)
            for source in sources:
                _record(source, reports[source.name], updated=False)
            self._save_sources(sources)
            index.save(self.index_path)
        return index

    def remove(self, name: str, progress: Progress | None = None) -> BlocklistIndex:
        """Forget a subscribed list and its local copy, then rebuild the index without it."""
        with self._locked():
            sources = self.sources()
            if not any(s.name == name for s in sources):
                raise SourceError(f"no list named '{name}'")
            self._save_sources([s for s in sources if s.name != name])
            shutil.rmtree(self.lists_dir / "sources" / name, ignore_errors=True)
        return self.compile(progress)

    def open_index(self) -> BlocklistIndex:
        """The compiled index, or the default lists alone on a fresh home."""
        return BlocklistIndex.open(self.index_path)

    # ------------------------------------------------------------ internals

    def _refresh(self, source: Source, staged: dict[str, Path], progress: Progress | None) -> UpdateResult:
        source.last_check = _now()
        staging = self._staging(source.name)
        try:
            changed = _fetch(source, staging, progress, conditional=True)
        except (SourceError, OSError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            source.last_error = str(exc)
            return UpdateResult(source.name, "failed", f"{exc}; keeping the previous copy")
        if not changed:
            shutil.rmtree(staging, ignore_errors=True)
            source.last_error = None
            return UpdateResult(source.name, "unchanged", "not modified")
        staged[source.name] = staging
        return UpdateResult(source.name, "updated")

    def _rebuild(self, sources, staged: dict[str, Path], results: list[UpdateResult], progress) -> None:
        """Compile with the staged copies; a staged copy that yields no entry is dropped, not swapped in."""
        data = {name: _data_path(path) for name, path in staged.items()}
        index, reports = self._compile(sources, data, progress)
        empty = [name for name in staged if not reports[name].total]
        if empty:
            for result in results:
                if result.name in empty:
                    result.status, result.message = "failed", "the new copy has no entries; keeping the previous copy"
            for name in empty:
                shutil.rmtree(staged.pop(name), ignore_errors=True)
                data.pop(name)
            if not staged and self.index_path.exists():
                return
            index, reports = self._compile(sources, data, progress)
        for source in sources:
            source_updated = source.name in staged
            _record(source, reports[source.name], updated=source_updated)
            if source_updated:
                self._swap_in(source.name, staged.pop(source.name))
        index.save(self.index_path)

    def _compile(self, sources: list[Source], data: dict[str, Path], progress: Progress | None):
        reports = {source.name: ParseReport() for source in sources}

        def entries(source: Source, path: Path) -> Iterator[Entry]:
            if not path.exists():
                reports[source.name].add_error(path, 0, "local copy missing: run 'salama blocklist update'")
                return
            yield from parse_source(path, source.format, source.category, reports[source.name], self.mapping)

        paths = {s.name: data.get(s.name) or self.stored_path(s) for s in sources}
        index = BlocklistIndex.build([(s.name, entries(s, paths[s.name])) for s in sources], progress=progress)
        for source in sources:  # name the list as the user knows it, not its local copy
            report = reports[source.name]
            report.errors = [m.replace(str(paths[source.name]), source.location, 1) for m in report.errors]
        return index, reports

    def _staging(self, name: str) -> Path:
        staging = self.lists_dir / "sources" / f".{name}.new"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        return staging

    def _swap_in(self, name: str, staging: Path) -> None:
        final = self.lists_dir / "sources" / name
        old = final.with_name(f".{name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)

    @contextmanager
    def _locked(self):
        """One import/update at a time per home (a second one waits)."""
        self.lists_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lists_dir / ".lock", "w") as handle:
            try:
                import fcntl
            except ImportError:  # not POSIX: no cross-process lock
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- fetching


def _fetch(source: Source, staging: Path, progress: Progress | None, conditional: bool) -> bool:
    """Put a fresh copy of the source in `staging`; False if it has not changed."""
    if source.is_remote:
        target = staging / _remote_file_name(source.location)
        if not _download(source, target, progress, conditional):
            return False
    else:
        target = _copy_local(Path(source.location).expanduser(), staging)
    if target.is_file() and _is_gzip(target):
        target = _extract_tarball(target, staging)
    digest = _digest(target)
    if conditional and digest == source.digest:
        return False
    source.digest = digest
    return True


def _download(source: Source, target: Path, progress: Progress | None, conditional: bool) -> bool:
    request = urllib.request.Request(source.location, headers={"User-Agent": USER_AGENT})
    if conditional and source.etag:
        request.add_header("If-None-Match", source.etag)
    if conditional and source.last_modified:
        request.add_header("If-Modified-Since", source.last_modified)
    try:
        # A fresh opener reads the proxy settings (http_proxy, no_proxy) as they are now.
        with urllib.request.build_opener().open(request, timeout=DOWNLOAD_TIMEOUT) as response:
            _save_body(response, target, progress, source.name)
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return False
        raise SourceError(f"{source.location}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise SourceError(f"{source.location}: {exc.reason}") from None
    except SourceError as exc:
        raise SourceError(f"{source.location}: {exc}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # a dropped connection, a broken chunked body
        raise SourceError(f"{source.location}: download failed ({exc!r})") from None
    source.etag, source.last_modified = etag, modified
    return True


def _save_body(response, target: Path, progress: Progress | None, label: str) -> None:
    """Stream the body to `target`; refuse a body shorter than its Content-Length."""
    length = response.headers.get("Content-Length")
    expected = int(length) if length and length.isdigit() else None
    received = 0
    with open(target, "wb") as handle:
        while chunk := response.read(_CHUNK):
            handle.write(chunk)
            received += len(chunk)
            if progress:
                progress(f"downloading {label}", received, expected)
    if expected is not None and received < expected:
        raise SourceError(f"download cut short: {received:,} of {expected:,} bytes")


def _copy_local(path: Path, staging: Path) -> Path:
    if path.is_dir():
        tree = Path(shutil.copytree(path, staging / "tree", symlinks=True))
        _make_writable(tree)
        return tree
    if path.is_file():
        return Path(shutil.copy2(path, staging / path.name))
    raise SourceError(f"{path}: no such file or folder")


def _make_writable(tree: Path) -> None:
    """Copies of read-only lists must stay removable when the next update replaces them."""
    for folder, _, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            file = Path(folder, name)
            if not file.is_symlink():
                os.chmod(file, 0o644)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def _extract_tarball(archive: Path, staging: Path) -> Path:
    """A UT1 tarball (`blacklists.tar.gz`): extracted safely (no links out, no absolute paths)."""
    tree = staging / "tree"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tree, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceError(f"{archive.name}: not a readable .tar.gz archive ({exc})") from None
    archive.unlink()
    return tree


def _loads(index_path: Path) -> bool:
    """Whether the index file exists and this version can load it (a damaged or older one cannot)."""
    try:
        BlocklistIndex.load(index_path)
    except (OSError, ValueError):
        return False
    return True


def _data_path(folder: Path) -> Path:
    """Inside a source folder: the UT1 tree (descending a lone top folder) or the one list file."""
    tree = folder / "tree"
    if tree.is_dir():
        inside = [p for p in tree.iterdir() if not p.name.startswith(".")]
        while len(inside) == 1 and inside[0].is_dir() and not _looks_like_category(inside[0]):
            tree = inside[0]
            inside = [p for p in tree.iterdir() if not p.name.startswith(".")]
        return tree
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    return files[0] if files else folder / "missing"


def _looks_like_category(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ("domains", "urls", "expressions"))


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        with open(file, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- helpers


def _record(source: Source, report: ParseReport, updated: bool) -> None:
    source.counts = dict(report.entries)
    source.broken_lines = report.error_count
    if updated:
        source.last_update = _now()
        source.last_error = None


def _unique_name(location: str, taken: set[str]) -> str:
    if location.startswith(("http://", "https://")):
        parts = urlsplit(location)
        base = f"{parts.hostname or 'list'}-{Path(parts.path).name}"
    else:
        base = Path(location).expanduser().name or "list"
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:60] or "list"
    name, n = slug, 2
    while name in taken:
        name, n = f"{slug}-{n}", n + 1
    return name


def _remote_file_name(url: str) -> str:
    name = Path(urlsplit(url).path).name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "list.txt"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
