"""`salama classify`, `salama train` and `salama evaluate`: the risk model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from salama.commands import add_home_argument
from salama.home import Home


def register(sub) -> None:
    p = sub.add_parser("classify", help="score texts for every risk category",
                       description="Score a text (or, with '-', one text per line of standard input, or JSONL "
                       "lines with a \"text\" field) for every risk category.")
    add_home_argument(p)
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p.add_argument("--explain", action="store_true", help="show the words and passage behind each label")
    p.add_argument("--html", action="store_true", help="treat the input as an HTML page (extract its visible text)")
    p.add_argument("text", nargs="?", default="-", metavar="TEXT|-", help="text to score, or '-' for standard input")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("train", help="rebuild the model from the bundled corpus, extra data and corrections",
                       description="Train the model deterministically from the bundled corpus, any --data files "
                       "(JSONL with text and labels) and the parents' corrections, into the home's model folder.")
    add_home_argument(p)
    p.add_argument("--data", action="append", default=[], metavar="FILE", help="extra JSONL training data; repeatable")
    p.add_argument("--output", metavar="DIR", help="write the model here instead of the home's model folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="precision, recall and F1 per category on a labelled JSONL file",
                       description="Evaluate the model on JSONL lines {\"text\": ..., \"labels\": [...]}; prints JSON.")
    add_home_argument(p)
    p.add_argument("file", metavar="FILE.jsonl")
    p.add_argument("--report", metavar="DIR",
                   help="also write a confusion plot per category (PNG) and summary.json into DIR "
                   "(needs matplotlib: pip install 'salama[report]')")
    p.set_defaults(func=cmd_evaluate)


def _model(args):
    from classifier.model import load_model

    return load_model(Home.resolve(args.home).model_dir)


def _inputs(args):
    if args.text != "-":
        yield args.text
        return
    for n, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                if not isinstance(obj.get("text"), str):
                    raise ValueError(f"stdin line {n}: JSON object without a \"text\" string")
                yield obj["text"]
                continue
        yield line


def cmd_classify(args) -> int:
    from classifier.assess import assess_page, assess_text, explain
    from classifier.extract import extract_text

    model = _model(args)
    for text in _inputs(args):
        if args.html:
            assessment = assess_page(model, extract_text(text.encode("utf-8"), "text/html; charset=utf-8"))
        else:
            assessment = assess_text(model, text)
        explanation = explain(model, assessment) if args.explain else None
        if args.json:
            print(json.dumps(assessment.to_dict(explanation), ensure_ascii=False), flush=True)
            continue
        labels = ", ".join(f"{c} {assessment.scores[c]:.2f}" for c in assessment.labels) or "safe"
        print(f"[{assessment.language}] {labels}")
        for cat, info in (explanation or {}).items():
            terms = ", ".join(t["term"] for t in info["terms"])
            print(f"  {cat}: {terms}")
    return 0


def cmd_train(args) -> int:
    from classifier.corpus import bundled_files, load_examples, load_file
    from classifier.train import train_model

    home = Home.resolve(args.home)
    examples = load_examples(bundled_files())
    for f in args.data:
        examples += load_file(Path(f))
    if home.corrections_path.exists():
        corrections = load_file(home.corrections_path)
        print(f"including {len(corrections)} corrections from {home.corrections_path}")
        examples += corrections
    model = train_model(examples, seed=args.seed)
    out = Path(args.output) if args.output else home.model_dir
    model.save(out)
    held = model.meta["metrics"]["held_out"]
    print(f"model written to {out}: held-out macro-F1 {held['macro_f1']:.3f}, "
          f"hard negatives flagged {held.get('hard_negatives_flagged_rate', 0):.1%}")
    return 0


def cmd_evaluate(args) -> int:
    from classifier.corpus import load_file
    from classifier.train import evaluate_examples

    if args.report:
        from classifier.report import require_matplotlib

        require_matplotlib()  # before the slow part, not after it
    examples = load_file(Path(args.file))
    if not examples:
        raise ValueError(f"{args.file}: no examples")
    model = _model(args)
    metrics = evaluate_examples(model, examples)
    if args.report:
        from classifier.report import write_report

        written = write_report(Path(args.report), model, examples, metrics, source=args.file)
        print(f"report: {len(written)} files written to {args.report}", file=sys.stderr)
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    return 0
