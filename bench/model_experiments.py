"""Model experiments on the corpus's own split, printed as JSON.

Every variant is fitted on the train split, gets its per-category
thresholds on the validation split (under the same false-alarm budget as
`salama train`, unless the variant changes the policy) and is measured on
the test split: macro-F1 overall, by language and by kind,
hard negatives and safe lines flagged.  Features are fitted once per
feature setting and shared by the classifiers that use them.  Not part of
the test run; each variant costs about a minute of CPU.

    .venv/bin/python bench/model_experiments.py [--only NAME,NAME] [--errors]

`--errors` also prints the baseline's test-split mistakes, grouped by
category, language and kind, with the lines themselves (for error analysis).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.linear_model import LogisticRegression  # noqa: E402

from classifier import train as training  # noqa: E402
from classifier.corpus import bundled_files, load_examples, split  # noqa: E402
from classifier.metrics import THRESHOLD_STEP, f1_at_cut, budgeted_thresholds  # noqa: E402
from classifier.model import CategorySoftmax, build_pipeline, label_matrix, normalize_many  # noqa: E402
from rules.categories import MODEL_CATEGORIES  # noqa: E402


def features(parts: dict, texts: dict, cache_dir: Path | None = None, **vectorizer_params):
    """The pipeline's FeatureUnion (with `words__x`/`chars__x` overrides) fitted
    on train, kept in `cache_dir` (keyed by the texts and the settings) if given."""
    key = hashlib.sha256(json.dumps([texts, vectorizer_params], sort_keys=True, default=str).encode()).hexdigest()[:16]
    cached = cache_dir / f"features-{key}.pickle" if cache_dir else None
    if cached and cached.exists():
        return pickle.loads(cached.read_bytes())
    union = build_pipeline().named_steps["features"]
    union.set_params(**vectorizer_params)
    x_train = union.fit_transform(texts["train"])
    x = {"train": x_train, "val": union.transform(texts["val"]), "test": union.transform(texts["test"])}
    if cached:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL))
    return x


def softmax(C=20.0, max_iter=300):
    def fit(x, y):
        model = CategorySoftmax(C=C, max_iter=max_iter).fit(x, y)
        return model.predict_proba
    return fit


def reweighted_softmax(safe_weight=1.0, whole_labels=False, C=20.0):
    """The softmax with the safe rows weighted `safe_weight`, and with
    `whole_labels` a two-label row counting fully for each label."""
    from classifier import model as model_module
    split_rows = model_module._one_class_per_row

    def rows_weighted(Y):
        rows, classes, weights = split_rows(Y)
        if whole_labels:
            weights = np.ones_like(weights)
        weights = np.where(classes == Y.shape[1], safe_weight, weights)
        return rows, classes, weights

    def fit(x, y):
        model_module._one_class_per_row = rows_weighted
        try:
            model = CategorySoftmax(C=C).fit(x, y)
        finally:
            model_module._one_class_per_row = split_rows
        return model.predict_proba
    return fit


def one_vs_rest(C=4.0, class_weight=None):
    """One binary logistic regression per category (the former design, with lbfgs)."""
    def fit(x, y):
        models = [LogisticRegression(C=C, max_iter=300, class_weight=class_weight).fit(x, y[:, i]) for i in range(y.shape[1])]
        return lambda z: np.column_stack([m.predict_proba(z)[:, 1] for m in models])
    return fit


def averaged(*fitters, weights=None):
    def fit(x, y):
        scorers = [f(x, y) for f in fitters]
        w = weights or [1.0 / len(scorers)] * len(scorers)
        return lambda z: sum(wi * s(z) for wi, s in zip(w, scorers))
    return fit


def nb_weighted(inner, alpha=1.0):
    """NBSVM-style: scale each feature by the largest |log-count ratio| of any
    category against safe, then fit `inner` on the scaled features."""
    def fit(x, y):
        safe = y.sum(axis=1) == 0
        q = np.asarray(x[safe].sum(axis=0)).ravel() + alpha
        q /= q.sum()
        ratio = np.zeros(x.shape[1])
        for i in range(y.shape[1]):
            p = np.asarray(x[y[:, i] == 1].sum(axis=0)).ravel() + alpha
            ratio = np.maximum(ratio, np.abs(np.log((p / p.sum()) / q)))
        from scipy.sparse import diags
        scale = diags(ratio.astype(np.float32))
        scorer = inner(x @ scale, y)
        return lambda z: scorer(z @ scale)
    return fit


def capped_cut(y, scores, safe, cap):
    """The former policy: the F1-best cut among those flagging at most `cap` of the safe rows."""
    allowed = [t for t in np.arange(0.1, 0.9 + 1e-9, THRESHOLD_STEP) if (scores[safe] >= t).mean() <= cap]
    if not allowed:
        return 0.9
    return max(allowed, key=lambda t: (round(f1_at_cut(y, scores, t), 9), -t))


def thresholds_for(y_val, s_val, policy):
    """("any", budget): `budgeted_thresholds` as `salama train` does; a number: a cap per category."""
    safe = y_val.sum(axis=1) == 0
    if isinstance(policy, tuple):
        return budgeted_thresholds(y_val, s_val, safe, policy[1])
    return np.array([
        capped_cut(y_val[:, i], s_val[:, i], safe, policy) if y_val[:, i].any() else 0.5
        for i in range(y_val.shape[1])
    ])


def measure(examples, scores, cut):
    pred = (scores >= cut).astype(np.int8)
    out = training.flagged_metrics(examples, pred)
    out["f1"] = {c: out["categories"][c]["f1"] for c in MODEL_CATEGORIES}
    del out["categories"]
    return out, pred


def errors(examples, y, pred, scores):
    """Misses and false flags on the test split, by category, language and kind."""
    rows = []
    for i, e in enumerate(examples):
        gold = {c for j, c in enumerate(MODEL_CATEGORIES) if y[i, j]}
        got = {c for j, c in enumerate(MODEL_CATEGORIES) if pred[i, j]}
        if gold != got:
            top = sorted(zip(scores[i], MODEL_CATEGORIES), reverse=True)[:3]
            rows.append({"gold": sorted(gold), "got": sorted(got), "lang": e.language, "kind": e.kind,
                         "top": [(c, round(float(s), 2)) for s, c in top], "text": e.text[:300], "group": e.group})
    missed = Counter((c, r["lang"], r["kind"]) for r in rows for c in set(r["gold"]) - set(r["got"]))
    confused = Counter((g or "safe", w) for r in rows for g in (r["gold"] or [None]) for w in set(r["got"]) - set(r["gold"]))
    return {"missed_by_category_language_kind": {" ".join(k): v for k, v in missed.most_common(40)},
            "gold_to_wrong_flag": {f"{g}->{w}": v for (g, w), v in confused.most_common(30)},
            "lines": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated variant names")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--cache", type=Path, help="a directory to keep fitted features in between runs")
    args = parser.parse_args()

    examples = sorted(load_examples(bundled_files()), key=lambda e: (e.group, e.text))
    parts = split(examples)
    texts = {k: normalize_many([e.text for e in v]) for k, v in parts.items()}
    ys = {k: label_matrix([e.labels for e in v]) for k, v in parts.items()}
    cap = ("any", training.SAFE_FLAG_BUDGET)

    base_features = {}
    variants = {
        "shipped": (base_features, softmax(), cap),
        "softmax_C10": (base_features, softmax(C=10), cap),
        "softmax_C30": (base_features, softmax(C=30, max_iter=400), cap),
        "softmax_C50": (base_features, softmax(C=50, max_iter=500), cap),
        "per_category_cap_0.5pct": (base_features, softmax(), 0.005),
        "per_category_cap_1pct": (base_features, softmax(), 0.01),
        "uncapped": (base_features, softmax(), 1.0),
        "budget_3pct": (base_features, softmax(), ("any", 0.03)),
        "budget_4pct": (base_features, softmax(), ("any", 0.04)),
        "budget_5pct": (base_features, softmax(), ("any", 0.05)),
        "softmax_safe0.6": (base_features, reweighted_softmax(safe_weight=0.6), cap),
        "softmax_whole_labels": (base_features, reweighted_softmax(whole_labels=True), cap),
        "ovr_C4": (base_features, one_vs_rest(C=4), cap),
        "ovr_C10_balanced": (base_features, one_vs_rest(C=10, class_weight="balanced"), cap),
        "softmax+ovr": (base_features, averaged(softmax(), one_vs_rest(C=10, class_weight="balanced")), cap),
        "nb_softmax": (base_features, nb_weighted(softmax()), cap),
        "chars_1to5": ({"chars__ngram_range": (1, 5)}, softmax(), cap),
        "chars_2to6": ({"chars__ngram_range": (2, 6), "chars__max_features": 400_000}, softmax(), cap),
        "words_1to3": ({"words__ngram_range": (1, 3), "words__max_features": 250_000}, softmax(), cap),
        "chars_mindf1": ({"chars__min_df": 1, "chars__max_features": 400_000}, softmax(), cap),
        "words_mindf2": ({"words__min_df": 2}, softmax(), cap),
    }
    chosen = [v for v in args.only.split(",") if v] or list(variants)
    unknown = set(chosen) - set(variants)
    if unknown:
        parser.error(f"unknown variant(s) {sorted(unknown)}; known: {', '.join(variants)}")

    cache: dict[str, dict] = {}
    report = {"split": {k: len(v) for k, v in parts.items()}, "variants": {}}
    for name in chosen:
        params, fitter, variant_cap = variants[name]
        key = json.dumps(params, sort_keys=True, default=str)
        started = time.process_time()
        if key not in cache:
            cache[key] = features(parts, texts, args.cache, **params)
        x = cache[key]
        scorer = fitter(x["train"], ys["train"])
        val_scores, scores = scorer(x["val"]), scorer(x["test"])
        cut = thresholds_for(ys["val"], val_scores, variant_cap)
        if args.cache:  # for trying threshold policies without refitting
            np.savez(args.cache / f"scores-{name}.npz", val=val_scores, test=scores, y_val=ys["val"], y_test=ys["test"],
                     hard_test=np.array([e.hard for e in parts["test"]]), hard_val=np.array([e.hard for e in parts["val"]]))
        result, pred = measure(parts["test"], scores, cut)
        result["thresholds"] = dict(zip(MODEL_CATEGORIES, cut.tolist()))
        result["features"] = x["train"].shape[1]
        result["cpu_seconds"] = round(time.process_time() - started, 1)
        if args.errors and name == chosen[0]:
            result["errors"] = errors(parts["test"], ys["test"], pred, scores)
        report["variants"][name] = result
        print(f"{name}: macro-F1 {result['macro_f1']} hard {result['hard_negatives_flagged_rate']} "
              f"({result['cpu_seconds']} s)", file=sys.stderr)
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
