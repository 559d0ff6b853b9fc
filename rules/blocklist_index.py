"""The compiled blocklist index: millions of rules, answered in microseconds.

Text lists are parsed once (`rules.listformats`) and compiled into one file
that the proxy memory-maps: no re-parsing at start-up, pages shared between
processes, and only the pages a lookup touches become resident.

Layout of the file (little-endian):

    b"SALAMAIX" | u32 version | u32 header length | JSON header | pad to 8
    keys: u64[length]   64-bit keys of rule texts (see below) in a hash table, EMPTY in free slots
    tags: u16[length]   which (category, source, allow, kind) the key in the same slot is

The table is an ordered linear-probing hash table: a key's home slot is
`key // divisor` (so homes rise with keys), the n keys sit in key order,
each at its home or the first free slot after, and about a third of the
slots are free (EMPTY, larger than any key; one more ends the table).  A
lookup reads from the home slot on, past smaller keys, and stops at the
first key not smaller than its own: one random read of memory whether the
name is listed or not, usually two or three neighbouring slots, and no
separate filter, bucket table or search.

A domain rule's key is the hash of the domain; a URL rule's key is the hash
of "host/path" (see `listformats.url_rule`), and its host also gets a marker
key so that only hosts with URL rules pay for the path lookups.  Regular
expressions (few) are kept as text in the header.  The rule text shown to
people is the domain or "host/path" that matched, known at lookup time, so
the index does not store strings.

The key of a text is its UTF-8 bytes read as one little-endian integer,
times a multiplier, modulo a prime of 64 bits: a few C-level integer
operations instead of a cryptographic hash.  Above all, a parent domain is
a suffix of the host, so its integer is the host's shifted right by whole
bytes: one encoding of the host gives the keys of the whole chain.

The prime and the multiplier are drawn at random (`secrets`) for every
build and kept in the header, so files stay valid across processes but
nobody can craft a name whose key equals a listed one's without reading the
index file.  That matters: a name colliding with an allow rule would be let
through.  Two different names collide only if the prime divides the
difference of their integers, which at most 32 of the 2e17 primes of that
size do (names have at most 253 bytes): below 2e-16 for any two fixed
names.  At 5 million keys an unlisted name shares a listed one's key about
once in 3e12 lookups (8e-10 at the very worst).

`match()` normalises the URL, checks the host and its parent domains, URL
prefix rules and expressions, then every URL embedded in it (translators,
caches, redirect parameters).  Allow rules beat deny rules for the same URL;
a URL wrapped inside an allowed one is still checked on its own.  Host
lookups are not cached: measured, any cache (an LRU of 512 to 32,768 hosts,
C-level or not) cost a new host about 1 µs, half the lookup it saves a
known one.
`reload_if_changed()` swaps in a new file (found by inode/mtime/size)
without a restart.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import secrets
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import numpy as np

from rules.listformats import (
    DEFAULT_SOURCE,
    Entry,
    default_list_entries,
    expression_problem,
    is_allow_category,
    path_prefixes,
    required_literals,
    strip_leading_wildcard,
    url_rule,
)
from rules.urlnorm import NormalizedURL, normalize_url

MAGIC = b"SALAMAIX"
FORMAT_VERSION = 2  # 2: polynomial keys in a hash table (1: BLAKE2b keys, buckets, CRC-32 filter)
#: Expressions see at most this much of a URL, bounding their worst case.
EXPRESSION_SUBJECT_LIMIT = 1024
_MARKER_TAG = 0  # "this host has URL rules"
_MAX_TAGS = 65535
#: The table's share of used slots: lower is fewer slots read per lookup, higher is a smaller file.
LOAD_FACTOR = 0.65
EMPTY = 2**64 - 1  # a free slot; larger than every key (keys are below the prime, itself below 2**64 - 1)
_MAX_SELECTIONS = 256  # distinct category sets remembered (one or two per profile)
_PROGRESS_MASK = (1 << 17) - 1  # report every 131,072 entries

Progress = Callable[[str, int, "int | None"], None]


class IndexFormatError(ValueError):
    """The index file is not one this version wrote, or it is damaged."""


class ListMatch(NamedTuple):
    """A list rule that matched: `allow` rules beat deny rules (a named tuple: cheap to make)."""

    category: str
    source: str
    rule: str
    allow: bool
    target: NormalizedURL | None = None  # the URL the rule matched (an embedded one, if that is where it was)

    @property
    def url(self) -> str:
        return self.target.url if self.target is not None else ""


_new_match = tuple.__new__  # a ListMatch without the Python-level __new__ of named tuples (hot: every hit)


class _Tag(NamedTuple):
    category: str
    source: str
    allow: bool
    kind: str


def _compile_expression(pattern: str) -> re.Pattern:
    """Expressions run on the lower-cased URL; re.IGNORECASE (slow) only where a pattern needs it."""
    pattern = strip_leading_wildcard(pattern)
    return re.compile(pattern) if pattern == pattern.lower() else re.compile(pattern, re.IGNORECASE)


def _new_key_parameters() -> tuple[int, int]:
    """A secret (prime, multiplier) for one build: a random prime in [2**63, 2**64 - 1), a multiplier below it."""
    draw = secrets.SystemRandom()
    prime = draw.randrange(2**63 + 1, 2**64 - 1, 2)
    while not _is_prime(prime):
        prime = draw.randrange(2**63 + 1, 2**64 - 1, 2)
    return prime, draw.randrange(1, prime)


def _text_key(text: str, multiplier: int, prime: int) -> int:
    """The key of a rule text (a domain or "host/path"); see the module docstring."""
    return int.from_bytes(text.encode("utf-8", "surrogatepass"), "little") * multiplier % prime


def _is_prime(number: int) -> bool:
    """Miller-Rabin with the first 12 primes as bases: exact for every number below 3.3e24."""
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    if number < 2 or any(number % p == 0 for p in bases):
        return number in bases
    odd, twos = number - 1, 0
    while not odd & 1:
        odd, twos = odd >> 1, twos + 1
    for base in bases:
        x = pow(base, odd, number)
        if x in (1, number - 1):
            continue
        for _ in range(twos - 1):
            x = x * x % number
            if x == number - 1:
                break
        else:
            return False
    return True


@dataclass
class _Tables:
    """One compiled index, swapped whole on reload so a lookup never sees a mix."""

    keys: memoryview
    tags: memoryview
    slots: int  # home slots: 0 .. slots - 1 (the table is a little longer, see the module docstring)
    count: int  # keys in the table
    prime: int  # the key parameters of this build (see the module docstring)
    multiplier: int
    tag_table: list[_Tag]
    expressions: list[tuple[str, int]]
    meta: dict
    stamp: tuple[int, int, int] | None = None
    buffer: object = None  # what the views point into (an mmap or numpy arrays)
    compiled: list[tuple[re.Pattern, str, int]] = field(init=False)
    unfiltered: list[tuple[re.Pattern, str, int]] = field(init=False)
    prefilter: re.Pattern | None = field(init=False)
    allow_expressions: bool = field(init=False)
    divisor: int = field(init=False)
    every_list: list[bool] = field(init=False)  # selection(None), the most common one

    def __post_init__(self) -> None:
        self.compiled = [(_compile_expression(p), p, tag) for p, tag in self.expressions]
        self.allow_expressions = any(self.tag_table[tag].allow for _, tag in self.expressions)
        self.selections: dict[frozenset | None, list[bool]] = {}
        self.every_list = self.selection(None)
        self._build_prefilter()
        self.divisor = _divisor(self.prime, self.slots)

    def _build_prefilter(self) -> None:
        """One search for every expression's required literals, so most URLs skip the expressions."""
        literals: set[str] = set()
        self.unfiltered = []
        for compiled, pattern, tag in self.compiled:
            required = required_literals(pattern)
            if required is None:
                self.unfiltered.append((compiled, pattern, tag))
            else:
                literals.update(required)
        self.prefilter = re.compile(_any_of(literals)) if literals else None

    def selection(self, wanted: frozenset | None) -> list[bool]:
        """Per tag id, whether its rules count for the `wanted` categories; worked out once per set.

        With no categories named (None), every category counts except the opt-in allow-lists.
        """
        chosen = self.selections.get(wanted)
        if chosen is None:
            if len(self.selections) >= _MAX_SELECTIONS:
                self.selections.clear()
            chosen = [not is_allow_category(tag.category) if wanted is None else tag.category in wanted
                      for tag in self.tag_table]
            self.selections[wanted] = chosen
        return chosen

    def lookup(self, key: int) -> tuple[int, ...]:
        """Tag ids stored under `key` (most often none): reads from its home slot to the first key not below it."""
        keys = self.keys
        i = key // self.divisor
        found = keys[i]
        while found < key:
            i += 1
            found = keys[i]
        tags = ()
        while found == key:
            tags += (self.tags[i],)
            i += 1
            found = keys[i]
        return tags

    def host_hits(self, host: str, is_ip: bool) -> tuple[tuple[tuple[int, str], ...], tuple[str, ...]]:
        """(tag, matching domain) for the host and its parents, most specific first; and those with URL rules.

        The parents are the suffixes after each dot that still hold a dot (no
        bare TLD); an IP address is looked up alone.  Each one's key comes
        from the host's integer shifted by whole bytes (see the module docstring).
        """
        data = host.encode() if host.isascii() else host.encode("utf-8", "surrogatepass")  # error handler: slow
        number = int.from_bytes(data, "little")
        last_dot = -1 if is_ip else data.rfind(b".")
        keys, divisor, multiplier, prime = self.keys, self.divisor, self.multiplier, self.prime
        hits = url_hosts = ()
        start = 0
        while True:
            key = (number >> (start << 3)) * multiplier % prime
            i = key // divisor  # as in lookup(), inline: a call costs as much as the probe
            found = keys[i]
            while found < key:
                i += 1
                found = keys[i]
            if found == key:
                name = host[start:] if len(data) == len(host) else data[start:].decode("utf-8", "surrogatepass")
                while found == key:
                    tag = self.tags[i]
                    if tag == _MARKER_TAG:
                        url_hosts += (name,)
                    else:
                        hits += ((tag, name),)
                    i += 1
                    found = keys[i]
            start = data.find(b".", start) + 1
            if not start or start > last_dot:
                return hits, url_hosts


class BlocklistIndex:
    """Category blocklists compiled for fast matching; see the module docstring."""

    def __init__(self, tables: _Tables, path: Path | None = None) -> None:
        self._tables = tables
        self._path = path
        self.last_error: str | None = None

    # ------------------------------------------------------------ creating

    @classmethod
    def empty(cls) -> "BlocklistIndex":
        """An index with no rules at all (not even Salama's default lists)."""
        return cls(_Builder().finish())

    @classmethod
    def build(
        cls,
        sources: Iterable[tuple[str, Iterable[Entry]]] = (),
        include_defaults: bool = True,
        progress: Progress | None = None,
    ) -> "BlocklistIndex":
        """Compile (source name, entries) pairs; Salama's default lists come first as "salama-default"."""
        builder = _Builder(progress)
        if include_defaults:
            builder.add(DEFAULT_SOURCE, default_list_entries())
        for name, entries in sources:
            builder.add(name, entries)
        return cls(builder.finish())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BlocklistIndex":
        """Memory-map a compiled index file (fast: nothing is parsed but a small header)."""
        path = Path(path)
        return cls(_load_tables(path), path)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "BlocklistIndex":
        """The index at `path`, or Salama's default lists while there is none yet.

        A damaged file gives the default lists too, with `last_error` saying why.
        Either way `reload_if_changed()` picks up the file once it appears or changes.
        """
        path = Path(path)
        if path.exists():
            try:
                return cls.load(path)
            except (OSError, ValueError) as exc:  # damaged: defaults now, the file again once it is replaced
                index = cls(cls.build()._tables, path)
                index.last_error = str(exc)
                index._tables.stamp = _file_stamp(path)
                return index
        return cls(cls.build()._tables, path)

    def save(self, path: str | os.PathLike) -> None:
        """Write the index atomically: a reader sees the old file or the new one, never half."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as handle:
                _write_tables(handle, self._tables)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------ reloading

    def reload_if_changed(self) -> bool:
        """Swap in the file at the loaded path if it was replaced; True if it was.

        Costs one stat() when nothing changed.  A damaged new file is refused
        (the rules in force stay, `last_error` says why).
        """
        if self._path is None:
            return False
        stamp = _file_stamp(self._path)
        if stamp is None:
            return False
        if stamp == self._tables.stamp:
            return False
        try:
            tables = _load_tables(self._path)
        except (OSError, ValueError) as exc:
            self.last_error = str(exc)
            self._tables.stamp = stamp  # do not retry the same broken file on every call
            return False
        self._tables, self.last_error = tables, None
        return True

    # ------------------------------------------------------------ facts

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def info(self) -> dict:
        """Header facts: when built, entry counts per source and category."""
        return dict(self._tables.meta)

    def __len__(self) -> int:
        return self._tables.count

    # ------------------------------------------------------------ matching

    def match(self, url: str | NormalizedURL, categories: Iterable[str] | None = None) -> ListMatch | None:
        """The rule deciding `url`, or None when no list covers it.

        `categories`: only rules of these categories count (None: every
        category except the `allow:` lists, which a profile must name).
        """
        tables = self._tables
        nurl = url if isinstance(url, NormalizedURL) else normalize_url(url)
        if not nurl.host:
            return None
        if categories is not None:
            categories = frozenset((categories,) if isinstance(categories, str) else categories)
        selected = tables.every_list if categories is None else tables.selection(categories)
        result = _match_one(tables, nurl, selected)
        if result is not None and not result.allow:
            return result
        for inner in nurl.embedded_urls():
            found = _match_one(tables, inner, selected)
            if found is not None and not found.allow:
                return found
        return result


def _match_one(tables: _Tables, nurl: NormalizedURL, selected: list[bool]) -> ListMatch | None:
    """Allow beats deny; among deny rules the most specific (URL rules, then the longest domain) wins."""
    deny = None
    hits, url_hosts = tables.host_hits(nurl.host, nurl.is_ip)
    if url_hosts:
        hits = _url_rule_hits(tables, url_hosts, nurl) + hits
    for tag_id, rule in hits:
        if selected[tag_id]:
            tag = tables.tag_table[tag_id]
            if tag.allow:
                return _new_match(ListMatch, (tag.category, tag.source, rule, True, nurl))
            if deny is None:
                deny = _new_match(ListMatch, (tag.category, tag.source, rule, False, nurl))
    if tables.compiled and (deny is None or tables.allow_expressions):
        expression = _expression_hit(tables, nurl, selected, deny is None)
        if expression is not None:
            return expression
    return deny


def _any_of(literals: Iterable[str]) -> str:
    """A regex finding any of `literals`, as a trie: at each position re tries one branch per first letter.

    A literal holding another one is dropped first (finding the shorter is
    enough), which also leaves no literal a prefix of another.
    """
    distinct = sorted(set(literals), key=len)
    kept: list[str] = []
    for literal in distinct:
        if not any(shorter in literal for shorter in kept):
            kept.append(literal)
    return _trie_pattern(kept)


def _trie_pattern(words: list[str]) -> str:
    """`words`: non-empty and none a prefix of another."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(first) + (_trie_pattern(rests) if rests[0] else "") for first, rests in sorted(by_first.items())]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _url_rule_hits(tables: _Tables, url_hosts: tuple[str, ...], nurl: NormalizedURL) -> tuple[tuple[int, str], ...]:
    """(tag, rule) for URL rules of these hosts that are prefixes of the URL's path, longest first."""
    found = []
    prefixes = path_prefixes(nurl.path)
    with_query = url_rule("", nurl.path, nurl.query) if nurl.query else None
    for host in url_hosts:
        rules = [host + p for p in reversed(prefixes)]
        if with_query:
            rules.insert(0, host + with_query)
        for rule in rules:
            found.extend((url_tag, rule) for url_tag in tables.lookup(_text_key(rule, tables.multiplier, tables.prime)))
    return tuple(found)


def _expression_hit(tables: _Tables, nurl: NormalizedURL, selected: list[bool], want_deny: bool) -> ListMatch | None:
    """An allow expression, else (if `want_deny`) the first deny expression that matches."""
    subject = f"{nurl.host}{nurl.path}?{nurl.query}"[:EXPRESSION_SUBJECT_LIMIT].lower()
    prefilter = tables.prefilter
    candidates = tables.compiled if prefilter is not None and prefilter.search(subject) else tables.unfiltered
    if not candidates:
        return None  # most URLs: no expression can match
    deny = None
    for compiled, pattern, tag_id in candidates:
        tag = tables.tag_table[tag_id]
        if not (tag.allow or (want_deny and deny is None)) or not selected[tag_id]:
            continue
        if compiled.search(subject):
            match = ListMatch(tag.category, tag.source, pattern, tag.allow, nurl)
            if tag.allow:
                return match
            deny = match
    return deny


# ---------------------------------------------------------------- building


class _Builder:
    """Collects keys and tags source by source, then sorts them into tables."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.keys = array("Q")
        self.tags = array("H")
        self.tag_ids: dict[_Tag, int] = {_Tag("", "", False, "marker"): _MARKER_TAG}
        self.expressions: list[tuple[str, int]] = []
        self.progress = progress
        self.prime, self.multiplier = _new_key_parameters()

    def tag(self, category: str, source: str, allow: bool, kind: str) -> int:
        key = _Tag(category, source, allow, kind)
        tag_id = self.tag_ids.get(key)
        if tag_id is None:
            if len(self.tag_ids) >= _MAX_TAGS:
                raise ValueError("too many distinct (category, source) pairs for one index")
            tag_id = self.tag_ids[key] = len(self.tag_ids)
        return tag_id

    def add(self, source: str, entries: Iterable[Entry]) -> None:
        """The hot loop of a build (millions of domains): kept flat on purpose."""
        keys, tags, progress, multiplier, prime = self.keys, self.tags, self.progress, self.multiplier, self.prime
        last_kind = last_category = last_allow = None
        tag = 0
        for count, (kind, value, category, allow) in enumerate(entries, 1):
            if category is not last_category or kind is not last_kind or allow is not last_allow:
                last_kind, last_category, last_allow = kind, category, allow
                tag = self.tag(category, source, allow, kind)
            if kind == "domain":
                keys.append(_text_key(value, multiplier, prime))
                tags.append(tag)
            elif kind == "url":
                self._add_url(value, tag)
            else:
                self._add_expression(value, tag)
            if progress is not None and not count & _PROGRESS_MASK:
                progress(f"compiling {source}", count, None)

    def _add_url(self, rule: str, tag: int) -> None:
        """A URL rule's key, and a marker on its host so that lookups know to try paths."""
        host = rule.partition("/")[0].partition("?")[0]
        self.keys.extend((_text_key(rule, self.multiplier, self.prime), _text_key(host, self.multiplier, self.prime)))
        self.tags.extend((tag, _MARKER_TAG))

    def _add_expression(self, pattern: str, tag: int) -> None:
        problem = expression_problem(pattern)
        if problem:
            raise ValueError(f"unsafe expression {pattern!r}: {problem}")
        self.expressions.append((pattern, tag))

    def finish(self) -> _Tables:
        keys = np.frombuffer(self.keys, dtype=np.uint64) if len(self.keys) else np.zeros(0, np.uint64)
        tags = np.frombuffer(self.tags, dtype=np.uint16) if len(self.tags) else np.zeros(0, np.uint16)
        order = np.lexsort((tags, keys))
        keys, tags = keys[order], tags[order]
        distinct = np.ones(len(keys), dtype=bool)
        distinct[1:] = (keys[1:] != keys[:-1]) | (tags[1:] != tags[:-1])
        keys, tags = keys[distinct], tags[distinct]
        slots = max(8, int(len(keys) / LOAD_FACTOR))
        table, table_tags = _hash_table(keys, tags, _divisor(self.prime, slots), slots)
        tag_table = sorted(self.tag_ids, key=self.tag_ids.get)
        sources = _source_counts(tag_table, tags, self.expressions)
        meta = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "entries": sum(n for counts in sources.values() for n in counts.values()),
            "sources": sources,
        }
        return _Tables(
            memoryview(table), memoryview(table_tags), slots, len(keys), self.prime, self.multiplier, tag_table,
            self.expressions, meta, buffer=(table, table_tags),
        )


def _divisor(prime: int, slots: int) -> int:
    """What a key is divided by to give its home slot: every key below `prime` gets one below `slots`."""
    return prime // slots + 1


def _hash_table(keys: np.ndarray, tags: np.ndarray, divisor: int, slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys (and their tags) placed at their home slots or the first free one after, in one pass.

    Placing keys in order makes each one's slot max(home, previous slot + 1),
    a running maximum that numpy computes without a Python loop.
    """
    homes = (keys // np.uint64(divisor)).astype(np.int64)
    steps = np.arange(len(keys), dtype=np.int64)
    positions = np.maximum.accumulate(homes - steps) + steps if len(keys) else steps
    length = max(slots, int(positions[-1]) + 1 if len(keys) else 0) + 1  # the last slot stays EMPTY: scans end
    table = np.full(length, EMPTY, dtype=np.uint64)
    table[positions] = keys
    table_tags = np.zeros(length, dtype=np.uint16)
    table_tags[positions] = tags
    return table, table_tags


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a replaced index file from the loaded one: inode, mtime, size."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _source_counts(tag_table: list[_Tag], tags: np.ndarray, expressions) -> dict[str, dict[str, int]]:
    per_tag = np.bincount(tags, minlength=len(tag_table)) if len(tags) else np.zeros(len(tag_table), int)
    counts: dict[str, dict[str, int]] = {}
    for tag_id, tag in enumerate(tag_table):
        if tag_id != _MARKER_TAG and per_tag[tag_id]:
            by_category = counts.setdefault(tag.source, {})
            by_category[tag.category] = by_category.get(tag.category, 0) + int(per_tag[tag_id])
    for _, tag_id in expressions:
        tag = tag_table[tag_id]
        by_category = counts.setdefault(tag.source, {})
        by_category[tag.category] = by_category.get(tag.category, 0) + 1
    return counts


# ---------------------------------------------------------------- file format


def _write_tables(handle, tables: _Tables) -> None:
    header = json.dumps(
        {
            "version": FORMAT_VERSION,
            "slots": tables.slots,
            "count": tables.count,
            "key_prime": tables.prime,
            "key_multiplier": tables.multiplier,
            "length": len(tables.keys),
            "tags": [list(tag) for tag in tables.tag_table],
            "expressions": [list(e) for e in tables.expressions],
            "meta": tables.meta,
        }
    ).encode()
    handle.write(MAGIC + FORMAT_VERSION.to_bytes(4, "little") + len(header).to_bytes(4, "little"))
    handle.write(header + b"\0" * _padding(16 + len(header)))
    for view in (tables.keys, tables.tags):
        handle.write(view.cast("B"))
        handle.write(b"\0" * _padding(view.nbytes))


def _padding(size: int) -> int:
    return -size % 8


def _load_tables(path: Path) -> _Tables:
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        if st.st_size < 16:
            raise IndexFormatError(f"{path}: not a Salama blocklist index (file too short)")
        buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    data = memoryview(buffer)
    if bytes(data[:8]) != MAGIC:
        raise IndexFormatError(f"{path}: not a Salama blocklist index")
    version = int.from_bytes(data[8:12], "little")
    if version != FORMAT_VERSION:
        raise IndexFormatError(f"{path}: index format {version}, this Salama reads {FORMAT_VERSION}: run 'salama blocklist update'")
    header_length = int.from_bytes(data[12:16], "little")
    try:
        header = json.loads(bytes(data[16 : 16 + header_length]))
        slots, count, length = int(header["slots"]), int(header["count"]), int(header["length"])
        prime, multiplier = int(header["key_prime"]), int(header["key_multiplier"])
        position = 16 + header_length + _padding(16 + header_length)
        keys, position = _view(data, position, 8 * length, "Q")
        tags, position = _view(data, position, 2 * length, "H")
        tag_table = [_Tag(*tag) for tag in header["tags"]]
        expressions = [(str(p), int(t)) for p, t in header["expressions"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexFormatError(f"{path}: damaged blocklist index ({exc})") from None
    if not 0 < slots < length or keys[length - 1] != EMPTY or not 0 <= count < length or not 0 < multiplier < prime < EMPTY:
        raise IndexFormatError(f"{path}: damaged blocklist index (bad table)")  # a scan must end on EMPTY
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    return _Tables(keys, tags, slots, count, prime, multiplier, tag_table, expressions, header.get("meta", {}), stamp, buffer)


def _view(data: memoryview, start: int, size: int, fmt: str) -> tuple[memoryview, int]:
    end = start + size
    if end > len(data):
        raise ValueError("truncated")
    return data[start:end].cast(fmt), end + _padding(size)
