"""The labelled text the model learns from, and how it is split.

Rows are JSON Lines with `text` and `labels` (plus `language`, `kind`,
`group`, `hard` in the project's own corpus, see corpus/README.md).  The
bundled corpus ships in `classifier/corpus/`; `salama train --data` adds
files, and parents' corrections from the dashboard are added the same way.
Splits are by `group` (a scenario), so a held-out row never shares its idea
with a training row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from rules.categories import MODEL_CATEGORIES

BUNDLED_CORPUS_DIR = Path(__file__).with_name("corpus")
MAX_TEXT = 20_000


class CorpusError(ValueError):
    """A corpus file that cannot be read; names the file and line."""


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]
    language: str = "und"
    kind: str = "page"
    group: str = ""
    hard: bool = False


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; CorpusError on bad JSON."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        try:
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise CorpusError(f"{path}:{n}: expected a JSON object")
                yield n, obj
        except UnicodeDecodeError:
            raise CorpusError(f"{path}: not UTF-8 text") from None


def example_from(obj: dict, where: str) -> Example:
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: 'text' must be a non-empty string")
    labels = obj.get("labels", [])
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list):
        raise CorpusError(f"{where}: 'labels' must be a list of category names")
    unknown = [lab for lab in labels if lab not in MODEL_CATEGORIES]
    if unknown:
        raise CorpusError(f"{where}: unknown label(s) {unknown}; categories are {', '.join(MODEL_CATEGORIES)}")
    return Example(
        text=text[:MAX_TEXT],
        labels=tuple(sorted(set(labels))),
        language=str(obj.get("language", "und")),
        kind=str(obj.get("kind", "page")),
        group=str(obj.get("group") or hashlib.sha1(text.encode()).hexdigest()[:12]),
        hard=bool(obj.get("hard", False)),
    )


def load_file(path: Path) -> list[Example]:
    return [example_from(obj, f"{path}:{n}") for n, obj in read_jsonl(path)]


def bundled_files() -> list[Path]:
    return sorted(BUNDLED_CORPUS_DIR.glob("*.jsonl"))


def load_examples(paths: Iterable[Path]) -> list[Example]:
    out: list[Example] = []
    for p in paths:
        out.extend(load_file(Path(p)))
    return out


def distinct(examples: Iterable[Example]) -> list[Example]:
    """One example per text (compared without case and spacing), the last
    one given winning: the same line written twice under two groups could
    sit in both the training and the test split, and a parent's correction,
    which comes after the corpus, overrides the corpus's labels."""
    last: dict[str, Example] = {}
    for e in examples:
        key = " ".join(e.text.casefold().split())
        last.pop(key, None)  # re-inserted below: the survivor keeps its own place in the order
        last[key] = e
    return list(last.values())


def corpus_hash(examples: Iterable[Example]) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e.text, e.labels], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def split_of(group: str) -> str:
    """'train' (70 %), 'val' (15 %) or 'test' (15 %), fixed by the group name."""
    bucket = int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "val" if bucket < 85 else "test"


def split(examples: list[Example]) -> dict[str, list[Example]]:
    parts: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    for e in examples:
        parts[split_of(e.group)].append(e)
    return parts
