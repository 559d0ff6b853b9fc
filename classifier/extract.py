"""The text a reader sees in a web response, for the classifier.

`decode_body` turns a response body into str whatever its charset (declared,
missing or wrong); `extract_page` pulls the visible text out of HTML (title,
meta description, headings, paragraph-sized passages, without scripts or
navigation boilerplate); `extract_text` does both for any buffered body,
dispatching HTML, JSON and plain text.

Pages come from anywhere, so everything here is linear in the input, never
recursive, bounded by `max_chars`, and never raises on malformed input.
"""

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import NamedTuple

import charset_normalizer

DEFAULT_MAX_CHARS = 200_000
MIN_PASSAGE_CHARS = 200
MAX_PASSAGE_CHARS = 800
TITLE_WEIGHT = 2
META_WEIGHT = 2


@dataclass(frozen=True)
class PageText:
    """What a page says, in the parts the classifier weighs differently."""

    title: str = ""
    meta: str = ""  # meta description, keywords and Open Graph text
    headings: list[str] = field(default_factory=list)  # h1-h3, also found in `passages`
    passages: list[str] = field(default_factory=list)  # body text in ~200-800 character blocks

    def weighted_text(self) -> str:
        """The whole page as one text, the title and meta repeated (and the
        headings, once here and once in the passages) so they weigh more."""
        lead = [self.title] * TITLE_WEIGHT + [self.meta] * META_WEIGHT + self.headings
        return "\n".join([part for part in lead if part] + self.passages)

    def all_passages(self) -> list[str]:
        """Passages to score one by one; title and meta make the first."""
        lead = "\n".join(part for part in (self.title, self.meta) if part)
        return [lead, *self.passages] if lead else list(self.passages)


# ---------------------------------------------------------------- decoding

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([\w.:+-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([\w.:+-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([\w.:+-]+)""", re.I)
_META_SNIFF_BYTES = 4096
_DETECTION_SAMPLE_BYTES = 64 * 1024
# UTF-32 before UTF-16: their little-endian BOMs share a prefix.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels browsers decode differently from what the name says (WHATWG
# Encoding Standard): "latin-1" and "ascii" pages are really windows-1252.
_BROWSER_CODECS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
# Browsers refuse UTF-7 (a cross-site scripting vector); so do we.
_REFUSED_CODECS = frozenset(("utf-7",))
_WIDE_CODECS = ("utf-16", "utf-32")
# Encodings worth telling apart for French, Arabic and English pages; a
# short list makes charset_normalizer both faster and right far more often
# (unrestricted, it reads French windows-1252 as cp1250 or mac_latin2).
_DETECTION_CANDIDATES = ["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be", "cp1252", "cp1256", "iso8859_6"]
# Arabic in a single-byte encoding is runs of high bytes between spaces;
# French accents are lone high bytes between ASCII letters.
_HIGH_BYTE_RUN = re.compile(rb"[\x80-\xff]{3,}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def decode_body(body: bytes, content_type: str | None) -> str:
    """Decode a response body. Order: byte-order mark, Content-Type charset,
    <meta>/XML declaration, strict UTF-8, detection, then a single-byte
    fallback. A wrong or unknown declared charset falls through; a body that
    is valid UTF-8 though declared as a legacy charset is read as UTF-8."""
    try:
        data = bytes(body)
    except (TypeError, ValueError):
        return ""
    if not data:
        return ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    for label in (_header_charset(content_type), _sniffed_charset(data)):
        text = _decode_declared(data, label) if label else None
        if text is not None:
            return text
    if not _looks_wide(data):
        text = _decode_strictly(data, "utf-8")
        if text is not None:
            return text
    return _decode_detected(data)


def _header_charset(content_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(content_type or "")
    return match[1] if match else None


def _sniffed_charset(data: bytes) -> str | None:
    head = data[:_META_SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not match:
        return None
    label = match[1].decode("ascii", "replace")
    # A document that could declare itself in ASCII is not UTF-16 (WHATWG).
    return "utf-8" if label.lower().startswith(("utf-16", "utf16")) else label


def _decode_declared(data: bytes, label: str) -> str | None:
    codec = _codec_for(label)
    if codec is None:
        return None
    if codec != "utf-8" and not codec.startswith(_WIDE_CODECS) and not data.isascii():
        # Valid multi-byte UTF-8 is almost never legacy text by chance: this
        # is a UTF-8 page mislabelled by its server or template.
        text = _decode_strictly(data, "utf-8")
        if text is not None:
            return text
    return _decode_strictly(data, codec)


def _codec_for(label: str) -> str | None:
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    if name in _REFUSED_CODECS:
        return None
    return _BROWSER_CODECS.get(name, name)


def _decode_strictly(data: bytes, codec: str) -> str | None:
    """Decode, or None if the bytes are not in `codec`. A multi-byte
    character cut off at the end (a body truncated at the proxy's cap) is
    tolerated."""
    try:
        text = codecs.getincrementaldecoder(codec)("strict").decode(data, final=False)
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None
    return text if isinstance(text, str) else None  # bytes-to-bytes codecs (base64...)


def _looks_wide(data: bytes) -> bool:
    """UTF-16/32 without a BOM: ASCII text in it is full of NUL bytes, which
    would pass as (wrong) UTF-8."""
    sample = data[:_META_SNIFF_BYTES]
    return sample.count(0) * 8 > len(sample)


def _decode_detected(data: bytes) -> str:
    try:
        best = charset_normalizer.from_bytes(
            data[:_DETECTION_SAMPLE_BYTES], cp_isolation=_DETECTION_CANDIDATES
        ).best()
    except Exception:  # a detector failure must not lose the page
        best = None
    if best is not None:
        return data.decode(best.encoding, "replace")
    return data.decode("cp1256" if _looks_arabic(data) else "cp1252", "replace")


def _looks_arabic(data: bytes) -> bool:
    sample = data[:_DETECTION_SAMPLE_BYTES]
    high = len(_HIGH_BYTE.findall(sample))
    in_runs = sum(len(run) for run in _HIGH_BYTE_RUN.findall(sample))
    return high > 0 and in_runs * 2 > high


# ---------------------------------------------------------------- HTML


def _trie_alternation(words: list[str]) -> str:
    """A regex alternation of `words` shaped as a trie ("s(?:cript|tyle)"):
    the regex engine then tests a few letters per position, not every word."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        longer = [rest for rest in rests if rest]
        if not longer:
            branches.append(re.escape(first))
            continue
        optional = "?" if "" in rests else ""
        branches.append(f"{re.escape(first)}(?:{_trie_alternation(longer)}){optional}")
    return "|".join(branches)


# The markup is thinned with regex scans before html.parser sees it: the
# parser costs microseconds of Python per tag, a regex scan nanoseconds per
# character. Each pattern starts with the literal "<" so the regex engine can
# skip ahead quickly.
#
# Elements whose content is never displayed, and comments. Like a browser, an
# unclosed one runs to the end of the document.
_HIDDEN_BLOB_NAMES = ["script", "style", "noscript", "template", "svg", "math", "iframe"]
_HIDDEN_BLOB_START = re.compile(rf"<(?:({_trie_alternation(_HIDDEN_BLOB_NAMES)})(?=[\s/>])|!--)", re.I)
_HIDDEN_BLOB_END = {name: re.compile(rf"</{name}(?=[\s/>])", re.I) for name in _HIDDEN_BLOB_NAMES}
# Inline elements carry no block structure, so their tags need no parsing.
# Formatting tags go without a trace, as they are used inside words
# ("caf<b>é</b>", "H<sub>2</sub>O", or "p<b></b>orn" to dodge filters); so
# does "<" that starts no tag ("x < y", "<3"), which html.parser would pass on
# one call per character (one at the very end may start a tag cut off by a
# chunk border).
_FORMATTING_NAMES = "abbr b bdi bdo dfn em font i mark s samp small strong sub sup u var".split()
_TAG_NOISE = re.compile(
    rf"<(?:(?![a-zA-Z/!?]|\Z)|/?(?:{_trie_alternation(_FORMATTING_NAMES)})(?=[\s/>])[^<>]*>)", re.I
)
# Other inline tags become a space: side by side they are laid out apart
# ("<span>Sexy</span><span>Girls</span>"), and a word spelled out letter by
# letter in spans comes back whole in normalize_text ("p o r n").
_SPACING_NAMES = "cite code data kbd label q span time".split()
_SPACING_TAG = re.compile(rf"</?(?:{_trie_alternation(_SPACING_NAMES)})(?=[\s/>])[^<>]*>", re.I)
# Links too, but how much of a block is link text tells a menu of links from
# a price list in a div named "menu": their tags become marker characters
# (private-use code points) that the parser counts, then turns into spaces.
_LINK_START_TAG = re.compile(r"<a(?=[\s>])[^<>]*>", re.I)
_LINK_END_TAG = re.compile(r"</a\s*>", re.I)
LINK_START, LINK_END = "\ue000", "\ue001"
# Thinned markup goes to the parser in chunks of about this size, so a big
# page is thinned only as far as it is read.
_CHUNK_CHARS = 64 * 1024
_BLOB_SEARCH_CHARS = _CHUNK_CHARS  # how far ahead the next hidden element is looked for at a time

_VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_BLOCK_ELEMENTS = frozenset(
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre "
    "section summary table tbody td tfoot th thead title tr ul".split()
)
_HEADING_ELEMENTS = frozenset(("h1", "h2", "h3"))
_HEAD_ELEMENTS = frozenset(("title", "meta", "link", "base", "style", "script", "noscript", "template"))
_DROPPED_ELEMENTS = frozenset(("head", "select", "button", "datalist", "audio", "video", "canvas", "object"))
_BOILERPLATE_ELEMENTS = frozenset(("nav", "header", "footer", "aside"))
_CONTENT_ELEMENTS = frozenset(("article", "main"))
# Wrappers of the whole page: a class such as "has-sidebar" or an
# anti-flicker "display:none" on them must not set the page aside.
_PAGE_WRAPPERS = frozenset(("html", "body", "main", "article"))
_BOILERPLATE_NAME = re.compile(r"(?<![a-z])(?:cookie|consent|breadcrumb|footer|sidebar)", re.I)
# Named as navigation: set aside only if mostly links when it closes (a
# "menu" may be a restaurant's, or a dealer's price list).
_NAVIGATION_NAME = re.compile(r"(?<![a-z])(?:nav|menu)", re.I)
_BOILERPLATE_ROLES = frozenset(("banner", "contentinfo", "complementary"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_NAMES = ("description", "og:description", "twitter:description", "keywords", "og:title", "twitter:title")
_HAS_WORD = re.compile(r"[^\W_]")

MAX_TITLE_CHARS = 300
MAX_META_CHARS = 1000
MAX_HEADINGS = 50
# Below this much main text, a page is read with its boilerplate too (a
# wrapper whose class says "nav" may hold the whole page).
THIN_PAGE_CHARS = 200
# Caps on the parser's work for huge pages that are mostly markup (each tag
# costs a few microseconds): characters of markup read per character of text
# wanted, and tags read (real pages have fewer once thinned).
MARKUP_PER_TEXT_CHAR = 5
MAX_TAGS = 30_000

_DROP, _BOILERPLATE, _NAVIGATION, _CONTENT = "drop", "boilerplate", "navigation", "content"


class _Block(NamedTuple):
    text: str
    link_chars: int
    heading: bool


class _EnoughText(Exception):
    """Raised from the parser's callbacks to stop it once max_chars is read."""


class _VisibleTextParser(HTMLParser):
    """Collects visible text by block, routing it by the role of the open
    elements: dropped (head, forms' widgets), boilerplate (nav, header,
    footer, aside, hidden, or named so), navigation (named nav or menu: held
    until it closes, then boilerplate if mostly links, else content), or
    content.

    Open elements are kept on an explicit stack with a count per tag, so an
    end tag closes what it matches in amortised constant time and a stray
    one is ignored: no recursion, linear in the number of tags.
    """

    def __init__(self, max_chars: int):
        super().__init__(convert_charrefs=True)
        self.max_chars = max_chars
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.headings: list[str] = []
        self.blocks: list[str] = []
        self.boilerplate_blocks: list[str] = []
        self._open: list[tuple[str, str]] = []
        self._open_count: dict[str, int] = {}
        self._role_depth = {_DROP: 0, _BOILERPLATE: 0, _NAVIGATION: 0, _CONTENT: 0}
        self._navigation_blocks: list[list[_Block]] = []  # one list per open navigation element
        self._in_title = False
        self._in_heading = False
        self._block: list[str] = []
        self._block_chars = 0
        self._chars = 0
        self._boilerplate_chars = 0
        self._tags = 0

    def read(self, chunks: Iterable[str]) -> None:
        """Parse the markup in `chunks`, up to max_chars of text.

        html.parser re-reads a construct it has not seen the end of on every
        feed(), and at close() re-scans the rest of the input once per
        unterminated construct: both quadratic on hostile markup. So once a
        construct spans a chunk, the rest of the markup is fed at once; and
        close() is never called: the parser stops at an unterminated
        construct, reading resumes after its next ">", and with none the
        construct runs to the end and holds no text, as in browsers.
        """
        chunks = iter(chunks)
        try:
            for chunk in chunks:
                self.feed(chunk)
                if len(self.rawdata) > _CHUNK_CHARS // 2:
                    self.feed("".join(chunks))
                    break
            while rest := self.rawdata:
                self.reset()
                if not rest.startswith("<"):  # text held back for a possible "&..." at the end
                    self.handle_data(unescape(rest))
                    break
                after_construct = rest.find(">") + 1
                if not after_construct:
                    break
                self.feed(rest[after_construct:])
            self.end_block()
            while self._navigation_blocks:  # left open by a truncated page
                self._settle_navigation()
        except _EnoughText:
            pass

    # -- parser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tags += 1
        if self._tags > MAX_TAGS:
            self._stop()
        if tag in _VOID_ELEMENTS:
            self._void_element(tag, attrs)
            return
        if self._open_count.get("head") and tag not in _HEAD_ELEMENTS:
            self._close("head")  # as in browsers, body content ends the head
        if tag in _HEADING_ELEMENTS and self._in_heading:
            self._close_heading()  # headings do not nest: a new one ends the last
        role = self._role(tag, attrs)
        if tag in _BLOCK_ELEMENTS or role:
            self.end_block()
        if role:
            self._role_depth[role] += 1
        if role == _NAVIGATION:
            self._navigation_blocks.append([])
        if tag == "title":
            self._in_title = not self.title_parts
        elif tag in _HEADING_ELEMENTS:
            self._in_heading = True
        self._open.append((tag, role))
        self._open_count[tag] = self._open_count.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        self._tags += 1
        if self._tags > MAX_TAGS:
            self._stop()
        if self._open_count.get(tag):
            self._close(tag)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._role_depth[_DROP]:
            self._add_text(data)

    def _stop(self) -> None:
        self.end_block()
        raise _EnoughText

    # -- elements

    def _void_element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._read_meta(dict(attrs))
        elif tag in ("br", "hr"):
            self.end_block()
        elif tag == "img" and not self._role_depth[_DROP]:
            alt = dict(attrs).get("alt")
            if alt:
                self._add_text(f" {alt} ")

    def _read_meta(self, attrs: dict[str, str | None]) -> None:
        name = (attrs.get("name") or attrs.get("property") or "").lower()
        content = attrs.get("content")
        if name in _META_NAMES and content and name not in self.meta:
            self.meta[name] = " ".join(content.split())[:MAX_META_CHARS]

    def _role(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        if tag in _DROPPED_ELEMENTS:
            return _DROP
        if tag in _PAGE_WRAPPERS:
            return _CONTENT if tag in _CONTENT_ELEMENTS else ""
        if tag in _BOILERPLATE_ELEMENTS:
            # An article's own header and footer belong to it.
            in_content = self._role_depth[_CONTENT] and tag in ("header", "footer")
            return "" if in_content else _BOILERPLATE
        return _role_from_attributes(attrs)

    def _close_heading(self) -> None:
        for open_tag, _ in reversed(self._open):
            if open_tag in _HEADING_ELEMENTS:
                self._close(open_tag)
                return

    def _close(self, tag: str) -> None:
        """Close `tag` and every element left open inside it."""
        while self._open:
            open_tag, role = self._open.pop()
            self._open_count[open_tag] -= 1
            if open_tag in _BLOCK_ELEMENTS or role:
                self.end_block()
            if role:
                self._role_depth[role] -= 1
            if role == _NAVIGATION:
                self._settle_navigation()
            if open_tag == "title":
                self._in_title = False
            elif open_tag in _HEADING_ELEMENTS:
                self._in_heading = False
            if open_tag == tag:
                return

    # -- text

    def _add_text(self, text: str) -> None:
        self._block.append(text)
        self._block_chars += len(text)
        # Past max_chars content ends the block, and with it the reading; not
        # boilerplate, nor a navigation element's text: cut into pieces, its
        # share of link text would depend on max_chars.
        if self._chars + self._block_chars > self.max_chars and not (self._role_depth[_BOILERPLATE] or self._navigation_blocks):
            self.end_block()

    def end_block(self) -> None:
        """Close the text block being collected and file it by role."""
        if not self._block:
            return
        raw = "".join(self._block)
        self._block.clear()
        self._block_chars = 0
        text = _visible(raw)
        if not _HAS_WORD.search(text):
            return
        block = _Block(text, _link_chars(raw), self._in_heading)
        if self._role_depth[_BOILERPLATE]:
            self._add_boilerplate([block])
        elif self._navigation_blocks:
            self._navigation_blocks[-1].append(block)
        else:
            self._add_content([block])

    def _settle_navigation(self) -> None:
        """File the blocks of the navigation element just closed: a menu of
        links is boilerplate, anything else content."""
        blocks = self._navigation_blocks.pop()
        if 2 * sum(block.link_chars for block in blocks) >= sum(len(block.text) for block in blocks):
            self._add_boilerplate(blocks)
        elif self._navigation_blocks:
            self._navigation_blocks[-1].extend(blocks)
        else:
            self._add_content(blocks)

    def _add_boilerplate(self, blocks: list[_Block]) -> None:
        for block in blocks:
            if self._boilerplate_chars >= self.max_chars:
                return
            self.boilerplate_blocks.append(block.text)
            self._boilerplate_chars += len(block.text)

    def _add_content(self, blocks: list[_Block]) -> None:
        for block in blocks:
            text = block.text[: self.max_chars - self._chars]
            self.blocks.append(text)
            self._chars += len(text)
            if block.heading and len(self.headings) < MAX_HEADINGS:
                self.headings.append(text)
            if self._chars >= self.max_chars:
                self._stop()


def _visible(raw: str) -> str:
    """Text with link markers as spaces, its whitespace collapsed."""
    if LINK_START in raw or LINK_END in raw:
        raw = raw.replace(LINK_START, " ").replace(LINK_END, " ")
    return " ".join(raw.split())


def _link_chars(raw: str) -> int:
    """How much of a block is link text (a link may run on from, or into,
    the next block: its text counts where its start marker is)."""
    if LINK_START not in raw:
        return 0
    return sum(len(_visible(link.split(LINK_END, 1)[0])) for link in raw.split(LINK_START)[1:])


def _role_from_attributes(attrs: list[tuple[str, str | None]]) -> str:
    """Boilerplate when hidden (menus, modals, but also closed tabs: unused
    unless the page has little else) or named so; navigation when named so."""
    role = ""
    for name, value in attrs:
        if name == "hidden":
            return _BOILERPLATE
        if not value:
            continue
        if name == "style" and _HIDDEN_STYLE.search(value):
            return _BOILERPLATE
        if name == "role" and value.lower() in _BOILERPLATE_ROLES:
            return _BOILERPLATE
        if name in ("id", "class", "role"):
            if _BOILERPLATE_NAME.search(value):
                return _BOILERPLATE
            if _NAVIGATION_NAME.search(value):
                role = _NAVIGATION
    return role


def extract_page(html: str, max_chars: int = DEFAULT_MAX_CHARS, keep_chars: int | None = None) -> PageText:
    """Visible text of an HTML page, at most about `max_chars` of it, or
    `keep_chars` when fewer are wanted: the markup read stays bounded as for
    `max_chars`, so the text kept is the start of what `max_chars` gives."""
    parser = _VisibleTextParser(min(max_chars, keep_chars or max_chars))
    try:
        parser.read(_thinned_chunks(html, MARKUP_PER_TEXT_CHAR * max_chars))
    except Exception:  # html.parser failing on hostile markup: keep what was read
        pass
    blocks = parser.blocks
    if sum(map(len, blocks)) < THIN_PAGE_CHARS:
        blocks = blocks + parser.boilerplate_blocks
    title = _visible("".join(parser.title_parts))[:MAX_TITLE_CHARS]
    return PageText(
        title=title or parser.meta.get("og:title", ""),
        meta=_meta_text(parser.meta, title),
        headings=parser.headings,
        passages=passages_from_blocks(blocks),
    )


def _thinned_chunks(html: str, budget: int) -> Iterator[str]:
    """The markup for the parser, lazily: at most `budget` characters of it
    (hidden elements aside), in chunks without hidden elements, comments,
    inline tags or stray "<"."""
    for chunk in _chunks(_pieces_between_hidden_blobs(html)):
        chunk = chunk[:budget]
        chunk = _SPACING_TAG.sub(" ", _TAG_NOISE.sub("", chunk))  # first: fewer "<" left to try
        yield _LINK_END_TAG.sub(LINK_END, _LINK_START_TAG.sub(LINK_START, chunk))
        budget -= len(chunk)
        if budget <= 0:
            return


def _pieces_between_hidden_blobs(html: str) -> Iterator[str]:
    """The markup outside hidden elements and comments, in pieces that end
    at one or before a "<".  The next hidden element is looked for one
    window at a time: searched for in one go, a 2 MB page without any would
    be scanned to its end (milliseconds) even though only its start is read."""
    pos = 0
    while pos < len(html):
        window_end = pos + _BLOB_SEARCH_CHARS
        match = _HIDDEN_BLOB_START.search(html, pos, window_end)
        if match:
            yield html[pos : match.start()]
            pos = _end_of_blob(html, match)
        elif window_end >= len(html):
            break
        else:
            # A start cut off by the window's end begins at its last "<": the next window begins there.
            cut = html.rfind("<", pos + 1, window_end)
            end = cut if cut > 0 else window_end
            yield html[pos:end]
            pos = end
    yield html[pos:]


def _chunks(pieces: Iterable[str]) -> Iterator[str]:
    """Join small pieces and cut big ones into chunks of about _CHUNK_CHARS,
    each cut made before a "<" so that tags stay whole."""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _CHUNK_CHARS:
            yield from _cut_before_tags("".join(batch))
            batch, size = [], 0
    yield from _cut_before_tags("".join(batch))


def _cut_before_tags(markup: str) -> Iterator[str]:
    start = 0
    while len(markup) - start > _CHUNK_CHARS:
        cut = markup.rfind("<", start + 1, start + _CHUNK_CHARS)
        end = cut if cut > 0 else start + _CHUNK_CHARS
        yield markup[start:end]
        start = end
    yield markup[start:]


def _end_of_blob(html: str, start: re.Match) -> int:
    """Where the hidden element or comment opened at `start` ends; the end of
    the document when it is not closed."""
    if start[1] is None:
        end = html.find("-->", start.end())
        return len(html) if end < 0 else end + 3
    closer = _HIDDEN_BLOB_END[start[1].lower()].search(html, start.end())
    end = html.find(">", closer.end()) if closer else -1
    return len(html) if end < 0 else end + 1


def _meta_text(meta: dict[str, str], title: str) -> str:
    seen = {title}
    parts = []
    for name in _META_NAMES:
        value = meta.get(name)
        if value and value not in seen:
            seen.add(value)
            parts.append(value)
    return " ".join(parts)


# ---------------------------------------------------------------- passages

_SENTENCE_ENDS = (". ", "! ", "? ", "\u061f ", "\u2026 ", "; ", "\u061b ")


def passages_from_blocks(blocks: list[str]) -> list[str]:
    """Merge short blocks and split long ones into passages of about
    MIN_PASSAGE_CHARS to MAX_PASSAGE_CHARS characters, cutting long text at
    a sentence end, else a space."""
    passages: list[str] = []
    current: list[str] = []
    length = 0
    for block in blocks:
        for piece in _pieces(block):
            if current and (length >= MIN_PASSAGE_CHARS or length + len(piece) > MAX_PASSAGE_CHARS):
                passages.append("\n".join(current))
                current, length = [], 0
            current.append(piece)
            length += len(piece) + 1
    if not current:
        return passages
    tail = "\n".join(current)
    if passages and len(tail) < MIN_PASSAGE_CHARS and len(passages[-1]) + len(tail) < MAX_PASSAGE_CHARS:
        passages[-1] += "\n" + tail
    else:
        passages.append(tail)
    return passages


def _pieces(text: str) -> list[str]:
    """`text` cut into pieces of at most MAX_PASSAGE_CHARS (offsets, not
    slices of the remainder, keep this linear on a huge block)."""
    pieces = []
    start = 0
    while len(text) - start > MAX_PASSAGE_CHARS:
        cut = _cut_point(text, start + MIN_PASSAGE_CHARS, start + MAX_PASSAGE_CHARS)
        pieces.append(text[start:cut].strip())
        start = cut
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def _cut_point(text: str, lowest: int, highest: int) -> int:
    sentence_end = max(text.rfind(end, lowest, highest) for end in _SENTENCE_ENDS)
    if sentence_end >= 0:
        return sentence_end + 1
    space = text.rfind(" ", lowest, highest)
    return space if space >= 0 else highest


# ---------------------------------------------------------------- other bodies

_JSON_STRING = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"(\s*:)?', re.S)
_HAS_LETTER = re.compile(r"[^\W\d_]")
# JSON strings that are identifiers, tokens or data rather than text.
MAX_UNSPACED_JSON_STRING = 60
_NOT_TEXT_PREFIXES = ("http://", "https://", "//", "data:", "www.")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_UNREADABLE_TYPES = ("text/css", "text/javascript", "application/javascript", "application/x-javascript")


def extract_text(body: bytes, content_type: str | None, max_chars: int = DEFAULT_MAX_CHARS,
                 keep_chars: int | None = None) -> PageText:
    """Decode any buffered response body and extract its text by kind (as
    extract_page: `keep_chars` of it when fewer than `max_chars` are wanted)."""
    text = decode_body(body, content_type)
    kind = _body_kind(content_type, text)
    if kind == "html":
        return extract_page(text, max_chars, keep_chars)
    max_chars = min(max_chars, keep_chars or max_chars)
    if kind == "json":
        return PageText(passages=passages_from_blocks(_json_strings(text, max_chars)))
    if kind == "text":
        return PageText(passages=passages_from_blocks(_paragraphs(text[:max_chars])))
    return PageText()


def _body_kind(content_type: str | None, text: str) -> str:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in _UNREADABLE_TYPES:
        return "none"
    if "html" in mime or mime.endswith(("/xml", "+xml")):
        return "html"
    if mime.endswith(("/json", "+json")):
        return "json"
    if mime.startswith("text/"):
        return "text"
    start = text[:1000].lstrip()[:1]  # no usable type: look at the content
    return {"<": "html", "{": "json", "[": "json"}.get(start, "text")


def _json_strings(text: str, max_chars: int) -> list[str]:
    """The string values of a JSON document (keys skipped), read with a
    regex scan: no recursion limit on deep nesting, and truncated or broken
    JSON still gives its text."""
    values = []
    collected = 0
    pos = text.find('"')
    while pos >= 0 and collected < max_chars:
        match = _JSON_STRING.match(text, pos)
        if match is None:  # unterminated: the rest is one broken string
            break
        if not match[2]:
            value = _json_unescaped(match[1])
            if _reads_as_text(value):
                values.append(value)
                collected += len(value)
        pos = text.find('"', match.end())
    return values


def _json_unescaped(raw: str) -> str:
    if "\\" not in raw:
        return raw
    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw


def _reads_as_text(value: str) -> bool:
    if not _HAS_LETTER.search(value) or value.startswith(_NOT_TEXT_PREFIXES):
        return False
    return " " in value or len(value) <= MAX_UNSPACED_JSON_STRING


def _paragraphs(text: str) -> list[str]:
    return [" ".join(paragraph.split()) for paragraph in _PARAGRAPH_BREAK.split(text) if paragraph.strip()]
