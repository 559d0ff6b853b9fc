"""Per-category precision, recall and F1, the macro average, and the choice
of each category's threshold on validation scores."""

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


THRESHOLD_STEP = 0.025


def f1_at_cut(y: np.ndarray, scores: np.ndarray, cut: float) -> float:
    """F1 of flagging the rows whose score reaches `cut`."""
    pred = scores >= cut
    tp = int((pred & (y == 1)).sum())
    return 2 * tp / (int(pred.sum()) + int(y.sum())) if tp else 0.0


def best_threshold(y: np.ndarray, scores: np.ndarray, floor: float = 0.1, ceiling: float = 0.9) -> float:
    """The cut in [floor, ceiling] (steps of THRESHOLD_STEP) that maximises F1
    on validation scores; the lowest such cut."""
    best_t, best_f = ceiling, -1.0
    for t in np.arange(floor, ceiling + 1e-9, THRESHOLD_STEP):
        f = f1_at_cut(y, scores, t)
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return round(best_t, 3)


def budgeted_thresholds(
    y: np.ndarray, scores: np.ndarray, safe: np.ndarray, budget: float, ceiling: float = 0.9
) -> np.ndarray:
    """One cut per category (columns of `y` and `scores`) under one false-alarm
    budget: at most `budget` of the `safe` rows (a boolean mask) flagged for
    any category.

    Each category starts at its F1-best cut (0.5 when it has no positives).
    While the budget is exceeded, the category whose next higher cut stops
    flagging a safe row at the smallest loss of F1 per safe row spared is
    raised.  Unlike a cap per category, the budget goes where it buys the
    most recall: a category whose texts look nothing like safe text keeps
    a low cut, one that prevention pages resemble pays for its false alarms.
    Stops early if no cut up to `ceiling` spares another safe row."""
    cut = np.array([best_threshold(y[:, i], scores[:, i]) if y[:, i].any() else 0.5 for i in range(y.shape[1])])

    def safe_flags(i: int, t: float) -> int:
        return int((scores[safe, i] >= t).sum())

    while safe.any() and (scores[safe] >= cut).any(axis=1).mean() > budget:
        options = []
        for i, current in enumerate(cut):
            now = safe_flags(i, current)
            t = current + THRESHOLD_STEP
            while t <= ceiling + 1e-9 and safe_flags(i, t) == now:
                t += THRESHOLD_STEP
            if now and t <= ceiling + 1e-9:
                loss = f1_at_cut(y[:, i], scores[:, i], current) - f1_at_cut(y[:, i], scores[:, i], t)
                options.append((loss / (now - safe_flags(i, t)), i, t))
        if not options:
            break
        _, i, t = min(options)
        cut[i] = t
    return np.round(cut, 3)
