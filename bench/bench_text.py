"""Benchmark of the classifier's text layer: decoding, visible-text extraction
and normalisation of generated HTML pages (30 KB and 2 MB), next to a plain
regex tag-stripper measured in the same run as a baseline; and normalisation
alone on 1 MB of French, English, Arabic and Darija text.

Prints JSON. Figures are the best of several repeats (this machine is noisy);
compare the ratio to the baseline rather than absolute times.

    .venv/bin/python bench/bench_text.py [--repeats N]
"""

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier.extract import decode_body, extract_page  # noqa: E402
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
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
