"""How classifier.assess cuts a page into the sections it scores: whole
words only, and no short fragment scored on its own (a regression: the
scoring budget used to end a page on "The train to the coa", a section of
its own that the model read as extremism)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.assess import (
    MIN_SECTION_CHARS,
    SCORED_CHARS,
    SECTION_CHARS,
    cut_at_boundary,
    sections,
    text_needed,
)
from classifier.extract import PageText, extract_page

SENTENCE = "The train to the coast left before lunch with the whole family."
VOCABULARY = ("train", "coast", "lunch", "family", "river", "garden", "museum")  # none begins another


def test_the_budget_never_ends_a_page_inside_a_word():
    passage = " ".join([SENTENCE] * 5)  # 324 characters
    page = PageText(passages=[passage] * 3)
    budget = 2 * (len(passage) + 1) + 20  # leaves 20 characters: "The train to the coa"
    parts = sections(page, budget)
    assert parts == [passage, f"{passage}\nThe train to the"]


def test_a_short_last_section_joins_the_one_before():
    page = PageText(passages=["a " * 150, "b " * 150, "The train to the coast."])
    assert sections(page) == ["a " * 149 + "a", "b " * 149 + "b\nThe train to the coast."]
    assert all(len(part) >= MIN_SECTION_CHARS for part in sections(page))


def test_a_page_of_one_short_text_is_one_section():
    assert sections(PageText(title="Club news")) == ["Club news"]


def test_a_long_passage_is_cut_at_its_last_sentence_end():
    passage = " ".join([SENTENCE] * 30)
    (part,) = sections(PageText(passages=[passage]))
    assert part.endswith("family.")
    assert SECTION_CHARS - len(SENTENCE) - 1 <= len(part) <= SECTION_CHARS


def test_text_without_spaces_is_still_cut_at_the_section_size():
    assert cut_at_boundary("\u5b66" * 2000, SECTION_CHARS) == "\u5b66" * SECTION_CHARS
    assert cut_at_boundary("\u5b66\u6821\u3002" * 600, 1000).endswith("\u3002")


def test_a_small_remnant_with_no_word_end_is_dropped():
    assert cut_at_boundary("extraordinary", 5) == ""
    assert cut_at_boundary("The train", 5) == "The"
    assert cut_at_boundary("The train", 9) == "The train"


def _is_subsequence(words: list[str], of: list[str]) -> bool:
    remaining = iter(of)
    return all(word in remaining for word in words)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=300), max_size=40),
    st.integers(min_value=1, max_value=SCORED_CHARS),
)
def test_sections_hold_whole_words_in_order_within_the_budget(passages, budget):
    texts = [" ".join(words) for words in passages]
    parts = sections(PageText(passages=texts), budget)
    scored = [word for part in parts for word in part.split()]
    assert set(scored) <= set(VOCABULARY)  # no word cut in two
    assert _is_subsequence(scored, [word for words in passages for word in words])
    assert sum(map(len, parts)) <= budget
    assert len(parts) == 1 or all(len(part) >= MIN_SECTION_CHARS for part in parts)
    assert all(len(part) <= SECTION_CHARS + MIN_SECTION_CHARS for part in parts)


_SENTENCES = st.lists(st.sampled_from([*VOCABULARY, "the", "and", "to", "Lunch.", "river!", "coast?"]), max_size=400)
_BODY_BITS = st.one_of(
    _SENTENCES.map(" ".join),
    st.sampled_from(["<p>", "</p>", "<br>", "<h2>", "</h2>", "<div class='menu'>", "<nav>", "</nav>", "</div>",
                     '<a href="/x">', "</a>", "<footer>", "</footer>", "<script>lunch</script>", "<!-- river -->"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_BODY_BITS, max_size=80), st.integers(min_value=1, max_value=4000))
def test_extracting_only_the_text_needed_scores_the_same_sections(bits, budget):
    html = "<html><head><title>Club</title><meta name='description' content='news'></head><body>" + "".join(bits)
    full = extract_page(html, 60_000)
    kept = extract_page(html, 60_000, keep_chars=text_needed(budget))
    assert sections(kept, budget) == sections(full, budget)
