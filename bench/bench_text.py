"""Benchmark of the classifier's text layer: decoding, visible-text extraction
and normalisation of generated HTML pages (30 KB and 2 MB), next to a plain
regex tag-stripper measured in the same run as a baseline; normalisation
alone on 1 MB of French, English, Arabic and Darija text; and page scoring
(`extract_text` + `assess_page`, as the proxy runs them) on these pages and
on the proxy bench's own (bench/upstream_mix.py), with the TF-IDF rows of a
page's sections computed by `DirectFeatures` next to sklearn's
`FeatureUnion.transform` (the baseline: the same numbers, tested).

Prints JSON. Figures are the best of several repeats (this machine is noisy);
compare the ratio to the baseline rather than absolute times.  Scoring
figures are with the token cache warm, as in a running proxy, except
`rows_cold_cache_ms` (a fresh DirectFeatures, one pass).

    .venv/bin/python bench/bench_text.py [--repeats N]
"""

import argparse
import html
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import upstream_mix  # noqa: E402

from classifier.extract import decode_body, extract_page, extract_text  # noqa: E402
from classifier.normalize import normalize_text  # noqa: E402

SENTENCES = [
    "Les élèves du collège préparent le brevet avec leurs professeurs, ça avance bien cette année.",
    "Le match de samedi à Casablanca a réuni plus de quarante mille supporters dans le stade.",
    "The new update adds a creative mode where players can build their own maps with friends.",
    "Parents can set screen-time limits and review what their children watch every evening.",
    "ذهب التلاميذ إلى المكتبة العمومية لقراءة القصص والتحضير للامتحانات الجهوية.",
    "أعلنت وزارة التربية الوطنية عن موعد الدخول المدرسي الجديد في جميع الأكاديميات.",
    "واش كاين شي واحد عندو فكرة على هاد اللعبة الجديدة؟ بغيت نعرف واش مزيانة.",
    "wach kayn chi promo f had l weekend? bghit nchri telephone jdid l khouya 3afak.",
]
WORDS = "accueil actualités sport culture contact profil recherche vidéos musique jeux".split()
TAILWIND = "flex items-center justify-between px-4 py-2 text-sm font-medium text-gray-700 hover:bg-gray-100"
ICON = (
    '<svg viewBox="0 0 24 24" class="icon">'
    '<path d="M12 2L2 7l10 5 10-5-10-5zm0 7.5L4.5 6 12 2.5 19.5 6 12 9.5z"/></svg>'
)


def generated_page(target_bytes: int, seed: int = 1) -> str:
    """A page shaped like a real one: head with styles and a script,
    a navigation bar, a cookie banner, an article with inline markup and
    images, a long comment thread, a sidebar and a footer."""
    rnd = random.Random(seed)
    head = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Forum des parents - Sujet</title>"
        '<meta name="description" content="Discussions entre parents sur les écrans, l\'école et les jeux">'
        f"<style>{'.c{margin:0;padding:0}' * 300}</style>"
        f"<script>window.__STATE__={json.dumps({'items': list(range(2000))})};</script></head>"
        f"<body><header class='site-header'><nav class='main-nav'><ul>"
        + "".join(f"<li class='{TAILWIND}'><a href='/{w}'>{ICON}{w}</a></li>" for w in WORDS * 3)
        + "</ul></nav></header><div class='cookie-banner'>Nous utilisons des cookies.</div>"
        "<main><article><h1>Comment limiter le temps d'écran ?</h1>"
    )
    tail = (
        "</article></main><aside class='sidebar'>"
        + "".join(f"<a href='/related/{i}'>{rnd.choice(WORDS)}</a>" for i in range(40))
        + "</aside><footer><p>© Forum</p></footer><script>analytics('pageview');</script></body></html>"
    )
    parts = [head]
    size = len(head) + len(tail)
    while size < target_bytes:
        part = _comment(rnd)
        parts.append(part)
        size += len(part.encode())
    parts.append(tail)
    return "".join(parts)


def _comment(rnd: random.Random) -> str:
    text = " ".join(rnd.choice(SENTENCES) for _ in range(rnd.randint(1, 4)))
    link = f"<a href='https://example.org/{rnd.randint(1, 9999)}' class='{TAILWIND}'>{rnd.choice(WORDS)}</a>"
    return (
        f"<div class='comment {TAILWIND}' data-id='{rnd.randint(1, 10**9)}'>"
        f"<div class='author'><img src='/a/{rnd.randint(1, 999)}.png' alt='avatar'>"
        f"<a href='/u/{rnd.randint(1, 999)}'>user{rnd.randint(1, 999)}</a><span class='date'>2024-05-01</span></div>"
        f"<p>{text} {link} <strong>{rnd.choice(WORDS)}</strong></p>"
        f"<div class='actions'><button>{ICON}J'aime</button><button>{ICON}Répondre</button></div></div>"
    )


_TAG = re.compile(r"<[^>]*>")


def strip_tags(html: str) -> str:
    """Baseline: what a naive filter does."""
    return " ".join(_TAG.sub(" ", html).split())


def best_seconds(function, argument, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function(argument)
        best = min(best, time.perf_counter() - start)
    return best


def measure(body: bytes, repeats: int) -> dict:
    def salama(raw: bytes) -> str:
        return normalize_text(extract_page(decode_body(raw, "text/html")).weighted_text())

    def salama_extract_only(raw: bytes) -> object:
        return extract_page(decode_body(raw, "text/html"))

    def baseline(raw: bytes) -> str:
        return strip_tags(raw.decode("utf-8", "replace"))

    def baseline_normalised(raw: bytes) -> str:
        return normalize_text(baseline(raw))

    timings = {
        "salama_extract_normalize": best_seconds(salama, body, repeats),
        "salama_extract_only": best_seconds(salama_extract_only, body, repeats),
        "regex_strip": best_seconds(baseline, body, repeats),
        "regex_strip_normalize": best_seconds(baseline_normalised, body, repeats),
    }
    page = extract_page(decode_body(body, "text/html"))
    result = {
        "page_bytes": len(body),
        "extracted_chars": sum(map(len, page.passages)),
        "passages": len(page.passages),
        "regex_strip_chars": len(baseline(body)),
    }
    for name, seconds in timings.items():
        result[name] = {"ms_per_page": round(seconds * 1000, 2), "pages_per_s": round(1 / seconds, 1)}
    result["ratio_salama_to_regex_strip_normalize"] = round(
        timings["salama_extract_normalize"] / timings["regex_strip_normalize"], 2
    )
    return result


def normalisation_ms(repeats: int) -> dict:
    """normalize_text alone on 1 MB of each language's sentences."""
    texts = {
        "fr": " ".join(SENTENCES[:2]),
        "en": " ".join(SENTENCES[2:4]),
        "ar": " ".join(SENTENCES[4:6]),
        "darija": " ".join(SENTENCES[6:]),
    }
    megabyte = 1_000_000
    seconds = {
        language: best_seconds(normalize_text, (text * (megabyte // len(text) + 1))[:megabyte], repeats)
        for language, text in texts.items()
    }
    return {language: round(value * 1000, 2) for language, value in seconds.items()}


HTML = "text/html; charset=utf-8"
PAGES_PER_SET = {"30KB": 10, "2MB": 1}


DEMO_SITES = ROOT / "proxy" / "demo" / "sites"


def corpus_page(texts: list[str], target_bytes: int) -> bytes:
    """A page of paragraphs taken in turn from the project's corpus lines (four languages, risky and safe)."""
    parts, size = ["<!doctype html><html><head><title>Corpus</title></head><body>"], 0
    for text in texts:
        parts.append(f"<p>{html.escape(text)}</p>")
        size += len(parts[-1].encode())
        if size >= target_bytes:
            break
    return ("".join(parts) + "</body></html>").encode()


def scoring_pages() -> dict[str, list[bytes]]:
    """bench_text's forum pages, the proxy bench's articles (each page
    different, as the proxy bench serves them), the demo sites' pages, and
    30 KB pages of corpus lines."""
    from classifier.corpus import bundled_files, load_examples

    lines = [example.text for example in load_examples(bundled_files())]
    random.Random(0).shuffle(lines)
    pool = upstream_mix.paragraph_pool()
    sizes = {"30KB": (30_000, 30 * 1024), "2MB": (2_000_000, 2 * 1024 * 1024)}
    pages = {}
    for label, (forum_size, article_size) in sizes.items():
        seeds = range(PAGES_PER_SET[label])
        pages[f"forum_{label}"] = [generated_page(forum_size, seed=seed + 1).encode() for seed in seeds]
        pages[f"proxy_bench_{label}"] = [
            upstream_mix.html_page(article_size, pool, random.Random(seed), seed) for seed in seeds
        ]
    pages["demo_sites"] = [path.read_bytes() for path in sorted(DEMO_SITES.glob("*/*.html"))]
    pages["corpus_30KB"] = [corpus_page(lines[seed * 200 :], 30_000) for seed in range(PAGES_PER_SET["30KB"])]
    return pages


def scoring(repeats: int) -> dict:
    from classifier.model import load_model
    from rules.policy import ContentLimits

    model = load_model()
    max_chars = ContentLimits().max_text_chars  # what the proxy extracts and scores by default
    return {"max_text_chars": max_chars} | {
        label: scoring_figures(model, bodies, max_chars, repeats) for label, bodies in scoring_pages().items()
    }


def scoring_figures(model, bodies: list[bytes], max_chars: int, repeats: int) -> dict:
    from classifier.assess import SCORED_CHARS, assess_page, sections
    from classifier.features import DirectFeatures
    from classifier.model import normalize_many

    union = model.pipeline.named_steps["features"]
    pages = [extract_text(body, HTML, max_chars) for body in bodies]
    parts = [normalize_many(sections(page, min(max_chars, SCORED_CHARS))) for page in pages]
    features = DirectFeatures(union)

    def rows(all_parts: list[list[str]]) -> None:
        for texts in all_parts:
            features.transform(texts)

    cold_seconds = best_seconds(rows, parts, 1)
    seconds = {
        "extract_text": best_seconds(lambda raw: [extract_text(b, HTML, max_chars) for b in raw], bodies, repeats),
        "assess_page": best_seconds(lambda ps: [assess_page(model, p, max_chars) for p in ps], pages, repeats),
        "rows_direct_features": best_seconds(rows, parts, repeats),
        "rows_sklearn_baseline": best_seconds(lambda ps: [union.transform(p) for p in ps], parts, repeats),
    }
    per_page = {name: round(1000 * value / len(bodies), 2) for name, value in seconds.items()}
    return {
        "pages": len(bodies),
        "sections_per_page": round(sum(map(len, parts)) / len(parts), 1),
        **{f"{name}_ms": value for name, value in per_page.items()},
        "extract_and_assess_ms": round(per_page["extract_text"] + per_page["assess_page"], 2),
        "rows_cold_cache_ms": round(1000 * cold_seconds / len(bodies), 2),
        "rows_speedup_vs_sklearn": round(seconds["rows_sklearn_baseline"] / seconds["rows_direct_features"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    report = {
        "python": sys.version.split()[0],
        "repeats": args.repeats,
        "pages": {
            label: measure(generated_page(size).encode(), args.repeats)
            for label, size in (("30KB", 30_000), ("2MB", 2_000_000))
        },
        "normalize_1MB_text_ms": normalisation_ms(args.repeats),
        "scoring": scoring(args.repeats),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
