"""`salama evaluate`: metrics as JSON, one-line errors on bad input, the
`--report` plots; and the keyword baseline that bench/bench_model.py uses.

The model here is a tiny one fitted in the test on made-up texts (the
shipped model may be absent or being retrained): the tests check the
command's contract, not the model's quality.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rules.categories import MODEL_CATEGORIES
from salama.cli import main

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _tiny_training_set() -> tuple[list[str], list[list[str]]]:
    texts, labels = [], []
    for c in MODEL_CATEGORIES:
        for k in range(4):
            texts.append(f"{c.replace('_', '')} {c.replace('_', '')} signal number {k} about {c}")
            labels.append([c])
    for k in range(12):
        texts.append(f"homework about the weather and football, day {k}")
        labels.append([])
    return texts, labels


@pytest.fixture(scope="module")
def model_home(tmp_path_factory) -> Path:
    """A Salama home holding a tiny model fitted on made-up texts."""
    from classifier.model import RiskModel, build_pipeline, label_matrix
    from salama.home import Home

    texts, labels = _tiny_training_set()
    pipeline = build_pipeline(seed=0).fit(texts, label_matrix(labels))
    home = tmp_path_factory.mktemp("eval-home")
    RiskModel(pipeline, {c: 0.5 for c in MODEL_CATEGORIES}).save(Home.resolve(home).model_dir)
    return home


@pytest.fixture
def labelled_file(tmp_path) -> Path:
    rows = [
        {"text": "bullying bullying signal about bullying", "labels": ["bullying"], "language": "en"},
        {"text": "scam scam signal number about scam", "labels": ["scam"], "language": "fr"},
        {"text": "selfharm selfharm signal about self_harm", "labels": ["self_harm"], "language": "en"},
        {"text": "homework about the weather", "labels": [], "language": "fr"},
        {"text": "football results of the day", "labels": [], "language": "en"},
    ]
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def evaluate(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["evaluate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_evaluate_prints_per_category_metrics_and_macro_f1_as_json(model_home, labelled_file, capsys):
    code, out, _ = evaluate(capsys, "--home", str(model_home), str(labelled_file))
    assert code == 0
    result = json.loads(out)
    assert set(result["categories"]) == set(MODEL_CATEGORIES)
    for scores in result["categories"].values():
        assert set(scores) >= {"precision", "recall", "f1", "support"}
        assert all(0.0 <= scores[k] <= 1.0 for k in ("precision", "recall", "f1"))
    assert result["categories"]["bullying"]["support"] == 1
    assert result["categories"]["sexual"]["support"] == 0
    assert 0.0 <= result["macro_f1"] <= 1.0
    assert set(result["macro_f1_by_language"]) == {"en", "fr"}
    assert result["safe_examples"] == 2


BAD_INPUTS = {
    "not JSON": ('{"text": "hello", "labels": []}\n{this is not json}\n', ":2: not valid JSON"),
    "unknown label": ('{"text": "hello", "labels": ["cats"]}\n', "unknown label(s) ['cats']"),
    "missing text": ('{"labels": ["scam"]}\n', ":1: 'text' must be a non-empty string"),
    "empty file": ("\n\n", ": no examples"),
    "missing file": (None, ": cannot read"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(case, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SALAMA_DEBUG", raising=False)
    content, message = BAD_INPUTS[case]
    path = tmp_path / "input.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = evaluate(capsys, "--home", str(tmp_path / "home"), str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("salama evaluate: error: ")
    assert str(path) in err and message in err


def test_bad_input_through_the_console_entry_point_shows_no_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\xff\xfe not text at all\n")
    env = {k: v for k, v in os.environ.items() if k != "SALAMA_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-m", "salama", "evaluate", "--home", str(tmp_path / "home"), str(bad)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"salama evaluate: error: {bad}: not UTF-8 text"


def test_report_writes_a_confusion_plot_per_category_and_a_summary(model_home, labelled_file, tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib is the optional 'report' extra")
    report = tmp_path / "report"
    code, out, err = evaluate(capsys, "--home", str(model_home), "--report", str(report), str(labelled_file))
    assert code == 0
    metrics = json.loads(out)  # the report's note goes to stderr, stdout stays JSON
    assert "report:" in err
    for c in MODEL_CATEGORIES:
        assert (report / f"confusion_{c}.png").read_bytes().startswith(PNG_MAGIC)
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"] == metrics
    assert summary["examples"] == 5
    for c, counts in summary["confusion"].items():
        assert counts["tp"] + counts["fn"] == metrics["categories"][c]["support"]
        assert sum(counts.values()) == 5


def test_report_without_matplotlib_says_how_to_install_it(model_home, labelled_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    report = tmp_path / "report"
    code, out, err = evaluate(capsys, "--home", str(model_home), "--report", str(report), str(labelled_file))
    assert code == 2
    assert out == ""
    assert "needs matplotlib" in err and "pip install 'salama[report]'" in err
    assert not report.exists()


# -- the keyword baseline (bench/keyword_baseline.py) ---------------------------


@pytest.fixture(scope="module")
def baseline():
    path = ROOT / "bench" / "keyword_baseline.py"
    spec = importlib.util.spec_from_file_location("keyword_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_phrase_lines_follow_e2guardians_format(baseline):
    assert baseline.parse_line("<sex><30>").parts == ("sex",)
    assert baseline.parse_line("< kill yourself ><60>") == baseline.WeightedPhrase((" kill yourself ",), 60)
    assert baseline.parse_line("< hate >,< jews ><45>").parts == (" hate ", " jews ")
    assert baseline.parse_line("< racism ><-15>").weight == -15
    assert baseline.parse_line("# a comment") is None
    assert baseline.parse_line("   ") is None
    with pytest.raises(baseline.PhraseListError, match="list.txt:7: expected <phrase><weight>"):
        baseline.parse_line("sex 30", "list.txt:7")


def test_scores_sum_weights_once_each_and_block_at_the_limit(baseline):
    entries = [baseline.parse_line(line) for line in ("<sex><30>", "< kill ><30>", "< idiot ><20>", "<a>,< b ><40>")]
    scorer = baseline.PhraseScorer({"test": entries}, limit=50)
    assert scorer.scores("SEXY")["test"] == 30  # no spaces: inside words too
    assert scorer.scores("Essex skills")["test"] == 30  # "sex" inside a word, "kill" is not a whole word
    assert scorer.scores("kill, kill, KILL the idiot")["test"] == 50  # each phrase once
    assert scorer.labels("kill the idiot") == ["test"]
    assert scorer.labels("idiot idiot idiot") == []
    assert scorer.scores("a b")["test"] == 40 and scorer.scores("a c")["test"] == 0  # combination needs all parts


def test_negative_weights_spare_prevention_pages(baseline):
    entries = [baseline.parse_line(line) for line in ("< suicide ><25>", "< kill myself ><55>", "< helpline ><-30>")]
    scorer = baseline.PhraseScorer({"self_harm": entries})
    assert scorer.labels("I want to kill myself") == ["self_harm"]
    assert scorer.scores("Suicide helpline: call us, day or night") == {"self_harm": -5}
    assert scorer.labels("Suicide helpline: call us, day or night") == []


def test_phrases_match_across_accents_case_and_arabic_spelling(baseline):
    scorer = baseline.PhraseScorer({"c": [baseline.parse_line("< débile ><50>"), baseline.parse_line("<عاهرة><50>")]})
    assert scorer.labels("T'ES DEBILE") == ["c"]
    assert scorer.labels("يا عاهره") == ["c"]


def test_the_shipped_lists_cover_every_category_and_catch_obvious_text(baseline):
    scorer = baseline.PhraseScorer.from_directory()
    assert set(scorer.categories) == set(MODEL_CATEGORIES)
    obvious = {
        "bullying": "ferme ta gueule, personne ne t'aime",
        "hate": "sale race, retourne dans ton pays",
        "self_harm": "bghit nmout, I want to die",
        "drugs": "chkoun 3ndo l9r9obi? buy weed here",
        "scam": "Congratulations, claim your prize now",
        "sexual": "send nudes",
        "grooming": "don't tell your parents, it's our little secret",
        "violence": "je vais te tuer",
        "extremism": "join the caliphate",
        "gambling": "online casino free spins",
        "personal_data": "my password is hunter2",
    }
    for category, text in obvious.items():
        assert category in scorer.labels(text), (category, scorer.scores(text))
    assert scorer.labels("Homework: revise the French revolution for Monday") == []
