"""Scoring a text or a page, and explaining the result.

A page is scored in sections: each of its passages (extract_page makes
them 200-800 characters) on its own, shorter bits (the title and meta
description, a caption) joined to the next.  Each category keeps its
highest score over the sections and, when there are several, over all of
them read as one (scored from their summed counts, without reading the
text again).  A paragraph is scored with its own context, so one risky
paragraph is not drowned by the rest of the page, and one risky word in a
safe paragraph stays diluted by its sentences.  At most `SCORED_CHARS`
characters are scored: the cost of a page is bounded whatever its size.

Explanations list the words whose features pushed a category's score up
(from the classifier's weights against "safe") and the section that scored
highest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from classifier.extract import MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, PageText
from classifier.language import detect_language
from classifier.model import RiskModel
from classifier.normalize import normalize_text
from rules.categories import MODEL_CATEGORIES

PASSAGE_CHARS = 1200  # evidence kept per category
SECTION_CHARS = PASSAGE_CHARS
MIN_SECTION_CHARS = 200  # extract_page's smallest passage: shorter bits (the title, a caption) join the next
SCORED_CHARS = 20_000
LANGUAGE_SAMPLE_CHARS = 2000  # a few sentences tell the language as well as many
_TOKEN = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?\u061f]\s|[\u3002\uff01\uff1f]")  # Latin and Arabic ends, then CJK (no space after)


@dataclass
class Assessment:
    scores: dict[str, float]
    labels: list[str]
    language: str
    passages: dict[str, str] = field(default_factory=dict)  # category -> passage that scored highest

    def to_dict(self, explanation: dict | None = None) -> dict:
        out = {
            "categories": {c: round(s, 4) for c, s in self.scores.items()},
            "labels": self.labels,
            "language": self.language,
        }
        if explanation is not None:
            out["explanation"] = explanation
        return out

    def top(self) -> tuple[str | None, float]:
        if not self.scores:
            return None, 0.0
        cat = max(self.scores, key=self.scores.get)
        return cat, self.scores[cat]


def cut_at_boundary(text: str, limit: int) -> str:
    """`text` up to `limit` characters, ended at a sentence end or else at
    a space, so that no word is cut in two: a word fragment ("the coa")
    scores as something it is not.  A cut of `limit` >= MIN_SECTION_CHARS
    keeps more than half of it, or else falls at `limit` (a script written
    without spaces, one very long token); a shorter cut (what a budget
    leaves) takes the last space, or gives "" when there is none."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]  # with the next character: a space there means `limit` ends a word
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] > limit // 2:
        return head[: ends[-1]].rstrip()
    space = max(head.rfind(" "), head.rfind("\n"))
    if limit < MIN_SECTION_CHARS:
        return head[:space].rstrip() if space > 0 else ""
    return head[:space].rstrip() if space > limit // 2 else text[:limit]


def sections(page: PageText, budget: int = SCORED_CHARS) -> list[str]:
    """The page's passages in order, a section shorter than
    MIN_SECTION_CHARS joined by the next passage, each cut at a word
    boundary within SECTION_CHARS; at most `budget` characters in all.  A
    short last section joins the one before (which may then pass
    SECTION_CHARS by less than MIN_SECTION_CHARS): alone, a few words
    (often what the budget left of a passage) score as a text they are not."""
    out: list[str] = []
    current = ""
    left = budget
    for passage in page.all_passages():
        if left <= 0:
            break
        passage = cut_at_boundary(passage.strip(), min(SECTION_CHARS, left))
        if not passage:
            continue
        left -= len(passage) + 1  # with the newline that joins it
        if len(current) >= MIN_SECTION_CHARS:
            out.append(current)
            current = passage
        else:
            current = cut_at_boundary(f"{current}\n{passage}" if current else passage, SECTION_CHARS)
    if current and out and len(current) < MIN_SECTION_CHARS:
        out[-1] = f"{out[-1]}\n{current}"
    elif current:
        out.append(current)
    return out


def text_needed(budget: int = SCORED_CHARS) -> int:
    """How much of a page's text `sections(page, budget)` can depend on:
    the text it scores, a space per cut that passages_from_blocks strips,
    and the passages that text ends in, which change when the text is cut
    shorter (the last block's last piece, then the passage holding it, and
    the merge of a short last passage): extracting more changes nothing."""
    return budget + budget // MIN_PASSAGE_CHARS + 4 * MAX_PASSAGE_CHARS


def assess_text(model: RiskModel, text: str) -> Assessment:
    """A short text (search query, chat message, one line of input)."""
    scores = model.scores(text)
    labels = model.labels_for(scores)
    return Assessment(scores, labels, detect_language(text), {c: text[:PASSAGE_CHARS] for c in MODEL_CATEGORIES})


def assess_page(model: RiskModel, page: PageText, max_chars: int = 60_000) -> Assessment:
    parts = sections(page, min(max_chars, SCORED_CHARS))
    if not parts:
        return Assessment({c: 0.0 for c in MODEL_CATEGORIES}, [], detect_language(page.title), {})
    several = len(parts) > 1
    rows = model.score_texts(parts, joined=several)
    best = rows.max(axis=0)
    scores = {c: float(best[i]) for i, c in enumerate(MODEL_CATEGORIES)}
    texts = parts + ["\n".join(parts)] if several else parts
    evidence = {c: texts[int(np.argmax(rows[:, i]))][:PASSAGE_CHARS] for i, c in enumerate(MODEL_CATEGORIES)}
    language = detect_language(" ".join(parts)[:LANGUAGE_SAMPLE_CHARS])
    return Assessment(scores, model.labels_for(scores), language, evidence)


def explain_terms(model: RiskModel, text: str, category: str, top: int = 8) -> list[dict]:
    """The words of `text` that most raised `category`'s score, with weights."""
    pipe = model.pipeline
    union = pipe.named_steps["features"]
    words, chars = (t for _, t in union.transformer_list)
    coef = pipe.named_steps["classify"].coef_[MODEL_CATEGORIES.index(category)]
    norm = normalize_text(text[:PASSAGE_CHARS * 4])
    x = union.transform([norm]).tocsr()
    weight = dict(zip(x.indices.tolist(), (x.data * coef[x.indices]).tolist()))
    contrib: dict[str, float] = {}
    for term in set(words.build_analyzer()(norm)):
        j = words.vocabulary_.get(term)
        if j is not None and weight.get(j, 0) > 0:
            contrib[term] = contrib.get(term, 0.0) + weight[j]
    offset = len(words.vocabulary_)
    char_analyzer = chars.build_analyzer()
    for token in set(_TOKEN.findall(norm)):
        total = 0.0
        for gram in set(char_analyzer(token)):
            j = chars.vocabulary_.get(gram)
            if j is not None:
                total += weight.get(offset + j, 0.0)
        if total > 0:
            contrib[token] = contrib.get(token, 0.0) + total
    ranked = sorted(contrib.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [{"term": t, "weight": round(w, 3)} for t, w in ranked]


def explain(model: RiskModel, assessment: Assessment, categories: list[str] | None = None, top: int = 8) -> dict:
    """Per category (default: the labels): the driving terms and the passage behind the score."""
    return {
        c: {
            "score": round(assessment.scores[c], 4),
            "terms": explain_terms(model, assessment.passages.get(c, ""), c, top),
            "passage": assessment.passages.get(c, ""),
        }
        for c in dict.fromkeys(categories if categories is not None else assessment.labels)
    }
