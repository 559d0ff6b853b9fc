"""Fast TF-IDF rows from a fitted model's vectorizers, for scoring in the proxy.

sklearn's `FeatureUnion.transform` validates its input on every call, which
costs milliseconds however short the text; `DirectFeatures` computes the same
numbers (tested) straight from the fitted vocabularies and idf weights.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import FeatureUnion


class FeatureError(ValueError):
    """The fitted vectorizers are not those `build_pipeline` makes."""


class DirectFeatures:
    """The fitted FeatureUnion's TF-IDF vectors, computed without sklearn's
    per-call checks, which cost milliseconds on every call however short the
    text (most of the time of an ordinary page).  Same numbers as
    `union.transform` (tested); only for the vectorizers `build_pipeline`
    makes: sublinear tf, idf, l2 norm."""

    def __init__(self, union: FeatureUnion):
        self.blocks = []
        for _, vectorizer in union.transformer_list:
            if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
                raise FeatureError("the model's vectorizers are not those build_pipeline makes; run 'salama train'")
            idf = vectorizer.idf_.astype(np.float32)
            self.blocks.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, idf))
        self.width = sum(len(idf) for _, _, idf in self.blocks)

    def transform(self, texts: Sequence[str], joined: bool = False) -> sp.csr_matrix:
        """One row per text; with `joined`, one more for all the texts
        together, from their summed counts (no second pass over the text)."""
        counted = [[_known_counts(analyze(t), vocabulary) for analyze, vocabulary, _ in self.blocks] for t in texts]
        if joined:
            counted.append([_summed([row[b] for row in counted]) for b in range(len(self.blocks))])
        indptr, indices, data = [0], [], []
        for row in counted:
            offset, length = 0, 0
            for (_, _, idf), (columns, tf) in zip(self.blocks, row):
                weights = (np.log(tf) + 1) * idf[columns]
                norm = np.sqrt(np.dot(weights, weights))
                indices.append(columns + offset)
                data.append(weights / norm if norm else weights)
                offset += len(idf)
                length += len(columns)
            indptr.append(indptr[-1] + length)
        return sp.csr_matrix(
            (np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=(len(counted), self.width)
        )


def _known_counts(terms: list[str], vocabulary: dict) -> tuple[np.ndarray, np.ndarray]:
    """Sorted vocabulary columns of the known terms, and how often each occurs."""
    counts = Counter(terms)
    known = list(counts.keys() & vocabulary.keys())  # set operations and map() stay in C
    columns = np.fromiter(map(vocabulary.__getitem__, known), dtype=np.int64, count=len(known))
    tf = np.fromiter(map(counts.__getitem__, known), dtype=np.float32, count=len(known))
    order = np.argsort(columns)  # sets have no stable order; sorted columns keep sums reproducible
    return columns[order], tf[order]


def _summed(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The counts of several texts added up, columns sorted."""
    columns, where = np.unique(np.concatenate([c for c, _ in parts]), return_inverse=True)
    tf = np.bincount(where, weights=np.concatenate([t for _, t in parts]), minlength=len(columns))
    return columns, tf.astype(np.float32)
