"""The risk model: training determinism, threshold selection, verified
save/load, the softmax classifier and how a page's sections are scored.

Everything here uses a tiny made-up corpus (one telltale word per category),
so the tests run in seconds and say nothing about the shipped model's quality.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sklearn

from classifier.assess import SECTION_CHARS, assess_page, explain_terms, sections
from classifier.corpus import Example
from classifier.extract import PageText
from classifier.metrics import best_threshold, budgeted_thresholds
from classifier.model import META_FILE, MODEL_FILE, CategorySoftmax, ModelError, load_model_from
from classifier.train import train_model
from rules.categories import MODEL_CATEGORIES

SAFE_WORDS = "weather football homework library garden recipe holiday museum".split()


def _tiny_corpus() -> list[Example]:
    out = []
    for c in MODEL_CATEGORIES:
        word = c.replace("_", "") + "signal"
        for k in range(8):
            text = f"{word} {word} {SAFE_WORDS[k]} note {k}"
            out.append(Example(text, (c,), "en", "chat", group=f"{c}-{k}"))
    for k in range(40):
        text = f"{SAFE_WORDS[k % 8]} and {SAFE_WORDS[(k + 3) % 8]} today, number {k}"
        out.append(Example(text, (), "en", "chat", group=f"safe-{k}", hard=k % 4 == 0))
    return out


@pytest.fixture(scope="module")
def tiny_model():
    return train_model(_tiny_corpus(), seed=0, log=lambda _: None)


def test_training_is_deterministic(tiny_model):
    again = train_model(_tiny_corpus(), seed=0, log=lambda _: None)
    texts = ["gamblingsignal tonight", "weather and garden", "scamsignal scamsignal"]
    assert again.thresholds == tiny_model.thresholds
    assert np.array_equal(again.score_texts(texts), tiny_model.score_texts(texts))
    assert again.meta["corpus_sha256"] == tiny_model.meta["corpus_sha256"]


def test_tiny_model_learns_its_words(tiny_model):
    assert "gambling" in tiny_model.labels_for(tiny_model.scores("gamblingsignal gamblingsignal tonight"))
    assert tiny_model.labels_for(tiny_model.scores("weather and museum today")) == []


def test_softmax_scores_are_probabilities_and_explain_against_safe():
    X = np.eye(4)
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    clf = CategorySoftmax().fit(X, Y)
    p = clf.predict_proba(X)
    assert p.shape == (4, 2) and np.all(p >= 0) and np.all(p.sum(axis=1) <= 1 + 1e-6)
    assert clf.coef_.shape == (2, 4)
    assert clf.weights_.dtype == np.float32


def test_softmax_gives_absent_categories_zero():
    clf = CategorySoftmax().fit(np.eye(3), np.array([[1, 0, 0], [0, 0, 0], [1, 0, 0]]))
    p = clf.predict_proba(np.eye(3))
    assert np.all(p[:, 1:] == 0)


def test_best_threshold_maximises_f1():
    y = np.array([1, 1, 1, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.6, 0.5, 0.2, 0.1])
    assert best_threshold(y, scores) == pytest.approx(0.525)


def _two_categories():
    """Both categories flag one safe row at their F1-best cut; sparing it
    costs category 0 two of its three positives, category 1 one of two."""
    y = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0]])
    scores = np.array([
        [0.50, 0.0], [0.45, 0.0], [0.40, 0.0], [0.0, 0.80], [0.0, 0.28],
        [0.48, 0.0], [0.0, 0.30], [0.0, 0.0], [0.0, 0.0],
    ])
    return y, scores, y.sum(axis=1) == 0


def test_budgeted_thresholds_spend_the_budget_where_it_costs_least_f1():
    y, scores, safe = _two_categories()
    free = budgeted_thresholds(y, scores, safe, budget=1.0)
    assert list(free) == [best_threshold(y[:, 0], scores[:, 0]), best_threshold(y[:, 1], scores[:, 1])]
    assert (scores[safe] >= free).any(axis=1).sum() == 2
    one_false_alarm = budgeted_thresholds(y, scores, safe, budget=0.25)
    assert one_false_alarm[0] == free[0]  # category 0 keeps its recall...
    assert 0.30 < one_false_alarm[1] <= 0.80  # ...category 1 pays: its safe row is spared
    none = budgeted_thresholds(y, scores, safe, budget=0.0)
    assert not (scores[safe] >= none).any()


def test_budgeted_thresholds_stop_when_no_cut_under_the_ceiling_helps():
    y = np.array([[1], [0]])
    scores = np.array([[0.95], [0.95]])  # the safe row scores above the highest cut allowed
    assert budgeted_thresholds(y, scores, y[:, 0] == 0, budget=0.0)[0] == best_threshold(y[:, 0], scores[:, 0])


# -- files -------------------------------------------------------------------


@pytest.fixture
def saved(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    return tmp_path


def test_save_and_load_round_trip(tiny_model, saved):
    loaded = load_model_from(saved)
    assert loaded.thresholds == pytest.approx(tiny_model.thresholds, abs=1e-4)
    assert np.allclose(loaded.score_texts(["scamsignal now"]), tiny_model.score_texts(["scamsignal now"]))


def test_tampered_model_file_is_refused(saved):
    path = saved / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="damaged or replaced"):
        load_model_from(saved)


def _edit_meta(directory, **changes):
    path = directory / META_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(changes)
    path.write_text(json.dumps(meta), encoding="utf-8")


def test_other_sklearn_version_is_refused(saved):
    _edit_meta(saved, sklearn_version="0.0.1")
    with pytest.raises(ModelError, match=f"scikit-learn 0.0.1, this is {sklearn.__version__}"):
        load_model_from(saved)


def test_missing_metadata_is_refused(saved):
    (saved / META_FILE).unlink()
    with pytest.raises(ModelError, match="model.json: missing"):
        load_model_from(saved)


def test_metadata_without_hash_is_refused(saved):
    _edit_meta(saved, sha256=None)
    with pytest.raises(ModelError, match="SHA-256"):
        load_model_from(saved)


def test_old_format_is_refused(saved):
    _edit_meta(saved, format=1)
    with pytest.raises(ModelError, match="salama train"):
        load_model_from(saved)


# -- pages ---------------------------------------------------------------------


def _paragraph(k: int) -> str:
    return " ".join(f"{SAFE_WORDS[(k + i) % 8]} and {SAFE_WORDS[(k + 2 * i) % 8]} today." for i in range(12))


def test_sections_join_small_passages_in_order():
    page = PageText(title="Club news", passages=[f"passage {k}" for k in range(5)])
    assert sections(page) == ["Club news\npassage 0\npassage 1\npassage 2\npassage 3\npassage 4"]


def test_each_paragraph_is_its_own_section():
    page = PageText(title="Club", passages=["x" * 1500, "y" * 300, "z" * 300])
    assert sections(page) == ["Club\n" + "x" * (SECTION_CHARS - 5), "y" * 300, "z" * 300]


def test_sections_stay_near_their_size_and_within_the_budget():
    page = PageText(passages=[_paragraph(k) for k in range(200)])
    parts = sections(page, budget=10_000)
    assert all(len(p) <= SECTION_CHARS for p in parts)
    assert 9_000 <= sum(map(len, parts)) <= 10_000


def test_one_risky_paragraph_is_found_in_a_long_safe_page(tiny_model):
    risky = " ".join(f"gamblingsignal {SAFE_WORDS[k % 8]} bonus tonight." for k in range(10))
    passages = [_paragraph(k) for k in range(12)]
    passages.insert(7, risky)
    result = assess_page(tiny_model, PageText(title="Garden club", passages=passages))
    assert "gambling" in result.labels
    assert risky in result.passages["gambling"]
    assert any(t["term"] == "gamblingsignal" for t in explain_terms(tiny_model, risky, "gambling"))


def test_a_safe_page_is_not_flagged(tiny_model):
    page = PageText(title="Garden club", passages=[_paragraph(k) for k in range(12)])
    assert assess_page(tiny_model, page).labels == []


def test_an_empty_page_scores_zero(tiny_model):
    result = assess_page(tiny_model, PageText())
    assert result.labels == [] and max(result.scores.values()) == 0.0


def test_direct_features_match_the_pipeline(tiny_model):
    texts = ["scamsignal now", "", "weather and garden today", "gamblingsignal bonus ×2 tonight"]
    assert np.allclose(tiny_model.score_texts(texts), tiny_model.pipeline.predict_proba(texts), atol=1e-5)


def test_joined_row_scores_the_texts_read_as_one(tiny_model):
    parts = ["scamsignal now and then", "weather and garden today"]
    rows = tiny_model.score_texts(parts, joined=True)
    assert rows.shape == (3, len(MODEL_CATEGORIES))
    assert np.allclose(rows[-1], tiny_model.score_texts([" ".join(parts)])[0], atol=1e-5)
