"""The shipped risk model on public data nobody on the team wrote, next to two
baselines, plus its speed.  Prints one JSON object.

Systems, each scored on the same rows:

- salama: `classifier.model.load_model()` (the shipped model); a category is
  flagged when its score reaches the category's threshold.
- keyword: an e2guardian-style weighted phrase scorer (bench/keyword_baseline.py)
  on the project's own lists (bench/keyword_lists/), blocked at 50.
- profanity_check: the `alt-profanity-check` package (EN-trained linear SVM),
  its `predict` (probability >= 0.5) read as "bullying and hate"; reported only
  for the insult targets.

Each public set's labels are mapped onto Salama's categories by `SETS` below
(and docs/model.md); nothing is tuned on these sets.  A target such as
"bullying|hate" counts a row as positive when its mapped labels hold either
category, and as flagged when a system flags either.  Where a set has only
positives (phishing e-mails) the figure is recall; where a slice has only
safe rows it is the flag rate.

The data stays in ../shared/datasets/text (never copied into the project).
Sampling is deterministic: at most --max-per-set rows per set and language.
Never part of the test run; about 3-4 minutes on a 2-core machine.

    .venv/bin/python bench/bench_model.py [--max-per-set 3000] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench_text import best_seconds, generated_page  # noqa: E402
from keyword_baseline import PhraseScorer  # noqa: E402

from classifier.corpus import MAX_TEXT, bundled_files, distinct, load_examples, split  # noqa: E402
from classifier.metrics import multilabel_metrics  # noqa: E402
from classifier.model import BUNDLED_MODEL_DIR, MODEL_FILE, RiskModel, label_matrix  # noqa: E402
from rules.categories import MODEL_CATEGORIES  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "text"
INSULT = frozenset({"bullying", "hate"})
SCORING_BATCH = 256
csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class Row:
    text: str
    gold: frozenset[str]  # Salama categories the set's label maps to; empty = safe
    language: str
    group: str = ""  # sub-label kept for a breakdown (subreddit, HateCheck functionality)
    hard: bool = False  # safe, but worded like the risk (counter-speech, quoted hate)


@dataclass(frozen=True)
class BenchSet:
    name: str
    mapping: str  # the label mapping, in words
    targets: tuple[str, ...]  # "hate", "bullying|hate", ...
    rows: Callable[[Path], Iterator[Row]]
    trained_on_by: tuple[str, ...] = ()  # baselines that learnt from this very data: not out of sample


# -- readers: one per public set; each maps its labels explicitly ------------


def _csv_rows(path: Path, encoding_errors: str = "strict") -> Iterator[dict]:
    with path.open(encoding="utf-8", errors=encoding_errors, newline="") as handle:
        yield from csv.DictReader(handle)


def davidson(data: Path) -> Iterator[Row]:
    to_gold = {"0": {"hate"}, "1": {"bullying"}, "2": set()}
    for r in _csv_rows(data / "davidson-hate-offensive" / "labeled_data.csv"):
        yield Row(r["tweet"], frozenset(to_gold[r["class"]]), "en")


def mlma(data: Path) -> Iterator[Row]:
    # The authors' own binary reading: a tweet labelled only "normal" is
    # non-hostile, every other hostility label is hostile.
    for lang in ("ar", "fr", "en"):
        for r in _csv_rows(data / "mlma-hate-speech" / f"{lang}_dataset.csv"):
            yield Row(r["tweet"], frozenset() if r["sentiment"] == "normal" else frozenset({"hate"}), lang)


HATECHECK_HARD = frozenset({"counter_quote_nh", "counter_ref_nh"})


def hatecheck(data: Path) -> Iterator[Row]:
    for lang, name in (("ar", "arabic"), ("fr", "french")):
        for r in _csv_rows(data / "multilingual-hatecheck" / f"hatecheck_cases_final_{name}.csv"):
            hateful = r["label_gold"] == "hateful"
            yield Row(r["test_case"], frozenset({"hate"}) if hateful else frozenset(), lang,
                      group=r["functionality"], hard=r["functionality"] in HATECHECK_HARD)


def toxifrench(file: str, columns: dict[str, str]) -> Callable[[Path], Iterator[Row]]:
    """A ToxiFrench benchmark file; `columns` maps language -> text column."""

    def rows(data: Path) -> Iterator[Row]:
        for r in _csv_rows(data / "toxifrench-benchmarks" / file):
            for lang, column in columns.items():
                yield Row(r[column], INSULT if r["label"] == "1" else frozenset(), lang)

    return rows


def vanetik(dataset_id: int, language: str, to_gold: Callable[[dict], frozenset[str] | None]):
    """One set of the Arabic offensive-language collection; rows whose
    labels `to_gold` cannot map (None) are left out."""

    def rows(data: Path) -> Iterator[Row]:
        path = data / "arabic-offensive-vanetik" / f"arabic_off_lang_dataset_ID{dataset_id}.csv"
        for raw in _csv_rows(path):
            r = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            gold = to_gold(r)
            if gold is not None and r["text"]:
                yield Row(r["text"].replace("_x000D_", " "), gold, language)

    return rows


def _offensive_as_bullying(r: dict) -> frozenset[str] | None:
    return {"1": frozenset({"bullying"}), "0": frozenset()}.get(r["offensive"].split(".")[0])


def _misogyny_as_hate(r: dict) -> frozenset[str] | None:
    # Let-Mi: misogynistic -> hate; not offensive -> safe; offensive but not
    # misogynistic is neither clearly hate nor clearly safe: left out.
    if r["sexism"] == "1":
        return frozenset({"hate"})
    return frozenset() if r["offensive"] == "0" else None


REDDIT_GOLD = {
    "suicidewatch": {"self_harm"},
    "EDAnonymous": {"self_harm"},
    "addiction": {"drugs"},
    "alcoholism": {"drugs"},
    **{s: set() for s in ("personalfinance", "UKPersonalFinance", "legaladvice", "teaching",
                           "mindfulness", "divorce", "ukpolitics", "unitedkingdom")},
}


def reddit(data: Path) -> Iterator[Row]:
    for r in _csv_rows(data / "reddit-mental-health-27subreddits" / "rmhd_27subreddits_260posts.csv"):
        if r["subreddit"] in REDDIT_GOLD:
            yield Row(r["post"], frozenset(REDDIT_GOLD[r["subreddit"]]), "en", group=r["subreddit"])


def sms_spam(data: Path) -> Iterator[Row]:
    with (data / "sms-spam-collection" / "SMSSpamCollection.tsv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield Row(r["SMS"], frozenset({"scam"}) if r["Label"] == "spam" else frozenset(), "en")


def nazario(data: Path) -> Iterator[Row]:
    for r in _csv_rows(data / "nazario-phishing-emails" / "Nazario.csv", encoding_errors="replace"):
        yield Row(f"{r['subject']}\n{r['body']}", frozenset({"scam"}), "en")


SETS = (
    BenchSet("davidson", "hate -> hate; offensive -> bullying (an approximation: offensive tweets are mostly "
             "profanity, not always aimed at a person); neither -> safe",
             ("hate", "bullying", "bullying|hate"), davidson, trained_on_by=("profanity_check",)),
    BenchSet("mlma", "every hostility label (offensive, abusive, hateful, disrespectful, fearful) -> hate; "
             "'normal' alone -> safe. Salama calls much of it bullying, hence also bullying|hate",
             ("hate", "bullying|hate"), mlma),
    BenchSet("hatecheck", "hateful -> hate; non-hateful -> safe; counter-speech and quoted hate "
             "(counter_quote_nh, counter_ref_nh) are hard negatives; abuse of individuals or objects "
             "(target_indiv_nh, target_obj_nh) and non-hateful profanity are safe for 'hate'",
             ("hate",), hatecheck),
    BenchSet("toxifrench", "ToxiFrenchBalanced: toxic -> bullying or hate; non-toxic -> safe",
             ("bullying|hate",), toxifrench("ToxiFrenchBalanced.csv", {"fr": "content"})),
    BenchSet("hateday-fr", "toxic -> bullying or hate; non-toxic -> safe",
             ("bullying|hate",), toxifrench("HateDay-french.csv", {"fr": "content"})),
    BenchSet("rtp-lx-fr", "toxic (sentence prompts) -> bullying or hate; non-toxic -> safe",
             ("bullying|hate",), toxifrench("RTP-LX-french.csv", {"fr": "content"})),
    BenchSet("jigsaw-bilingual", "toxic -> bullying or hate; non-toxic -> safe; EN original and FR translation",
             ("bullying|hate",), toxifrench("JigsawBilingualBalanced.csv", {"en": "original_text", "fr": "content"}),
             trained_on_by=("profanity_check",)),
    BenchSet("omcd-darija", "arabic-offensive-vanetik ID11 (OMCD, Moroccan comments): offensive -> bullying "
             "(approximation; bullying|hate counts either); not offensive -> safe",
             ("bullying", "bullying|hate"), vanetik(11, "darija", _offensive_as_bullying)),
    BenchSet("offenseval-ar", "arabic-offensive-vanetik ID5 (OffensEval 2020 Arabic): offensive -> bullying "
             "(approximation); not offensive -> safe",
             ("bullying", "bullying|hate"), vanetik(5, "ar", _offensive_as_bullying)),
    BenchSet("letmi-ar", "arabic-offensive-vanetik ID14 (Let-Mi, Levantine): misogynistic -> hate; "
             "not offensive -> safe; offensive but not misogynistic left out",
             ("hate", "bullying|hate"), vanetik(14, "ar", _misogyny_as_hate)),
    BenchSet("reddit-mh", "suicidewatch, EDAnonymous -> self_harm; addiction, alcoholism -> drugs "
             "(contested: most are recovery posts, which Salama's corpus treats as safe); personalfinance, "
             "UKPersonalFinance, legaladvice, teaching, mindfulness, divorce, ukpolitics, unitedkingdom -> safe; "
             "other mental-health subreddits left out",
             ("self_harm", "drugs"), reddit),
    BenchSet("sms-spam", "spam -> scam (approximation: includes marketing spam); ham -> safe",
             ("scam",), sms_spam),
    BenchSet("nazario-phishing", "phishing e-mail (subject + body) -> scam; positives only, so recall",
             ("scam",), nazario),
)


# -- systems: each turns texts into the set of categories it flags per text ----

System = Callable[[list[str]], list[frozenset[str]]]


def salama_system(model: RiskModel) -> System:
    from classifier.report import predicted_matrix

    def flags(texts: list[str]) -> list[frozenset[str]]:
        out = []
        for start in range(0, len(texts), SCORING_BATCH):
            for row in predicted_matrix(model, texts[start:start + SCORING_BATCH]):
                out.append(frozenset(c for c, hit in zip(MODEL_CATEGORIES, row) if hit))
        return out

    return flags


def keyword_system(scorer: PhraseScorer) -> System:
    return lambda texts: [frozenset(scorer.labels(t)) for t in texts]


def profanity_system() -> System | None:
    try:
        from profanity_check import predict
    except ImportError:
        return None
    return lambda texts: [INSULT if hit else frozenset() for hit in predict(texts)] if texts else []


def applies(system: str, target: str) -> bool:
    """alt-profanity-check only speaks to insults."""
    return system != "profanity_check" or set(target.split("|")) <= INSULT


# -- metrics -----------------------------------------------------------------


def rate(hits: Iterable[bool]) -> float | None:
    hits = list(hits)
    return round(sum(hits) / len(hits), 4) if hits else None


def binary_scores(positive: list[bool], flagged: list[bool]) -> dict:
    """P/R/F1 when the slice has both classes; else recall or the flag rate."""
    tp = sum(p and f for p, f in zip(positive, flagged))
    fp = sum(f and not p for p, f in zip(positive, flagged))
    n_pos = sum(positive)
    n_neg = len(positive) - n_pos
    if not n_neg:
        return {"recall": rate(f for p, f in zip(positive, flagged) if p)}
    if not n_pos:
        return {"flag_rate": rate(flagged)}
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / n_pos
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "negative_flag_rate": round(fp / n_neg, 4)}


def hits_for(target: str, categories: Iterable[frozenset[str]]) -> list[bool]:
    wanted = set(target.split("|"))
    return [bool(wanted & c) for c in categories]


def slice_result(bench: BenchSet, language: str, rows: list[Row], flags: dict[str, list[frozenset[str]]]) -> dict:
    golds = [r.gold for r in rows]
    result = {"set": bench.name, "language": language, "rows": len(rows), "targets": {}}
    if bench.trained_on_by:
        result["not_out_of_sample_for"] = list(bench.trained_on_by)
    for target in bench.targets:
        positive = hits_for(target, golds)
        result["targets"][target] = {"positives": sum(positive)} | {
            name: binary_scores(positive, hits_for(target, flagged))
            for name, flagged in flags.items() if applies(name, target)
        }
    safe = [i for i, r in enumerate(rows) if not r.gold]
    if safe:
        result["safe_rows_flagged_any_category"] = {name: rate(bool(f[i]) for i in safe) for name, f in flags.items()}
        result["safe_rows_flagged_by_category"] = {
            name: _category_rates([f[i] for i in safe]) for name, f in flags.items() if name != "profanity_check"}
    result |= _hard_negatives(bench, rows, flags) | _by_group(bench, rows, flags)
    return result


def _category_rates(flagged: list[frozenset[str]]) -> dict[str, float]:
    """Which categories a system raises on safe rows, most raised first."""
    rates = {c: rate(c in f for f in flagged) for c in MODEL_CATEGORIES}
    return {c: r for c, r in sorted(rates.items(), key=lambda kv: -kv[1]) if r}


def _hard_negatives(bench: BenchSet, rows: list[Row], flags: dict) -> dict:
    hard = [i for i, r in enumerate(rows) if r.hard]
    if not hard:
        return {}
    target = bench.targets[0]
    return {"hard_negatives": {"rows": len(hard)} | {
        name: {f"flagged_{target}": rate(hits_for(target, [f[i] for i in hard])),
               "flagged_any_category": rate(bool(f[i]) for i in hard)}
        for name, f in flags.items() if applies(name, target)}}


def _by_group(bench: BenchSet, rows: list[Row], flags: dict) -> dict:
    """Per sub-label, the share flagged for any of the set's target categories."""
    groups = sorted({r.group for r in rows if r.group})
    if not groups:
        return {}
    union = "|".join(sorted({c for t in bench.targets for c in t.split("|")}))
    return {f"flagged_{union}_by_group": {
        g: {name: rate(hits_for(union, [f[i] for i, r in enumerate(rows) if r.group == g]))
            for name, f in flags.items() if applies(name, union)}
        for g in groups}}


# -- running -----------------------------------------------------------------


def sampled(rows: list[Row], limit: int, key: str) -> list[Row]:
    """At most `limit` rows, the same ones on every run."""
    return rows if len(rows) <= limit else random.Random(f"salama-bench:{key}").sample(rows, limit)


def run_set(bench: BenchSet, systems: dict[str, System], limit: int, data: Path, seconds: dict) -> list[dict]:
    by_language: dict[str, list[Row]] = {}
    for row in bench.rows(data):
        if row.text.strip():
            by_language.setdefault(row.language, []).append(replace(row, text=row.text[:MAX_TEXT]))
    results = []
    for language, rows in sorted(by_language.items()):
        rows = sampled(rows, limit, f"{bench.name}:{language}")
        texts = [r.text for r in rows]
        flags = {}
        for name, system in systems.items():
            started = time.perf_counter()
            flags[name] = system(texts)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        results.append(slice_result(bench, language, rows, flags))
        print(f"{bench.name}/{language}: {len(rows)} rows", file=sys.stderr, flush=True)
    return results


# -- the project's own corpus: its test split ------------------------------


def corpus_figures(model: RiskModel, systems: dict[str, System]) -> dict:
    """Salama's figures here come from the model's metadata: they were measured
    by `salama train` on the test split with a model fitted without it.  The
    shipped model was refitted on everything, so its own flag rate on these
    rows (also given) is optimistic.  The baselines saw none of it."""
    examples = distinct(load_examples(bundled_files()))  # as salama train reads it
    test = split(examples)["test"]
    hard = [e for e in test if e.hard]
    truth = label_matrix([e.labels for e in test])
    held_out = model.meta.get("metrics", {}).get("held_out", {})
    out = {
        "test_rows": len(test),
        "hard_negatives": len(hard),
        "model_examples_match_corpus": model.meta.get("examples") == len(examples),
        "salama_held_out": {
            "macro_f1": held_out.get("macro_f1"),
            "f1": {c: s["f1"] for c, s in held_out.get("categories", {}).items()},
            "hard_negatives_flagged_rate": held_out.get("hard_negatives_flagged_rate"),
        },
    }
    for name, system in systems.items():
        flagged = system([e.text for e in test])
        metrics = multilabel_metrics(truth, label_matrix([sorted(f) for f in flagged]))
        out[name] = {
            "hard_negatives_flagged_rate": rate(bool(f) for f, e in zip(flagged, test) if e.hard),
            "f1": {c: s["f1"] for c, s in metrics["categories"].items() if name != "profanity_check" or c in INSULT},
        }
        if name != "profanity_check":
            out[name]["macro_f1"] = metrics["macro_f1"]
    out["salama"]["note"] = "shipped model, which was refitted on these rows: optimistic"
    return out


# -- speed ---------------------------------------------------------------------

PAGES_30KB = 40
HTML = "text/html; charset=utf-8"


def speed_figures(load: Callable[[], RiskModel], model_file: Path, repeats: int = 3) -> dict:
    from classifier.assess import assess_page
    from classifier.extract import extract_text
    from rules.policy import ContentLimits

    max_chars = ContentLimits().max_text_chars  # what the proxy extracts and scores by default
    load_seconds = best_seconds(lambda _: load(), None, repeats)
    model = load()

    def assess_all(bodies: list[bytes]) -> None:
        for body in bodies:
            assess_page(model, extract_text(body, HTML, max_chars), max_chars)

    def extract_all(bodies: list[bytes]) -> None:
        for body in bodies:
            extract_text(body, HTML, max_chars)

    pages = [generated_page(30_000, seed=i).encode() for i in range(PAGES_30KB)]
    big = [generated_page(2_000_000).encode()]
    both = best_seconds(assess_all, pages, repeats)
    return {
        "model_load_s": round(load_seconds, 2),
        "model_file_bytes": model_file.stat().st_size,
        "page_30kb": {
            "pages": len(pages),
            "pages_per_s": round(len(pages) / both, 1),
            "ms_per_page": round(1000 * both / len(pages), 2),
            "of_which_extraction_ms": round(1000 * best_seconds(extract_all, pages, repeats) / len(pages), 2),
        },
        "page_2mb_s": round(best_seconds(assess_all, big, repeats), 3),
        "how": f"extract_text + assess_page (max_chars {max_chars}, the proxy's default) on bench_text's "
               f"generated forum pages, best of {repeats} runs, one core",
    }


# -- the final comparison ----------------------------------------------------

HIGHER_IS_BETTER = ("f1", "recall")


def comparison(results: list[dict], corpus: dict) -> list[dict]:
    rows = []
    for r in results:
        for target, by_system in r["targets"].items():
            metric = next(m for m in ("f1", "recall", "flag_rate") if m in by_system["salama"])
            row = _compared(r["set"], r["language"], target, metric,
                            {name: s[metric] for name, s in by_system.items() if name != "positives"})
            if "not_out_of_sample_for" in r:
                row["note"] = f"{' and '.join(r['not_out_of_sample_for'])} was trained on this data"
            rows.append(row)
        if "hard_negatives" in r:
            target = next(iter(r["targets"]))
            rates = {n: h[f"flagged_{target}"] for n, h in r["hard_negatives"].items() if n != "rows"}
            rows.append(_compared(r["set"], r["language"], f"hard_negatives ({target})", "flag_rate", rates))
    corpus_rates = {"salama": corpus["salama_held_out"]["hard_negatives_flagged_rate"]} | {
        n: corpus[n]["hard_negatives_flagged_rate"] for n in ("keyword", "profanity_check") if n in corpus}
    rows.append(_compared("salama-corpus-test-split", "all", "hard_negatives", "flag_rate", corpus_rates))
    return rows


def _compared(set_name: str, language: str, target: str, metric: str, values: dict) -> dict:
    salama = values.pop("salama")
    baselines = [v for v in values.values() if v is not None]
    if metric in HIGHER_IS_BETTER:
        beats = salama is not None and all(salama > v for v in baselines)
    else:  # a flag rate on safe rows: lower is better
        beats = salama is not None and all(salama < v for v in baselines)
    return {"set": set_name, "language": language, "target": target, "metric": metric,
            "salama": salama, **values, "salama_beats_both": beats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-per-set", type=int, default=3000, metavar="N",
                        help="at most N rows per set and language, sampled deterministically (default 3000)")
    parser.add_argument("--model-dir", type=Path, help="evaluate the model in DIR instead of the shipped one")
    parser.add_argument("--data", type=Path, default=DATA, help=f"the public text sets (default {DATA})")
    parser.add_argument("--sets", help="comma-separated set names to run (default: all)")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed figures")
    args = parser.parse_args()
    started = time.perf_counter()

    from classifier.model import load_model, load_model_from

    load = (lambda: load_model_from(args.model_dir)) if args.model_dir else load_model
    model = load()
    scorer = PhraseScorer.from_directory()
    systems = {"salama": salama_system(model), "keyword": keyword_system(scorer)}
    profanity = profanity_system()
    if profanity is not None:
        systems["profanity_check"] = profanity

    chosen = [b for b in SETS if not args.sets or b.name in args.sets.split(",")]
    seconds: dict[str, float] = {}
    results, skipped = [], {}
    for bench in chosen:
        try:
            results += run_set(bench, systems, args.max_per_set, args.data, seconds)
        except FileNotFoundError as exc:
            skipped[bench.name] = f"not found: {exc.filename}"
    corpus = corpus_figures(model, systems)
    report = {
        "model": {
            "dir": str(args.model_dir or BUNDLED_MODEL_DIR),
            "sha256": model.meta.get("sha256"),
            "trained_examples": model.meta.get("examples"),
            "held_out_macro_f1": model.meta.get("metrics", {}).get("held_out", {}).get("macro_f1"),
            "thresholds": model.thresholds,
        },
        "max_per_set": args.max_per_set,
        "keyword_baseline": {"limit": scorer.limit, "phrases": {c: len(e) for c, e in scorer.lists.items()}},
        "profanity_check": "alt-profanity-check" if profanity else "not installed: pip install -e '.[bench]'",
        "mappings": {b.name: b.mapping for b in chosen},
        "skipped": skipped,
        "results": results,
        "project_corpus": corpus,
        "system_seconds": {name: round(s, 1) for name, s in seconds.items()},
        "system_rows_per_s": {name: round(sum(r["rows"] for r in results) / s) for name, s in seconds.items() if s},
    }
    if not args.no_speed:
        report["speed"] = speed_figures(load, (args.model_dir or BUNDLED_MODEL_DIR) / MODEL_FILE)
    report["comparison"] = comparison(results, corpus)
    wins = sum(row["salama_beats_both"] for row in report["comparison"])
    report["comparison_summary"] = f"Salama beats both baselines on {wins} of {len(report['comparison'])} rows"
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
