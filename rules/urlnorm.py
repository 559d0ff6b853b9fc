"""URL normalisation: one canonical form of an address before any list check.

A child (or a malicious page) can write the same address in many ways:
upper case, a trailing dot, `www.`, a port, user-info (`http://user@host`),
percent-encoding, Unicode or punycode names, decimal/hex/octal IPv4 forms,
IPv6, `//` and `..` in paths.  `normalize_url()` maps all of them to one
`NormalizedURL`, following what browsers do (the WHATWG URL standard), so a
listed domain cannot be walked around.  URLs hidden inside URLs (Google
Translate's `*.translate.goog`, Google's web cache, AMP caches, redirect
parameters such as `?url=`) come out of `NormalizedURL.embedded_urls()`.

`normalize_url()` never raises: garbage gives a `NormalizedURL` with an empty
host.  Normalisation is idempotent: `normalize_url(n.url) == n`.
"""

from __future__ import annotations

import ipaddress
import re
from encodings import idna as _idna
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, unquote

#: Schemes whose URLs always have a host (WHATWG "special" schemes) and their default ports.
SPECIAL_SCHEMES: dict[str, int] = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

#: Query parameter names that commonly carry a destination (open redirects, proxies, translators).
REDIRECT_PARAMS = frozenset(
    "url u q target to dest destination redirect redirect_url redirect_uri redir return "
    "return_to returnurl next continue link goto out uri site r".split()
)

#: How deep `embedded_urls()` follows URLs inside URLs inside URLs, and how many it returns.
MAX_EMBED_DEPTH = 3
MAX_EMBEDDED = 16

_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_FORBIDDEN_HOST_CHARS = frozenset(" #%/:<>?@[\\]^|\x7f" + _C0_AND_SPACE)
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_WWW = re.compile(r"www\d*\.(?=[^.]+\.)")
_PERCENT_XX = re.compile(r"%[0-9A-Fa-f]{2}")
_NUMERIC_LABEL = re.compile(r"(?:0[xX][0-9a-fA-F]*|[0-9]+)")
#: Hosts that need no work at all: lower-case ASCII, no www, not an IP form.
_PLAIN_HOST = re.compile(r"(?!www\d*\.)[a-z0-9_-]+(?:\.[a-z0-9_-]+)+")
#: The common shape of a URL, taken without the general parser (the proxy's hot path).
#: Possessive repeats (`++`, `*+`): each part's characters exclude the delimiter after it, so
#: giving characters back could never help, and not keeping track of them is faster.
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9_-]++(?:\.[a-z0-9_-]++)++)(?::([0-9]{1,5}))?"
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*+)?(?:\?([^#\x00-\x20\"<>\x7f]*+))?(?:#[^\s]*+)?"
)
_match_plain_url = _PLAIN_URL.fullmatch
_new_tuple = tuple.__new__  # a NormalizedURL without the Python-level __new__ of named tuples
_PATH_SAFE = "/!$&'()*+,;=:@~-._"
_QUERY_UNSAFE = re.compile(r'[\x00-\x20"<>\x7f]')  # what browsers percent-encode in a query
_EMBED_CHARS = re.compile(r"[/:.%]")  # no URL or host name can be written without one of these
_EMBED_HINT = re.compile(r"https?(?::|%(?:25)*3a)|www\.|//|%(?:25)*2f%(?:25)*2f|cache(?::|%(?:25)*3a)", re.IGNORECASE)
_REDIRECT_PARAM = re.compile(r"(?:^|[&;])(?:" + "|".join(sorted(REDIRECT_PARAMS)) + ")=", re.IGNORECASE)
_EMBED_IN_PATH = re.compile(r"https?:/+(?=[^/])", re.IGNORECASE)
_BARE_HOST_VALUE = re.compile(r"[\w.-]+\.[a-zA-Z]{2,}(?:[/:?#]|$)")
_CACHE_ID = re.compile(r"[A-Za-z0-9_-]{8,16}:(?!//)")
_ENCODED_HOST_SUFFIXES = (".translate.goog", ".cdn.ampproject.org")
_AMP_PATH = re.compile(r"/[cvi]/(s/)?(.+)")


class NormalizedURL(NamedTuple):
    """A URL in canonical form: lower-case scheme and host, decoded path.

    `host` has no `www.`, no trailing dot, no brackets; IDN names are in
    punycode; an IP host is in its canonical text form (`is_ip`).  `port` is
    None for the scheme's default port.  `path` is percent-decoded with `//`,
    `.` and `..` resolved; `query` is kept as sent (minus the fragment).
    A named tuple, not a dataclass: the proxy makes one per request, and a
    tuple is made several times faster than a frozen dataclass.
    """

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    is_ip: bool

    @property
    def url(self) -> str:
        """The canonical URL string; `normalize_url(self.url) == self`."""
        if not self.host:
            return ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port is None else f":{self.port}"
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{host}{port}{quote(self.path, safe=_PATH_SAFE)}{query}"

    def __str__(self) -> str:
        return self.url

    def host_chain(self) -> tuple[str, ...]:
        """The host then each parent domain, without bare TLDs (an IP: itself only)."""
        if self.is_ip or not self.host:
            return (self.host,) if self.host else ()
        return domain_chain(self.host)

    def embedded_urls(self, max_depth: int = MAX_EMBED_DEPTH) -> tuple["NormalizedURL", ...]:
        """URLs wrapped inside this one (translators, caches, redirect parameters), nested ones too."""
        if not (self.query or ":/" in self.path or self.host.endswith(_ENCODED_HOST_SUFFIXES)):
            return ()  # nowhere to hide a URL: most requests stop here, before any call
        level = _directly_embedded(self)
        if not level:
            return ()
        found: list[NormalizedURL] = []
        seen = {self.url}
        for _ in range(max_depth):
            following = []
            for inner in level:
                if inner.url not in seen and len(found) < MAX_EMBEDDED:
                    seen.add(inner.url)
                    found.append(inner)
                    following.append(inner)
            level = [deeper for outer in following for deeper in _directly_embedded(outer)]
        return tuple(found)


EMPTY = NormalizedURL("", "", None, "", "", False)


def domain_chain(host: str) -> tuple[str, ...]:
    """`a.b.example.com` → (`a.b.example.com`, `b.example.com`, `example.com`)."""
    chain = [host]
    start = host.find(".") + 1
    while start and host.find(".", start) != -1:
        chain.append(host[start:])
        start = host.find(".", start) + 1
    return tuple(chain)


def normalize_url(url: str) -> NormalizedURL:
    """The canonical form of `url`; never raises (garbage gives an empty host)."""
    if not isinstance(url, str):
        return EMPTY
    # The fast path, inline because it is the proxy's hot path: most URLs are already clean, and one
    # compiled-regex match takes them apart.  What the match cannot rule out (a numeric last label
    # as in _may_be_ipv4, dot segments, `//`, a bad port) goes to the general parser; for such a
    # host the general parser's only change would be dropping `www.`, done here the same way.
    m = _match_plain_url(url)
    if m is not None:
        scheme, host, port, path, query = m.groups()
        if not (host[-1].isdigit() or ".0x" in host) and (path is None or not ("/." in path or "//" in path)):
            port_number = None if port is None else _port(scheme, port)
            if port_number != -1:
                if host.startswith("www"):
                    host = _without_www(host)
                return _new_tuple(NormalizedURL, (scheme, host, port_number, path or "/", query or "", False))
    try:
        return _parse(url)
    except (ValueError, UnicodeError, RecursionError):
        return EMPTY


def normalize_host(host: str) -> str:
    """The canonical form of a bare host name (no port), or "" if it is not a valid host."""
    if _PLAIN_HOST.fullmatch(host) and not _may_be_ipv4(host):
        return host
    try:
        return _normalize_host(host)
    except (ValueError, UnicodeError):
        return ""


def is_ip_host(host: str) -> bool:
    """Whether a normalised host is an IP address."""
    return bool(host) and (":" in host or _NUMERIC_LABEL.fullmatch(host.rpartition(".")[2]) is not None)


def _may_be_ipv4(host: str) -> bool:
    """A cheap over-approximation of "the last label is a number" (WHATWG: then it is an IPv4 address)."""
    return host[-1].isdigit() or ".0x" in host


def _parse(url: str) -> NormalizedURL:
    text = _clean_text(url)
    scheme, rest = _split_scheme(text)
    if scheme is None:
        return EMPTY
    authority, path, query = _split_authority(rest)
    hostport = authority.rpartition("@")[2]
    host_text, port_text = _split_port(hostport)
    host = _normalize_host(host_text)
    port = _port(scheme, port_text)
    if not host or port == -1:
        return EMPTY
    query = _QUERY_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", query)
    return NormalizedURL(scheme, host, port, _normalize_path(path), query, is_ip_host(host))


def _clean_text(url: str) -> str:
    """What browsers ignore: surrounding controls/spaces, tabs and newlines anywhere."""
    if not url.isascii():
        # Lone surrogates cannot be encoded; make them U+FFFD so the result is printable.
        url = url.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return url.translate(_TAB_NEWLINE).strip(_C0_AND_SPACE).replace("\\", "/")


def _split_scheme(text: str) -> tuple[str | None, str]:
    """(scheme, what follows "scheme:" and its slashes); no scheme means http."""
    m = _SCHEME.match(text)
    if m:
        scheme = m.group(1).lower()
        rest = text[m.end():]
        if scheme in SPECIAL_SCHEMES:
            return scheme, rest.lstrip("/")
        if rest.startswith("//"):
            return scheme, rest[2:]
        if "." not in scheme and not rest[:1].isdigit():
            return None, ""  # mailto:, javascript:, data: ... have no host to check
    return "http", text.lstrip("/")


def _split_authority(rest: str) -> tuple[str, str, str]:
    """(authority, path, query) with the fragment dropped."""
    rest = rest.partition("#")[0]
    end = len(rest)
    for mark in "/?":
        found = rest.find(mark)
        if found != -1:
            end = min(end, found)
    authority, after = rest[:end], rest[end:]
    path, _, query = after.partition("?")
    return authority, path, query


def _split_port(hostport: str) -> tuple[str, str | None]:
    if hostport.startswith("["):
        inside, _, after = hostport[1:].partition("]")
        return f"[{inside}]", after[1:] if after.startswith(":") else None
    host, colon, port = hostport.rpartition(":")
    if not colon or ":" in host:
        return hostport, None
    return host, port


def _port(scheme: str, port_text: str | None) -> int | None:
    """The port number, None for the default, -1 for an invalid one."""
    if not port_text:
        return None
    if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
        return -1
    port = int(port_text)
    return None if SPECIAL_SCHEMES.get(scheme) == port else port


@lru_cache(maxsize=4096)
def _normalize_host(host: str) -> str:
    host = _percent_decode(host).strip(_C0_AND_SPACE)
    if host.startswith("[") and host.endswith("]"):
        return _normalize_ipv6(host[1:-1])
    if ":" in host:
        return _normalize_ipv6(host) if "." not in host.partition(":")[0] else ""
    labels = [_label_to_ascii(label) for label in _DOTS.split(host.strip(".\u3002\uff0e\uff61"))]
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return _parse_ipv4(labels)
    name = ".".join(labels).strip(".")
    if not name or any(ch in _FORBIDDEN_HOST_CHARS for ch in name):
        return ""
    return _without_www(name)


def _without_www(name: str) -> str:
    """`www.`, `www2.`… dropped, again and again, while two labels at least are left."""
    while m := _WWW.match(name):
        name = name[m.end():]
    return name


def _label_to_ascii(label: str) -> str:
    if label.isascii():
        return label.lower()
    try:
        return _idna.ToASCII(label).decode("ascii").lower()
    except UnicodeError:
        return label.lower()


def _normalize_ipv6(text: str) -> str:
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return ""
    if address.scope_id is not None:  # "fe80::1%eth0" names no host on the web
        return ""
    mapped = address.ipv4_mapped
    return str(mapped) if mapped else address.compressed


def _parse_ipv4(labels: list[str]) -> str:
    """WHATWG IPv4 parsing: 1 to 4 decimal, 0x-hex or 0-octal parts; "" if invalid."""
    if len(labels) > 4:
        return ""
    numbers = [_ipv4_number(label) for label in labels]
    if any(n is None for n in numbers) or any(n > 255 for n in numbers[:-1]):
        return ""
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        return ""
    value = numbers[-1]
    for position, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - position))
    return str(ipaddress.IPv4Address(value))


def _ipv4_number(label: str) -> int | None:
    try:
        if label[:2] in ("0x", "0X"):
            return int(label[2:] or "0", 16)
        if len(label) > 1 and label.startswith("0"):
            return int(label, 8)
        return int(label, 10) if label.isascii() and label.isdigit() else None
    except ValueError:
        return None


def _percent_decode(text: str) -> str:
    """Decode %XX until none is left (double and triple encodings too)."""
    for _ in range(4):
        if not _PERCENT_XX.search(text):
            return text
        text = unquote(text, errors="replace")
    return _decode_to_fixpoint(text) if _PERCENT_XX.search(text) else text


def _decode_to_fixpoint(text: str) -> str:
    """Linear-time full decoding for deeply nested encodings (%252525...)."""
    out = bytearray()
    for byte in text.encode("utf-8", "surrogatepass"):
        out.append(byte)
        while len(out) >= 3 and out[-3] == 0x25 and _is_hex(out[-2]) and _is_hex(out[-1]):
            value = int(out[-2:].decode("ascii"), 16)
            del out[-3:]
            out.append(value)
    return out.decode("utf-8", "replace")


def _is_hex(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x46 or 0x61 <= byte <= 0x66


def _normalize_path(raw: str) -> str:
    """Decode, collapse `//`, resolve `.` and `..` (never above the root)."""
    path = _percent_decode(raw) if "%" in raw else raw
    segments: list[str] = []
    parts = path.split("/")
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if segments:
                segments.pop()
            continue
        segments.append(part)
    trailing = bool(segments) and (parts[-1] in ("", ".", ".."))
    return "/" + "/".join(segments) + ("/" if trailing else "")


def _directly_embedded(outer: NormalizedURL) -> list[NormalizedURL]:
    """URLs one level inside `outer`: host encodings, path prefixes, query values."""
    candidates = _from_host_encoding(outer) if outer.host.endswith(_ENCODED_HOST_SUFFIXES) else []
    in_path = _EMBED_IN_PATH.search(outer.path) if ":/" in outer.path else None
    if in_path:
        candidates.append(outer.path[in_path.start():] + (f"?{outer.query}" if outer.query else ""))
    if outer.query and _may_embed(outer.query):
        candidates += _from_query(outer.query)
    if not candidates:
        return []
    inner = (normalize_url(c) for c in candidates)
    return [n for n in inner if n.host]


def _from_host_encoding(outer: NormalizedURL) -> list[str]:
    """Translate (`www-example-com.translate.goog`) and AMP (`example-com.cdn.ampproject.org`) hosts."""
    host = outer.host
    query = f"?{outer.query}" if outer.query else ""
    for suffix in _ENCODED_HOST_SUFFIXES:
        if host.endswith(suffix) and len(host) > len(suffix):
            real = _decode_dashed_host(host[: -len(suffix)])
            if suffix == ".cdn.ampproject.org":
                amp = _AMP_PATH.fullmatch(outer.path)
                return [f"https://{amp.group(2)}{query}"] if amp else [f"https://{real}{outer.path}{query}"]
            return [f"https://{real}{outer.path}{query}"]
    return []


def _decode_dashed_host(label: str) -> str:
    """Google's host-in-a-label encoding: `-` is a dot, `--` is a dash."""
    return label.replace("--", "\x00").replace("-", ".").replace("\x00", "-")


def _may_embed(query: str) -> bool:
    """A cheap test that most queries fail (the full parse costs microseconds)."""
    return bool(_EMBED_CHARS.search(query)) and bool(_EMBED_HINT.search(query) or _REDIRECT_PARAM.search(query))


def _from_query(query: str) -> list[str]:
    found = []
    for name, value in parse_qsl(query, errors="replace"):
        value = _percent_decode(value).strip()  # values encoded twice or more, too
        if value.lower().startswith("cache:"):
            value = value[6:]
            cache_id = _CACHE_ID.match(value)
            found.append(value[cache_id.end() if cache_id else 0 :].split(" ")[0])
        elif re.match(r"(?:https?:)?//|www\.", value, re.IGNORECASE):
            found.append(value)
        elif name.lower() in REDIRECT_PARAMS and " " not in value and _BARE_HOST_VALUE.match(value):
            found.append(value)
    return found
