"""DirectFeatures computes the model's TF-IDF rows itself, for speed; these
tests hold it to sklearn's own numbers (float32 rounding) on the shipped
model and on other vectorizer settings, for texts in French, English,
Arabic and Darija, odd texts, and texts made up by hypothesis."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.corpus import bundled_files, load_examples
from classifier.features import DirectFeatures, FeatureError
from classifier.model import load_model, normalize_many

LANGUAGES = ("fr", "en", "ar", "darija")
PER_LANGUAGE = 150
ODD_TEXTS = [
    "",
    " ",
    "a",
    "ab",
    "banana bananas nanana",  # an n-gram twice in one token
    "aaaa aaaa aaaa",
    "x" * 3000,
    "?!... -- ,,, 123 4567",
    "a\tb\n\nc  d\x1ce\x85f\u3000g",  # whitespace sklearn and str.split() both split on
    "wach 3afak 7chicha 9lbi m3a sa7bi",
    "مرحبا بكم في موقعنا ديال الدراري 😀 hello bonjour",
    "l'école élève garçon ça",
    "the the the the the",
]


@pytest.fixture(scope="module")
def shipped():
    return load_model()


@pytest.fixture(scope="module")
def union(shipped):
    return shipped.pipeline.named_steps["features"]


@pytest.fixture(scope="module")
def features(union):
    return DirectFeatures(union)


@pytest.fixture(scope="module")
def texts_by_language() -> dict[str, list[str]]:
    by_language: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for example in load_examples(bundled_files()):
        if example.language in by_language:
            by_language[example.language].append(example.text)
    # An even spread over each language's files, the same on every run.
    return {language: texts[:: max(1, len(texts) // PER_LANGUAGE)] for language, texts in by_language.items()}


def assert_same_rows(got: sp.csr_matrix, expected: sp.spmatrix) -> None:
    got, expected = got.tocsr().sorted_indices(), sp.csr_matrix(expected).sorted_indices()
    expected.eliminate_zeros()
    assert got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-5, atol=1e-7)


def summed_reference(union: FeatureUnion, texts: list[str]) -> sp.csr_matrix:
    """The row of all the texts' n-gram counts added up, weighted as
    TfidfVectorizer weighs counts (float64, from sklearn's own analyzers)."""
    blocks = []
    for _, vectorizer in union.transformer_list:
        analyze = vectorizer.build_analyzer()
        counts = Counter(term for text in texts for term in analyze(text) if term in vectorizer.vocabulary_)
        row = np.zeros(len(vectorizer.vocabulary_))
        for term, tf in counts.items():
            column = vectorizer.vocabulary_[term]
            row[column] = (np.log(tf) + 1) * vectorizer.idf_[column]
        norm = np.linalg.norm(row)
        blocks.append(sp.csr_matrix(row / norm if norm else row))
    return sp.hstack(blocks, format="csr")


@pytest.mark.parametrize("language", LANGUAGES)
def test_rows_are_sklearns_in_each_language(union, features, texts_by_language, language):
    assert features.words_from_tokens  # the shipped model's words are read from its tokens
    texts = normalize_many(texts_by_language[language])
    assert len(texts) >= 100
    assert_same_rows(features.transform(texts), union.transform(texts))


@pytest.mark.parametrize("language", LANGUAGES)
def test_scores_are_the_pipelines(shipped, texts_by_language, language):
    texts = texts_by_language[language][:60]
    np.testing.assert_allclose(shipped.score_texts(texts), shipped.pipeline.predict_proba(texts), rtol=1e-4, atol=1e-6)


def test_odd_texts_and_raw_whitespace(union, features):
    for texts in (ODD_TEXTS, normalize_many(ODD_TEXTS)):
        assert_same_rows(features.transform(texts), union.transform(texts))


def test_joined_row_is_the_texts_counts_added_up(union, features, texts_by_language):
    texts = normalize_many([texts_by_language[language][7] for language in LANGUAGES] + ["", "banana bananas"])
    rows = features.transform(texts, joined=True)
    assert rows.shape == (len(texts) + 1, union.transform(texts[:1]).shape[1])
    assert_same_rows(rows[:-1], union.transform(texts))
    assert_same_rows(rows[-1], summed_reference(union, texts))


def test_no_text_gives_no_row_and_an_empty_joined_row(features):
    assert features.transform([]).shape == (0, features.width)
    joined = features.transform([], joined=True)
    assert joined.shape == (1, features.width) and joined.nnz == 0


MIXED_ALPHABET = st.sampled_from(list("abcdeilmnorstx3790 éàç'-.") + list("ابتسكلمنويهة ") + ["\n", "\t", "\x1c", "\u3000"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(MIXED_ALPHABET, max_size=80), min_size=1, max_size=4))
def test_made_up_texts_match_sklearn(union, features, texts):
    rows = features.transform(texts, joined=True)
    assert_same_rows(rows[:-1], union.transform(texts))
    assert_same_rows(rows[-1], summed_reference(union, texts))


# The shipped model reads words from whitespace-separated tokens; these also
# take the path that tokenizes whole texts (another token pattern, or
# preprocessing that differs between the two vectorizers).
OTHER_SETTINGS = [
    ({"ngram_range": (1, 3)}, {"ngram_range": (1, 4)}, True),  # trigrams; single characters
    ({"ngram_range": (2, 3), "token_pattern": r"[^\s,]+"}, {"ngram_range": (3, 3)}, False),  # no unigrams
    ({"ngram_range": (1, 2), "lowercase": True, "stop_words": "english"}, {"ngram_range": (2, 4), "lowercase": True},
     True),
    ({"ngram_range": (1, 2), "lowercase": True, "token_pattern": r"(?u)\b\w\w+\b"}, {"ngram_range": (2, 5)}, False),
]


@pytest.mark.parametrize(("word_options", "char_options", "words_from_tokens"), OTHER_SETTINGS)
def test_other_ngram_ranges_tokenizers_and_preprocessing(texts_by_language, word_options, char_options,
                                                         words_from_tokens):
    train = [text for language in LANGUAGES for text in texts_by_language[language][:40]]
    other = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", sublinear_tf=True, **{"lowercase": False, **word_options})),
        ("chars", TfidfVectorizer(analyzer="char_wb", sublinear_tf=True, **{"lowercase": False, **char_options})),
    ]).fit(train)
    texts = [text for language in LANGUAGES for text in texts_by_language[language][40:60]] + ODD_TEXTS
    features = DirectFeatures(other)
    assert features.words_from_tokens == words_from_tokens
    rows = features.transform(texts, joined=True)
    assert_same_rows(rows[:-1], other.transform(texts))
    assert_same_rows(rows[-1], summed_reference(other, texts))


def test_token_cache_is_bounded_and_changes_nothing(union, features, texts_by_language):
    texts = normalize_many(texts_by_language["fr"] + texts_by_language["darija"])
    small = DirectFeatures(union, token_cache_size=50)
    for start in range(0, len(texts), 20):
        small.transform(texts[start : start + 20])
    assert len(small.chars.cache.entries) == 50
    assert_same_rows(small.transform(texts), features.transform(texts))


def test_vectorizers_it_cannot_reproduce_are_refused(texts_by_language):
    train = texts_by_language["en"][:30]
    for words, chars in (
        (TfidfVectorizer(analyzer="word", sublinear_tf=True), TfidfVectorizer(analyzer="char", sublinear_tf=True)),
        (TfidfVectorizer(analyzer="word"), TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)),
        (TfidfVectorizer(analyzer="word", sublinear_tf=True, norm="l1"), TfidfVectorizer(analyzer="char_wb")),
    ):
        with pytest.raises(FeatureError, match="salama train"):
            DirectFeatures(FeatureUnion([("words", words), ("chars", chars)]).fit(train))


def test_threads_sharing_one_instance_get_their_own_rows(union, features, texts_by_language):
    batches = [normalize_many(texts_by_language[language][:25]) for language in LANGUAGES] * 3
    expected = [union.transform(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda batch: features.transform(batch, joined=True), batches))
    for rows, reference in zip(got, expected):
        assert_same_rows(rows[:-1], reference)


def test_a_vocabulary_without_its_longest_ngrams():
    docs = ["aa bb cc", "aa aa aa dd", "aa bb"]
    union = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", sublinear_tf=True, ngram_range=(1, 3), max_features=3)),
        ("chars", TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)),
    ]).fit(docs)
    assert not any(term.count(" ") == 2 for term in union.transformer_list[0][1].vocabulary_)  # no trigram kept
    texts = ["aa bb cc", "zz aa aa", ""]
    assert_same_rows(DirectFeatures(union).transform(texts), union.transform(texts))
