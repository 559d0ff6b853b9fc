"""Text normalisation for the model's features.

`normalize_text` maps the many ways people write the same word in French,
English, Modern Standard Arabic and Moroccan Darija to one form, so that the
model sees "PORN", "p0rn", "p.o.r.n" and "ｐｏｒｎ" as one token, and "أهلاً",
"اهلا" and "اهــــلا" as another. It also undoes the tricks used to slip past
word filters (zero-width characters, soft hyphens, spelled-out letters, masked
letters, leetspeak) while keeping arabizi digits, which are letters in Darija
("3afak", "7chicha", "9lbi").

Speed matters (every page the proxy classifies goes through here), so the
work is done with C-level str methods and regexes that start with a literal
or a single character class; Python-level code runs only on the rare places
that need a change. About 1 MB of text takes 20-40 ms.
"""

import itertools
import re
import unicodedata

# Invisible characters (zero-width, soft hyphen, bidi controls, variation
# selectors) used to split words past filters; combining marks (accents typed
# as separate characters, Arabic harakat and Quranic marks); tatweel, the
# Arabic elongation bar.
_DROPPED = re.compile(
    "["
    "\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufe00-\ufe0f\ufeff"
    "\u0300-\u036f\u0483-\u0489\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
    "\u0640"
    "]"
)


def _without_marks(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


# Letters folded to one form. The common ones are replaced one by one with
# str.replace, a C scan that is nearly free when the letter is absent; the
# rest are found with a single regex scan.
_COMMON_FOLDS = {
    "\u0623": "\u0627",  # أ → ا
    "\u0625": "\u0627",  # إ → ا
    "\u0622": "\u0627",  # آ → ا
    "\u0671": "\u0627",  # ٱ → ا
    "\u0624": "\u0648",  # ؤ → و
    "\u0626": "\u064a",  # ئ → ي
    "\u0649": "\u064a",  # ى → ي
    "\u0629": "\u0647",  # ة → ه
    "\u0153": "oe",
    "\u00e6": "ae",
}
# Cyrillic and Greek letters drawn like Latin ones, used to write "рorn" past
# word filters (the model reads no Cyrillic or Greek text otherwise).
_COMMON_FOLDS.update(zip("аеёіїјорсѕухһԁԛԝӏкαικορτυχ", "aeeiijopcsyxhdqwlkaikoptux"))
_COMMON_FOLDS.update({chr(0x0660 + d): str(d) for d in range(10)})  # Arabic-Indic digits
_COMMON_FOLDS.update({chr(0x06F0 + d): str(d) for d in range(10)})  # Persian digits
_COMMON_FOLDS.update(
    {c: _without_marks(c) for c in map(chr, range(0xE0, 0x100)) if _without_marks(c) not in ("", c)}
)
_RARE_FOLDS = {
    "\u06a9": "\u0643",  # ک Persian kaf → ك
    "\u06cc": "\u064a",  # ی Persian yeh → ي
    "\u06d0": "\u064a",  # ې → ي
    "\u06ad": "\u0643",  # ڭ Moroccan gaf, often written ك
    "\u0763": "\u0643",  # ݣ
    "\u06af": "\u0643",  # گ
    "\u06a4": "\u0641",  # ڤ (v) → ف, as many write it
    "\u067e": "\u0628",  # پ (p) → ب
    "\u06c1": "\u0647",  # ہ → ه
    "\u06d5": "\u0647",  # ە → ه
    "\u060c": ",",  # Arabic comma
    "\u061b": ";",
    "\u061f": "?",
    "\u066a": "%",
    "\u066b": ".",
    "\u066c": ",",
    "\u00df": "ss",
    "\u00f8": "o",
    "\u0111": "d",
    "\u0142": "l",
    "\u0131": "i",
    "\u0127": "h",
    "\u00fe": "th",
    "\u00f0": "d",
}
_RARE_FOLDS.update(
    {
        c: _without_marks(c)
        for c in map(chr, [*range(0x100, 0x250), *range(0x1E00, 0x1F00)])
        if c.islower() and _without_marks(c) not in ("", c)
    }
)
# A stripped letter can itself be foldable ("ǿ" -> "ø" -> "o"): fold each value to the end once, here.
for _letter, _base in _RARE_FOLDS.items():
    while _base in _RARE_FOLDS and _RARE_FOLDS[_base] != _base:
        _base = _RARE_FOLDS[_base]
    _RARE_FOLDS[_letter] = _base
_RARE_FOLDED = re.compile("[" + "".join(_RARE_FOLDS) + "]")

# Whitespace and control characters that become a plain space (NFKC already
# turned no-break and typographic spaces into U+0020).
_SPACE_LIKE = re.compile("[\x00-\x1f\x7f-\x9f\u1680\u2028\u2029]")

LATIN_LETTERS = "a-z"
ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3"
_LETTER = f"[{LATIN_LETTERS}{ARABIC_LETTERS}]"
# Not after / before letters, digits, or the @ and $ of leet and e-mail addresses.
_AFTER_NON_WORD = r"(?<![^\W_])(?<![@$])"
_BEFORE_NON_WORD = r"(?![^\W_])(?![@$])"

# "f*ck", "p**n", "a*$$": a mask inside a word is removed.
_MASK = re.compile(r"(?<=[a-z0-9@$])\*+(?=[a-z0-9@$])")

# "s.e.x", "p o r n", "س ك س": three or more single letters with the same
# separator (space last, so "s-e-x s e x" is read as two runs). Each pattern
# starts with its separator so the regex engine can skip ahead with a literal
# search; the look-behind checks that a lone letter stands before it, and the
# rest of the run is matched from there.
_SPELLING_SEPARATORS = ".-_* "
_SPELLED_OUT = tuple(
    (
        sep,
        re.compile(
            f"{re.escape(sep)}(?<={_AFTER_NON_WORD}{_LETTER}{re.escape(sep)})"
            f"{_LETTER}(?:{re.escape(sep)}{_LETTER})+{_BEFORE_NON_WORD}"
        ),
    )
    for sep in _SPELLING_SEPARATORS
)

# Leetspeak. Arabizi uses 2 3 5 7 8 9 as letters (ء ع خ ح غ ق), so a token
# holding any of 2 5 6 7 8 9 is left alone (6 rides along: it is in codes
# such as "h264", never in leet). Leading digits and @ are never decoded
# ("1xbet", "3afak", "@user"). A token is decoded when it shows leet
# evidence: 0 1 4 @ $ between letters ("p0rn", "p4ss", "$ex"), "33" ("t33n"),
# or 0 @ $ / "33" at the end ("h3ll0", "fr33"; not "win10", "mp3").
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s"})
_LEET_EVIDENCE = re.compile(r"[0-9@$]*[014@$][0-9@$]*[a-z]|33[a-z]|(?<=[a-z])(?:[0@$]+|333*)$")
# Where evidence can start; each pattern begins with a character class or a
# literal so the regex engine scans in C.
_LEET_HITS = (
    re.compile(r"[014@$](?:(?<=[a-z].)|(?=[a-z]))"),
    re.compile(r"33(?<=[a-z]33)"),
)
_TOKEN_REST = re.compile(r"[a-z0-9@$]*")
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$")
_NOT_LEET_DIGITS = frozenset("256789")

# 3 alone is both arabizi ع and leet e: "m3a", "b3d", "n3ss" are Darija, so
# a token whose only leet is 3 is decoded only when it spells one of these
# words ("s3x", "h3ll"; "n4k3d" shows other evidence).
LEET_E_WORDS = frozenset(
    "sex sexe sexy sexting sexto hell free teen teens nude nudes naked pedo "
    "meet secret webcam weed beer dead death hentai cheat cheats".split()
)


def _leet_e_pattern(words: frozenset[str]) -> re.Pattern:
    """A regex for the words written with 3 for some of their e's. It starts
    at the first 3 (a literal, quick to scan for), checks the letter before
    it (most 3s of arabizi fail there), then each spelling's own prefix with
    a fixed-width look-behind."""
    by_letter_before: dict[str, list[str]] = {}
    for spelling in sorted(_e_spellings(words), key=lambda s: (-len(s), s)):
        prefix, rest = spelling.split("3", 1)
        branch = f"(?<=(?<![a-z0-9@$]){prefix}3){re.escape(rest)}"
        by_letter_before.setdefault(prefix[-1], []).append(branch)
    groups = (f"(?<={letter}3)(?:{'|'.join(branches)})" for letter, branches in by_letter_before.items())
    return re.compile("3(?:" + "|".join(groups) + ")(?![a-z0-9@$])")


def _e_spellings(words: frozenset[str]) -> set[str]:
    spellings = set()
    for word in words:
        # A leading 3 is never decoded ("3afak"), so it spells nothing.
        e_positions = [i for i, char in enumerate(word) if char == "e" and i > 0]
        for count in range(1, len(e_positions) + 1):
            for chosen in itertools.combinations(e_positions, count):
                spellings.add("".join("3" if i in chosen else c for i, c in enumerate(word)))
    return spellings


_LEET_E_SPELLING = _leet_e_pattern(LEET_E_WORDS)

# Three or more of the same character; the callback squeezes letters only.
_REPEATED = re.compile(r"(.)\1\1+")
_ARABIC_LETTER = re.compile(f"[{ARABIC_LETTERS}]")


def normalize_text(text: str) -> str:
    """Return `text` in the canonical form the model's features are built on.

    The steps run in an order where none undoes or enables an earlier one,
    which makes the function idempotent: masks are removed before leet is
    decoded (both work on whole tokens), elongations are squeezed before
    spelled-out letters are joined (a squeezed "ههه" can be a lone letter)
    and before the 3-for-e words are matched ("h3lll").
    """
    text = text.lower() if text.isascii() else _fold_unicode(text)
    text = _collapse_whitespace(text)
    if "*" in text:
        text = _MASK.sub("", text)
    for hits in _LEET_HITS:
        text = _decode_leet_tokens(text, hits)
    text = _squeeze(text)
    text = _join_spelled_out(text)
    if "3" in text:
        text = _LEET_E_SPELLING.sub(lambda m: m[0].replace("3", "e"), text)
    return text


def _fold_unicode(text: str) -> str:
    """NFKC, lower case, drop invisibles and marks, unify letter variants."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DROPPED.sub("", text)
    # Rare letters first: stripping their accent can leave a common variant ("ǽ" -> "æ" -> "ae").
    text = _RARE_FOLDED.sub(lambda m: _RARE_FOLDS[m[0]], text)
    for variant, letter in _COMMON_FOLDS.items():
        text = text.replace(variant, letter)
    return text


def _collapse_whitespace(text: str) -> str:
    text = _SPACE_LIKE.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


def _join_spelled_out(text: str) -> str:
    for sep, pattern in _SPELLED_OUT:
        if sep in text:
            text = pattern.sub(_joined_letters, text)
    return text


def _joined_letters(m: re.Match) -> str:
    """The run's letters without separators, squeezed together with the first
    letter (which stands just before the match, in the look-behind)."""
    first = m.string[m.start() - 1]
    return _squeeze(first + m[0].replace(m[0][0], ""))[1:]


def _decode_leet_tokens(text: str, hits: re.Pattern) -> str:
    """Decode the tokens around `hits`. Leet characters are far rarer than
    letters, so most of the text is skipped by the regex engine; each token
    is examined once."""
    pieces = []
    copied = examined = 0
    for m in hits.finditer(text):
        i = m.start()
        at_token_start = i == 0 or text[i - 1] not in _TOKEN_CHARS
        if i < examined or (at_token_start and text[i] != "$"):
            continue
        start = i
        while start > examined and text[start - 1] in _TOKEN_CHARS:
            start -= 1
        examined = _TOKEN_REST.match(text, i).end()
        token = text[start:examined]
        decoded = _decode_leet_token(token, followed_by=text[examined : examined + 1])
        if decoded != token:
            pieces += (text[copied:start], decoded)
            copied = examined
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def _decode_leet_token(token: str, followed_by: str) -> str:
    if _NOT_LEET_DIGITS.intersection(token):
        return token
    if "@" in token and followed_by == ".":  # an e-mail address
        return token
    lead = len(token) - len(token.lstrip("0123456789@"))
    decoded = token[:lead] + token[lead:].translate(_LEET)
    return decoded if _LEET_EVIDENCE.search(token, lead) else token


def _squeeze(text: str) -> str:
    return _REPEATED.sub(_squeezed_run, text)


def _squeezed_run(m: re.Match) -> str:
    """Elongated letters: Latin runs become two ("looool" → "lool"), Arabic
    runs one ("بززززاف" → "بزاف"); digits and symbols stay as they are."""
    char = m[1]
    if "a" <= char <= "z":
        return char * 2
    if _ARABIC_LETTER.match(char):
        return char
    return m[0]
