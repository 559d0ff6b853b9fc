"""Per-category precision, recall and F1, and the macro average."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from rules.categories import MODEL_CATEGORIES


def multilabel_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    per = {
        c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(support[i])}
        for i, c in enumerate(MODEL_CATEGORIES)
    }
    present = [c for c in MODEL_CATEGORIES if per[c]["support"] > 0]
    macro = float(np.mean([per[c]["f1"] for c in present])) if present else 0.0
    safe_rows = y_true.sum(axis=1) == 0
    flagged_safe = float((y_pred[safe_rows].sum(axis=1) > 0).mean()) if safe_rows.any() else 0.0
    return {
        "macro_f1": round(macro, 4),
        "categories": per,
        "safe_examples": int(safe_rows.sum()),
        "safe_flagged_rate": round(flagged_safe, 4),
    }


def best_threshold(
    y: np.ndarray,
    scores: np.ndarray,
    safe: np.ndarray | None = None,
    max_safe_rate: float = 1.0,
    floor: float = 0.1,
    ceiling: float = 0.9,
) -> float:
    """The cut in [floor, ceiling] that maximises F1 on validation scores,
    among the cuts that flag at most `max_safe_rate` of the `safe` rows (a
    boolean mask); the highest cut when none keeps under that rate."""
    best_t, best_f = ceiling, -1.0
    for t in np.arange(floor, ceiling + 1e-9, 0.025):
        pred = scores >= t
        if safe is not None and safe.any() and pred[safe].mean() > max_safe_rate:
            continue
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum())
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return round(best_t, 3)
