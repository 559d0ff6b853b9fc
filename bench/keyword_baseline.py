"""An e2guardian-style weighted phrase scorer: the baseline the model must beat.

e2guardian's content filter sums the weights of the listed phrases found on a
page and blocks the page when the sum reaches a "naughtiness limit" (50 for
young children in its example configuration).  Lists here follow its format,
one entry a line:

    <phrase><weight>          the phrase anywhere, even inside a word
    < phrase ><weight>        a space inside the brackets marks a word boundary
    <one>,<two><weight>       a combination: counts only when all parts occur
    # comment

Negative weights lower the score (e2guardian's way of sparing prevention and
news pages).  Each phrase counts once per text, as in e2guardian's
"singular" weighted-phrase mode, so a long page does not block on a
repeated mild word.  One list per category: `<category>.txt`.

Text and phrases both go through the model's `normalize_text` and are cut
into words, so accents, Arabic letter variants and elongations match the way
they do for the model; the baseline is thus a fair lexical rival, not a
strawman.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from classifier.normalize import normalize_text

DEFAULT_LIMIT = 50
LISTS_DIR = Path(__file__).with_name("keyword_lists")
_ENTRY = re.compile(r"^((?:<[^<>]+>,)*<[^<>]+>)<(-?\d+)>$")
_PART = re.compile(r"<([^<>]+)>")
_WORD = re.compile(r"\w+")


class PhraseListError(ValueError):
    """A list line that is not `<phrase><weight>`; names the file and line."""


@dataclass(frozen=True)
class WeightedPhrase:
    parts: tuple[str, ...]  # prepared forms; all must occur
    weight: int


def prepare(text: str) -> str:
    """Normalised words joined by single spaces, with a space at each end, so
    that ' word ' finds a whole word and 'word' finds it anywhere."""
    return " " + " ".join(_WORD.findall(normalize_text(text))) + " "


def _prepared_part(raw: str) -> str:
    """A phrase as written in a list, in the form `prepare` gives texts."""
    words = prepare(raw).strip()
    if not words:
        return ""
    return (" " if raw.startswith(" ") else "") + words + (" " if raw.endswith(" ") else "")


def parse_line(line: str, where: str = "") -> WeightedPhrase | None:
    """The entry on `line`, or None for a blank or comment line."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    m = _ENTRY.match(line)
    if not m:
        raise PhraseListError(f"{where}: expected <phrase><weight>, got {line!r}")
    parts = tuple(_prepared_part(raw) for raw in _PART.findall(m[1]))
    if not all(parts):
        raise PhraseListError(f"{where}: a phrase has no letters: {line!r}")
    return WeightedPhrase(parts, int(m[2]))


def load_list(path: Path) -> list[WeightedPhrase]:
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        entry = parse_line(line, f"{path}:{n}")
        if entry is not None:
            entries.append(entry)
    return entries


class PhraseScorer:
    """Scores text per category; a category is flagged at or above the limit."""

    def __init__(self, lists: dict[str, list[WeightedPhrase]], limit: int = DEFAULT_LIMIT):
        self.lists = lists
        self.limit = limit

    @classmethod
    def from_directory(cls, directory: Path = LISTS_DIR, limit: int = DEFAULT_LIMIT) -> "PhraseScorer":
        return cls({p.stem: load_list(p) for p in sorted(directory.glob("*.txt"))}, limit)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.lists)

    def scores(self, text: str) -> dict[str, int]:
        prepared = prepare(text)
        return {
            category: sum(e.weight for e in entries if all(part in prepared for part in e.parts))
            for category, entries in self.lists.items()
        }

    def labels(self, text: str) -> list[str]:
        return [c for c, score in self.scores(text).items() if score >= self.limit]
