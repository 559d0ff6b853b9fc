"""The risk model: one scikit-learn Pipeline, its thresholds and its files.

The Pipeline normalises text, builds word and character n-gram TF-IDF
features (character n-grams cope with Arabic morphology, arabizi and
misspellings) and fits one multinomial logistic regression over the
categories plus "safe" (`CategorySoftmax`): the safe class learns what
prevention pages, news and schoolwork share, so they stop scoring as the
risk they talk about, which one-vs-rest models learnt poorly.  The softmax
probabilities are the category scores.  Per-category thresholds are chosen
on a validation split and stored beside the model.

On disk a model is `model.pickle` (written with the standard pickle module
at its highest protocol, uncompressed: joblib's pure-Python unpickler and
zlib took over a second to read the vocabularies back) plus `model.json`
(Salama version, categories, thresholds, corpus hash, metrics,
scikit-learn version and the SHA-256 of the pickle file).  `load_model` refuses a file whose hash or
versions do not match, because a pickle runs code when loaded and an
incompatible one can silently mis-score.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.features import DirectFeatures, FeatureError
from classifier.normalize import normalize_text
from rules.categories import MODEL_CATEGORIES

BUNDLED_MODEL_DIR = Path(__file__).with_name("model")
MODEL_FILE = "model.pickle"
META_FILE = "model.json"
FORMAT_VERSION = 2  # 2: CategorySoftmax instead of one-vs-rest regressions


class ModelError(ValueError):
    """A model that cannot be used (missing, damaged, or from another version)."""


def normalize_many(texts: Sequence[str]) -> list[str]:
    return [normalize_text(t) for t in texts]


def build_pipeline(seed: int = 0) -> Pipeline:
    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b",
        sublinear_tf=True,
        min_df=1,
        max_features=150_000,
        dtype=np.float32,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        lowercase=False,
        sublinear_tf=True,
        min_df=2,
        max_features=250_000,
        dtype=np.float32,
    )
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_many)),
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("classify", CategorySoftmax(seed=seed)),
        ]
    )


class CategorySoftmax(ClassifierMixin, BaseEstimator):
    """One multinomial logistic regression over the categories plus "safe".

    Fitted on a multi-label matrix: a row with two labels counts half for
    each, a row with none is "safe".  `predict_proba` gives each category's
    probability (the safe column dropped), computed with one sparse product;
    `coef_` holds each category's weights against "safe", for explanations.
    Only float32 weights are kept, to keep the file small and fast to load.
    """

    def __init__(self, C: float = 30.0, max_iter: int = 400, seed: int = 0):
        self.C = C
        self.max_iter = max_iter
        self.seed = seed

    def fit(self, X, Y):
        Y = np.asarray(Y)
        rows, classes, row_weights = _one_class_per_row(Y)
        regression = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
        regression.fit(X[rows], classes, sample_weight=row_weights)
        # Classes absent from Y get no column from sklearn: give them -inf odds.
        coef, intercept = regression.coef_, regression.intercept_
        if len(regression.classes_) == 2:  # sklearn keeps one row: the second class against the first
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
        # Stored features x classes, C-ordered: a sparse product with a
        # transposed view would copy the whole matrix on every call.
        weights = np.zeros((X.shape[1], Y.shape[1] + 1), dtype=np.float32)
        bias = np.full(Y.shape[1] + 1, -np.inf, dtype=np.float32)
        weights[:, regression.classes_] = coef.T
        bias[regression.classes_] = intercept
        self.weights_, self.bias_ = weights, bias
        self.classes_ = np.arange(Y.shape[1])
        return self

    def decision_function(self, X) -> np.ndarray:
        return np.asarray(X @ self.weights_) + self.bias_

    def predict_proba(self, X) -> np.ndarray:
        z = self.decision_function(X)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return (p / p.sum(axis=1, keepdims=True))[:, :-1]

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int8)

    @property
    def coef_(self) -> np.ndarray:
        """Each category's weights relative to "safe" (its log-odds against safe)."""
        return (self.weights_[:, :-1] - self.weights_[:, -1:]).T


def _one_class_per_row(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, classes and weights: a row per label (weight 1/labels), safe = the last class."""
    rows, classes, weights = [], [], []
    safe = Y.shape[1]
    for i, labels in enumerate(Y):
        present = np.flatnonzero(labels)
        for c in present if len(present) else [safe]:
            rows.append(i)
            classes.append(c)
            weights.append(1.0 / max(len(present), 1))
    return np.array(rows), np.array(classes), np.array(weights)


def label_matrix(labels: Sequence[Sequence[str]]) -> np.ndarray:
    y = np.zeros((len(labels), len(MODEL_CATEGORIES)), dtype=np.int8)
    col = {c: i for i, c in enumerate(MODEL_CATEGORIES)}
    for r, labs in enumerate(labels):
        for lab in labs:
            y[r, col[lab]] = 1
    return y


@dataclass
class RiskModel:
    pipeline: Pipeline
    thresholds: dict[str, float]
    meta: dict = field(default_factory=dict)
    _features: DirectFeatures | None = field(default=None, init=False, repr=False)

    @property
    def categories(self) -> tuple[str, ...]:
        return MODEL_CATEGORIES

    def score_texts(self, texts: Sequence[str], joined: bool = False) -> np.ndarray:
        """An (n, categories) array of probabilities; with `joined`, one more
        row last, for all the texts read as one."""
        if not texts:
            return np.zeros((0, len(MODEL_CATEGORIES)))
        if self._features is None:
            try:
                self._features = DirectFeatures(self.pipeline.named_steps["features"])
            except FeatureError as exc:
                raise ModelError(str(exc)) from None
        x = self._features.transform(normalize_many(texts), joined)
        return self.pipeline.named_steps["classify"].predict_proba(x)

    def scores(self, text: str) -> dict[str, float]:
        row = self.score_texts([text])[0]
        return {c: float(row[i]) for i, c in enumerate(MODEL_CATEGORIES)}

    def labels_for(self, scores: dict[str, float]) -> list[str]:
        return [c for c in MODEL_CATEGORIES if scores.get(c, 0.0) >= self.thresholds.get(c, 0.5)]

    # -- files --------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write model.pickle and model.json atomically into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".model-", suffix=".pickle")
        os.close(fd)
        try:
            with open(tmp, "wb") as handle:
                pickle.dump(self.pipeline, handle, protocol=pickle.HIGHEST_PROTOCOL)
            meta = {
                **self.meta,
                "format": FORMAT_VERSION,
                "categories": list(MODEL_CATEGORIES),
                "thresholds": {c: round(float(t), 4) for c, t in self.thresholds.items()},
                "sklearn_version": sklearn.__version__,
                "sha256": _sha256(Path(tmp)),
            }
            meta_tmp = directory / (META_FILE + ".tmp")
            meta_tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is no secret
            os.replace(tmp, directory / MODEL_FILE)
            os.replace(meta_tmp, directory / META_FILE)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.meta = meta


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_metadata(directory: Path) -> dict:
    meta_path = directory / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{meta_path}: missing") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{meta_path}: unreadable ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelError(f"{meta_path}: not a metadata object")
    return meta


def load_model_from(directory: Path) -> RiskModel:
    """Load and verify the model in `directory`; ModelError says what is wrong."""
    meta = read_metadata(directory)
    model_path = directory / MODEL_FILE
    if meta.get("format") != FORMAT_VERSION:
        raise ModelError(f"{model_path}: model format {meta.get('format')} is not {FORMAT_VERSION}; run 'salama train'")
    if meta.get("sklearn_version") != sklearn.__version__:
        raise ModelError(
            f"{model_path}: trained with scikit-learn {meta.get('sklearn_version')}, "
            f"this is {sklearn.__version__}; run 'salama train' to rebuild it"
        )
    if list(meta.get("categories", [])) != list(MODEL_CATEGORIES):
        raise ModelError(f"{model_path}: categories differ from this Salama's; run 'salama train'")
    if not model_path.exists():
        raise ModelError(f"{model_path}: missing")
    if _sha256(model_path) != meta.get("sha256"):
        raise ModelError(f"{model_path}: damaged or replaced (SHA-256 does not match {META_FILE}); refusing to load it")
    try:
        with model_path.open("rb") as handle:
            pipeline = pickle.load(handle)  # safe to unpickle: the SHA-256 above matched our own metadata
    except Exception as exc:  # a verified file that still fails: report, never crash
        raise ModelError(f"{model_path}: cannot be loaded ({type(exc).__name__}: {exc})") from None
    thresholds = {c: float(meta["thresholds"].get(c, 0.5)) for c in MODEL_CATEGORIES}
    return RiskModel(pipeline, thresholds, meta)


def load_model(home_model_dir: Path | None = None) -> RiskModel:
    """The family's own trained model if it is valid, else the bundled one."""
    problems = []
    for directory in ([home_model_dir] if home_model_dir else []) + [BUNDLED_MODEL_DIR]:
        if directory is None or not (directory / META_FILE).exists():
            continue
        try:
            return load_model_from(directory)
        except ModelError as exc:
            problems.append(str(exc))
    if not problems:
        problems.append(f"no model found in {home_model_dir or ''} or {BUNDLED_MODEL_DIR}; run 'salama train'")
    raise ModelError("; ".join(problems))
