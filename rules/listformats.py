"""Parsers for the blocklist formats people already use, and their categories.

Formats (`FORMATS`):

- `ut1`: a UT1 / squidGuard / e2guardian category tree (one folder per
  category holding `domains`, `urls` and `expressions` files), a single
  category folder, or the whole `blacklists` tree;
- `hosts`: hosts files (`0.0.0.0 host [host...]`, `#` comments), such as
  StevenBlack's or the Block List Project's;
- `domains`: one domain per line;
- `adblock`: AdBlock-style domain rules as AdGuard Home reads them
  (`||example.com^`, `@@||example.com^` exceptions, `$important`); other rule
  types (cosmetic, regex, options such as `$third-party`) are skipped and
  counted;
- `urls`: squidGuard URL rules (`example.com/some/path`), matched as path prefixes;
- `expressions`: squidGuard regular expressions, admitted only when
  `expression_problem()` finds them safe from catastrophic backtracking.

Every parser yields `Entry(kind, value, category, allow)` with values already
normalised (see `rules.urlnorm`), and records in a `ParseReport` how many
entries it read, what it skipped and why, and each broken line as
"FILE:LINE: message" (the line is skipped, the rest of the file kept).

Categories.  Entries carry Salama's category names (`rules.categories`):
the model's risks (`sexual`, `drugs`, `gambling`, ...) and the list-only
groups `bypass` (DNS-over-HTTPS resolvers, VPNs, public proxies and
redirectors: ways around the filter that a profile can block) and `sect`.
Allow-lists are categories named `allow:<name>` (UT1 `child` becomes
`allow:child`): every entry in them is an allow rule, and a profile opts in
to one by naming it.  `UT1_CATEGORIES` maps UT1's folder names to these;
`map_category()` takes a dict that overrides it (the policy's mapping).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple

import re._constants as _sre
import re._parser as _sre_parse

from rules.urlnorm import is_ip_host, normalize_host, normalize_url

FORMATS = ("ut1", "hosts", "domains", "adblock", "urls", "expressions")
ALLOW_PREFIX = "allow:"
DEFAULT_SOURCE = "salama-default"
DEFAULT_LISTS_DIR = Path(__file__).resolve().parent / "default_lists"

#: UT1 folder names (and the upstream aliases) → Salama category; None: not imported.
UT1_CATEGORIES: dict[str, str | None] = {
    "adult": "sexual",
    "porn": "sexual",
    "dating": "sexual",
    "mixed_adult": None,  # general sites with some adult corners: too broad to block by default
    "lingerie": None,
    "drogue": "drugs",
    "drugs": "drugs",
    "gambling": "gambling",
    "arjel": "gambling",
    "agressif": "violence",
    "aggressive": "violence",
    "violence": "violence",
    "phishing": "scam",
    "malware": "scam",
    "cryptojacking": "scam",
    "dialer": "scam",
    "sect": "sect",
    "vpn": "bypass",
    "doh": "bypass",
    "redirector": "bypass",
    "strict_redirector": "bypass",
    "strong_redirector": "bypass",
    "proxy": "bypass",
    "residential-proxies": "bypass",
    "child": "allow:child",
    "sexual_education": "allow:sexual_education",
    "liste_blanche": "allow:liste_blanche",
}

#: How many broken-line messages a report keeps (all are counted).
MAX_ERROR_MESSAGES = 50
#: Expressions longer than this are refused.
MAX_EXPRESSION_LENGTH = 256
#: A bounded repeat above this many is as costly as an unbounded one.
_LARGE_REPEAT = 32

_CATEGORY_NAME = re.compile(r"[a-z][a-z0-9_-]*(?::[a-z0-9_-]+)?")
_VALID_DOMAIN = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)+")
_HOSTS_LINE = re.compile(r"\s*(?:0\.0\.0\.0|127\.0\.0\.1|::1?|[0-9a-fA-F:.]+)\s+\S")
_LOCAL_NAMES = frozenset(
    "localhost localhost.localdomain local broadcasthost ip6-localhost ip6-loopback "
    "ip6-localnet ip6-mcastprefix ip6-allnodes ip6-allrouters ip6-allhosts 0.0.0.0".split()
)
_SINK_ADDRESSES = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1"})
_COSMETIC_MARKS = ("##", "#@#", "#?#", "#$#", "#%#")
_ADBLOCK_KEPT_OPTIONS = frozenset({"", "important"})


class Entry(NamedTuple):
    """One list rule: `kind` is "domain", "url" or "expression"."""

    kind: str
    value: str
    category: str
    allow: bool


@dataclass
class ParseReport:
    """What a parse read, skipped and refused."""

    entries: Counter = field(default_factory=Counter)  # category -> entries read
    skipped: Counter = field(default_factory=Counter)  # reason -> lines skipped
    errors: list[str] = field(default_factory=list)  # "FILE:LINE: message", the first few
    error_count: int = 0

    def add_error(self, where: str | Path, line_no: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERROR_MESSAGES:
            self.errors.append(f"{where}:{line_no}: {message}")

    @property
    def total(self) -> int:
        return sum(self.entries.values())

    def summary(self) -> str:
        counts = ", ".join(f"{cat} {n:,}" for cat, n in sorted(self.entries.items())) or "no entries"
        parts = [counts]
        if self.skipped:
            parts.append("skipped: " + ", ".join(f"{why} {n:,}" for why, n in sorted(self.skipped.items())))
        if self.error_count:
            parts.append(f"{self.error_count:,} broken line(s)")
        return "; ".join(parts)


def map_category(name: str, mapping: Mapping[str, str | None] | None = None) -> str | None:
    """The Salama category for a source's category name (None: not imported)."""
    table = {**UT1_CATEGORIES, **(mapping or {})}
    return table.get(name.lower())


def check_category(category: str) -> str:
    """A category name as given on the command line, validated."""
    if not _CATEGORY_NAME.fullmatch(category or ""):
        raise ValueError(f"invalid category name {category!r}: use lower-case letters, digits, '_' (allow-lists: 'allow:NAME')")
    return category


def is_allow_category(category: str) -> bool:
    return category.startswith(ALLOW_PREFIX)


# ---------------------------------------------------------------- values


def domain_value(text: str) -> str:
    """A list's domain (or IP) in canonical form; ValueError says why it is not one."""
    host = normalize_host(text)
    if host is text:  # the fast path: already canonical and valid
        return host
    if not host:
        raise ValueError(f"not a valid host name: {text!r}")
    if is_ip_host(host):
        return host
    if "." not in host:
        raise ValueError(f"single-label name {text!r} would cover a whole top-level domain")
    if not _VALID_DOMAIN.fullmatch(host):
        raise ValueError(f"not a valid host name: {text!r}")
    return host


def url_rule(host: str, path: str, query: str = "") -> str:
    """A URL rule's text: host, lower-case path without trailing slash, query if any."""
    rule = host + path.lower().rstrip("/")
    return f"{rule}?{query.lower()}" if query else rule


def path_prefixes(path: str) -> list[str]:
    """The segment-boundary prefixes a URL rule may match: /a, /a/b, /a/b/c."""
    lowered = path.lower().rstrip("/")
    prefixes = []
    start = 1
    while True:
        cut = lowered.find("/", start)
        if cut == -1:
            break
        prefixes.append(lowered[:cut])
        start = cut + 1
    if len(lowered) > 1:
        prefixes.append(lowered)
    return prefixes


def url_entry(text: str, category: str, allow: bool) -> Entry:
    """A URL line as an entry: a URL rule, or a domain rule when it has no path."""
    nurl = normalize_url(text if "://" in text else f"http://{text}")
    if not nurl.host or (not nurl.is_ip and "." not in nurl.host):
        raise ValueError(f"not a valid URL: {text!r}")
    if nurl.path == "/" and not nurl.query:
        return Entry("domain", nurl.host, category, allow)
    return Entry("url", url_rule(nurl.host, nurl.path, nurl.query), category, allow)


# ---------------------------------------------------------------- expressions


class _Unsafe(Exception):
    pass


def expression_problem(pattern: str) -> str | None:
    """Why a regular expression is refused, or None if it is safe to run on every URL.

    Python's `re` backtracks, so some patterns take exponential or high
    polynomial time on crafted URLs.  Refused: longer than
    MAX_EXPRESSION_LENGTH, backreferences, lookarounds, repeated groups or
    nested quantifiers (`(a+)+`, `(a|aa)*`), and more than one unbounded
    repeat that can overlap what follows it (`.*a.*b`).  A repeat followed by
    a character it cannot match (`[0-9]+\\.`) is deterministic and allowed.
    """
    if len(pattern) > MAX_EXPRESSION_LENGTH:
        return f"longer than {MAX_EXPRESSION_LENGTH} characters"
    try:
        parsed = _sre_parse.parse(strip_leading_wildcard(pattern), re.IGNORECASE)
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"invalid regular expression: {exc}"
    try:
        overlapping = _check_items(list(parsed), top_level=True)
    except _Unsafe as exc:
        return str(exc)
    if overlapping > 1:
        return "more than one unbounded repeat that can overlap (such as .*a.*b) can take polynomial time"
    return None


def strip_leading_wildcard(pattern: str) -> str:
    """`.*X` finds the same URLs as `X` in a search, at a fraction of the cost."""
    while pattern.startswith(".*") and pattern[2:3] not in ("*", "+", "?", "{"):
        pattern = pattern[2:]
    return pattern


def required_literals(pattern: str) -> list[str] | None:
    """Lower-case strings one of which every match of `pattern` contains; None if none can be told.

    Lets the matcher skip expressions with one cheap search for all their literals.
    """
    try:
        items = list(_sre_parse.parse(strip_leading_wildcard(pattern)))
    except (re.error, RecursionError, OverflowError):
        return None
    for position, (op, av) in enumerate(items):
        run = _literal_run(items[position:])
        if len(run) >= 3:
            return [run]
        if op == _sre.SUBPATTERN:
            inner = list(av[-1])
            run = _literal_run(inner)
            if len(run) >= 3:
                return [run]
            if len(inner) == 1 and inner[0][0] == _sre.BRANCH:
                prefixes = [_literal_run(list(alt)) for alt in inner[0][1][1]]
                if all(len(p) >= 2 for p in prefixes):
                    return prefixes
    return None


def _literal_run(items: list) -> str:
    run = []
    for op, av in items:
        if op != _sre.LITERAL:
            break
        run.append(chr(av).lower())
    return "".join(run)


def _check_items(items: list, top_level: bool = False) -> int:
    """Walk a parsed pattern; return how many overlapping unbounded repeats it has."""
    overlapping = 0
    for position, (op, av) in enumerate(items):
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            raise _Unsafe("backreferences are not allowed")
        if op in (_sre.ASSERT, _sre.ASSERT_NOT):
            raise _Unsafe("lookahead/lookbehind assertions are not allowed")
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, high, body = av
            if high > 1 and _single_char_set(body) is False:
                raise _Unsafe("repeated groups or nested quantifiers (such as (a+)+ or (a|b)*) can take exponential time")
            if high > _LARGE_REPEAT:
                following = items[position + 1] if position + 1 < len(items) else None
                if not (following is None and top_level) and not _disjoint(body, following):
                    overlapping += 1
            overlapping += _check_items(list(body))
        elif op in (_sre.SUBPATTERN, _sre.ATOMIC_GROUP):
            overlapping += _check_items(list(av[-1] if op == _sre.SUBPATTERN else av))
        elif op == _sre.BRANCH:
            overlapping += max(_check_items(list(alt)) for alt in av[1])
    return overlapping


def _single_char_set(body) -> set[int] | None | bool:
    """The characters a one-character item matches: a set, None if many, False if not one character."""
    items = list(body)
    if len(items) != 1:
        return False
    op, av = items[0]
    if op == _sre.SUBPATTERN:
        return _single_char_set(av[-1])
    if op == _sre.LITERAL:
        return _with_case({av})
    if op == _sre.IN:
        return _class_chars(av)
    if op in (_sre.ANY, _sre.NOT_LITERAL):
        return None
    return False


def _class_chars(members) -> set[int] | None:
    chars: set[int] = set()
    for op, av in members:
        if op == _sre.LITERAL:
            chars.add(av)
        elif op == _sre.RANGE and av[1] - av[0] < 256:
            chars.update(range(av[0], av[1] + 1))
        elif op == _sre.CATEGORY and av == _sre.CATEGORY_DIGIT:
            chars.update(range(0x30, 0x3A))
        else:
            return None
    return _with_case(chars)


def _with_case(chars: set[int]) -> set[int]:
    """Expressions run case-insensitively: a letter stands for both cases."""
    return chars | {ord(chr(c).swapcase()) for c in chars if chr(c).isalpha() and len(chr(c).swapcase()) == 1}


def _disjoint(body, following) -> bool:
    if following is None:
        return False
    mine = _single_char_set(body)
    theirs = _single_char_set([following])
    return isinstance(mine, set) and isinstance(theirs, set) and not (mine & theirs)


# ---------------------------------------------------------------- parsers


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text without comment and surrounding blanks) for non-empty lines."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_no, line in enumerate(handle, 1):
            if "#" in line:
                line = line.partition("#")[0]
            text = line.strip()
            if text:
                yield line_no, text


def parse_domains(path: Path, category: str, report: ParseReport) -> Iterator[Entry]:
    allow = is_allow_category(category)
    for line_no, text in _lines(path):
        try:
            host = domain_value(text.lstrip("*."))  # "*.example.com" and ".example.com" mean example.com
        except ValueError as exc:
            report.add_error(path, line_no, str(exc))
            continue
        report.entries[category] += 1
        yield Entry("domain", host, category, allow)


def parse_hosts(path: Path, category: str, report: ParseReport) -> Iterator[Entry]:
    allow = is_allow_category(category)
    for line_no, text in _lines(path):
        for entry in _hosts_line(path, line_no, text, category, allow, report):
            yield entry


def _hosts_line(path, line_no, text, category, allow, report) -> list[Entry]:
    tokens = text.split()
    if len(tokens) < 2 or not _is_ip_literal(tokens[0]):
        report.add_error(path, line_no, f"expected 'IP host [host...]', got {text[:80]!r}")
        return []
    entries = []
    for name in tokens[1:]:
        if name.lower() in _LOCAL_NAMES:
            report.skipped["local name"] += 1
            continue
        try:
            entries.append(Entry("domain", domain_value(name), category, allow))
        except ValueError as exc:
            report.add_error(path, line_no, str(exc))
    report.entries[category] += len(entries)
    return entries


def _is_ip_literal(text: str) -> bool:
    if text in _SINK_ADDRESSES:
        return True
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_urls(path: Path, category: str, report: ParseReport) -> Iterator[Entry]:
    allow = is_allow_category(category)
    for line_no, text in _lines(path):
        try:
            entry = url_entry(text, category, allow)
        except ValueError as exc:
            report.add_error(path, line_no, str(exc))
            continue
        report.entries[category] += 1
        yield entry


def parse_expressions(path: Path, category: str, report: ParseReport) -> Iterator[Entry]:
    """One regular expression per line; `#` does not start a comment here (it may be in a pattern)."""
    allow = is_allow_category(category)
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_no, line in enumerate(handle, 1):
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            problem = expression_problem(pattern)
            if problem:
                report.add_error(path, line_no, f"expression refused: {problem}")
                continue
            report.entries[category] += 1
            yield Entry("expression", pattern, category, allow)


def parse_adblock(path: Path, category: str, report: ParseReport) -> Iterator[Entry]:
    list_allow = is_allow_category(category)
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_no, line in enumerate(handle, 1):
            rule = line.strip()
            if not rule or rule[0] in "![" or (rule[0] == "#" and not rule.startswith("##")):
                continue
            for entry in _adblock_rule(path, line_no, rule, category, list_allow, report):
                yield entry


def _adblock_rule(path, line_no, rule, category, list_allow, report) -> list[Entry]:
    if any(mark in rule for mark in _COSMETIC_MARKS):
        report.skipped["cosmetic rule"] += 1
        return []
    if _HOSTS_LINE.match(rule):
        return _hosts_line(path, line_no, rule, category, list_allow, report)
    allow = list_allow or rule.startswith("@@")
    body = rule[2:] if rule.startswith("@@") else rule
    if "$" in body:
        body, _, options = body.rpartition("$")
        if options.lower() not in _ADBLOCK_KEPT_OPTIONS:
            report.skipped["rule with options"] += 1
            return []
    if body.startswith("/") and body.endswith("/") and len(body) > 1:
        report.skipped["regex rule"] += 1
        return []
    if body.startswith("||"):
        return _adblock_domain_rule(path, line_no, body[2:], category, allow, report)
    if body.startswith("|") or any(ch in body for ch in "*^|/"):
        report.skipped["URL pattern rule"] += 1
        return []
    return _adblock_domain_rule(path, line_no, body, category, allow, report)


def _adblock_domain_rule(path, line_no, body, category, allow, report) -> list[Entry]:
    """`||host^`, `||*.host^`, `||host/path`, or a bare host."""
    body = body.removesuffix("|").removesuffix("^")
    if body.startswith("*."):
        body = body[2:]
    if "*" in body or "^" in body or "|" in body:
        report.skipped["wildcard rule"] += 1
        return []
    try:
        entry = url_entry(body, category, allow) if "/" in body else Entry("domain", domain_value(body), category, allow)
    except ValueError as exc:
        report.add_error(path, line_no, str(exc))
        return []
    report.entries[category] += 1
    return [entry]


_FILE_PARSERS: dict[str, Callable[[Path, str, ParseReport], Iterator[Entry]]] = {
    "hosts": parse_hosts,
    "domains": parse_domains,
    "adblock": parse_adblock,
    "urls": parse_urls,
    "expressions": parse_expressions,
}
_UT1_FILES = {"domains": parse_domains, "urls": parse_urls, "expressions": parse_expressions}


def parse_ut1(
    folder: Path,
    report: ParseReport,
    category: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
) -> Iterator[Entry]:
    """A UT1 tree (every mapped category, or those mapping to `category`) or one category folder."""
    if _ut1_files(folder):
        target = category or map_category(folder.name, mapping)
        if target is None:
            raise ValueError(f"UT1 category '{folder.name}' has no Salama category: pass --category")
        yield from _parse_ut1_category(folder, target, report)
        return
    folders = sorted(d for d in folder.iterdir() if d.is_dir() and not d.is_symlink())
    if not folders:
        raise ValueError(f"{folder}: not a UT1 category tree (no category folders with domains/urls files)")
    for sub in folders:
        target = map_category(sub.name, mapping)
        if target is None:
            report.skipped["unmapped UT1 category"] += 1
        elif category is None or target == category:
            yield from _parse_ut1_category(sub, target, report)


def _ut1_files(folder: Path) -> dict[str, Path]:
    """The list files of one UT1 category folder (`domains`, or the newest dated `domains.*`)."""
    found = {name: folder / name for name in _UT1_FILES if (folder / name).is_file()}
    if "domains" not in found:
        dated = sorted(p for p in folder.glob("domains.*") if p.is_file())
        if dated:
            found["domains"] = dated[-1]
    return found


def _parse_ut1_category(folder: Path, category: str, report: ParseReport) -> Iterator[Entry]:
    for kind, path in sorted(_ut1_files(folder).items()):
        yield from _UT1_FILES[kind](path, category, report)


def detect_format(path: Path) -> str:
    """Guess a list's format from its name, then from its first meaningful lines."""
    if path.is_dir() or path.name.lower().endswith((".tar.gz", ".tgz")):
        return "ut1"
    name = path.name.lower()
    for fmt in ("urls", "expressions", "domains"):
        if name == fmt or name.startswith(f"{fmt}."):
            return fmt
    sample = _sample_lines(path)
    if not sample:
        return "domains"
    if any(line.startswith(("||", "@@", "[adblock")) for line in sample):
        return "adblock"
    if sum(bool(_HOSTS_LINE.match(line)) for line in sample) * 2 > len(sample):
        return "hosts"
    if sum("/" in line for line in sample) * 2 > len(sample):
        return "urls"
    return "domains"


def _sample_lines(path: Path, count: int = 200) -> list[str]:
    sample = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            text = line.strip().lower()
            if text and text[0] not in "#!":
                sample.append(text)
                if len(sample) >= count:
                    break
    return sample


def parse_source(
    path: Path,
    fmt: str | None,
    category: str | None,
    report: ParseReport,
    mapping: Mapping[str, str | None] | None = None,
) -> Iterator[Entry]:
    """Entries of a list file or UT1 folder; `fmt` None means detect it."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown list format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if category is not None:
        check_category(category)
    if fmt == "ut1":
        return parse_ut1(path, report, category, mapping)
    if category is None:
        raise ValueError(f"a {fmt} list needs a category (--category), e.g. sexual, gambling, bypass")
    return _FILE_PARSERS[fmt](path, category, report)


def default_list_entries(report: ParseReport | None = None) -> Iterable[Entry]:
    """The lists Salama ships, always compiled in: rules/default_lists/CATEGORY.KIND.

    KIND is `domains`, `urls` or `expressions`; a file named `allow-NAME.KIND`
    feeds the allow-list `allow:NAME`.
    """
    report = report if report is not None else ParseReport()
    for path in sorted(DEFAULT_LISTS_DIR.iterdir()):
        category, _, kind = path.name.rpartition(".")
        if kind in _UT1_FILES and category:
            yield from _UT1_FILES[kind](path, category.replace("allow-", ALLOW_PREFIX, 1), report)
