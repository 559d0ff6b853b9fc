"""The evaluation report behind `salama evaluate --report DIR`.

For each category it draws the 2×2 confusion matrix (labelled / not labelled
against flagged / not flagged at the category's threshold) as a PNG, and it
writes `summary.json` with the metrics, the thresholds and the raw counts, so
that a trainer can show where the model errs and a developer can diff two
runs.  matplotlib is an optional extra (`pip install 'salama[report]'`): the
proxy never needs it, so it is imported only here, on demand, with the Agg
backend (no display, no pyplot global state).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from classifier.corpus import Example
from classifier.model import RiskModel, label_matrix
from rules.categories import MODEL_CATEGORIES

SUMMARY_FILE = "summary.json"
INSTALL_HINT = "pip install 'salama[report]'"


class ReportError(ValueError):
    """The report cannot be written (matplotlib missing); says how to fix it."""


def require_matplotlib() -> None:
    """Fail early, before any scoring, when the plotting library is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportError(f"--report needs matplotlib, which is not installed; install it with: {INSTALL_HINT}") from None


def predicted_matrix(model: RiskModel, texts: Sequence[str]) -> np.ndarray:
    """(n, categories) 0/1: each category's score at or above its threshold."""
    cut = np.array([model.thresholds[c] for c in MODEL_CATEGORIES])
    return (model.score_texts(list(texts)) >= cut).astype(np.int8)


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, dict[str, int]]:
    """Per category: true/false positives and negatives."""
    out = {}
    for i, c in enumerate(MODEL_CATEGORIES):
        t, p = y_true[:, i].astype(bool), y_pred[:, i].astype(bool)
        out[c] = {"tp": int((t & p).sum()), "fp": int((~t & p).sum()), "fn": int((t & ~p).sum()), "tn": int((~t & ~p).sum())}
    return out


def plot_confusion(path: Path, category: str, counts: dict[str, int], scores: dict, threshold: float) -> None:
    from matplotlib.figure import Figure

    cells = np.array([[counts["tp"], counts["fn"]], [counts["fp"], counts["tn"]]])
    fig = Figure(figsize=(4.8, 4.0))
    ax = fig.subplots()
    # Colour by share of each actual row, so a rare category's misses show as
    # clearly as a common one's; the numbers stay absolute.
    row_totals = np.maximum(cells.sum(axis=1, keepdims=True), 1)
    ax.imshow(cells / row_totals, cmap="Blues", vmin=0, vmax=1)
    for (r, col), n in np.ndenumerate(cells):
        shade = cells[r, col] / row_totals[r, 0]
        ax.text(col, r, str(n), ha="center", va="center", fontsize=14, color="white" if shade > 0.6 else "black")
    ax.set_xticks([0, 1], ["flagged", "not flagged"])
    ax.set_yticks([0, 1], [category, "not " + category])
    ax.set_xlabel(f"model (threshold {threshold:.3f})")
    ax.set_ylabel("labels in the file")
    ax.set_title(_plot_title(category, scores), fontsize=11)
    fig.savefig(path, dpi=100, bbox_inches="tight")


def _plot_title(category: str, scores: dict) -> str:
    if not scores["support"]:  # P/R/F1 would read 0.00, which is not a score
        return f"{category}: no labelled examples"
    return f"{category}: P {scores['precision']:.2f}  R {scores['recall']:.2f}  F1 {scores['f1']:.2f}"


def write_report(directory: Path, model: RiskModel, examples: list[Example], metrics: dict, source: str) -> list[Path]:
    """Write one confusion PNG per category and summary.json; return the files."""
    require_matplotlib()
    directory.mkdir(parents=True, exist_ok=True)
    counts = confusion_counts(label_matrix([e.labels for e in examples]), predicted_matrix(model, [e.text for e in examples]))
    written = []
    for c in MODEL_CATEGORIES:
        path = directory / f"confusion_{c}.png"
        plot_confusion(path, c, counts[c], metrics["categories"][c], model.thresholds[c])
        written.append(path)
    summary = {
        "source": source,
        "examples": len(examples),
        "thresholds": {c: model.thresholds[c] for c in MODEL_CATEGORIES},
        "confusion": counts,
        "metrics": metrics,
        "plots": [p.name for p in written],
    }
    summary_path = directory / SUMMARY_FILE
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written + [summary_path]
