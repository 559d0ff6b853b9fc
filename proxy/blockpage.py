"""The page a child sees instead of a blocked site, in French, Arabic or English.

It says what was blocked, in which category and why, and that the visit is
recorded.  The language follows the browser's Accept-Language header.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from rules.categories import category_name
from rules.decision import Verdict

LANGUAGES = ("fr", "ar", "en")

TEXTS = {
    "en": {
        "title": "This page is blocked",
        "lead": "Salama stopped this page to keep you safe online.",
        "address": "Address",
        "category": "Category",
        "reason": "Why",
        "recorded": "This visit has been recorded so a parent or teacher can look at it with you.",
        "advice": "If you think this is a mistake, talk to a parent or a teacher.",
    },
    "fr": {
        "title": "Cette page est bloquée",
        "lead": "Salama a arrêté cette page pour te protéger en ligne.",
        "address": "Adresse",
        "category": "Catégorie",
        "reason": "Pourquoi",
        "recorded": "Cette visite est enregistrée pour qu'un parent ou un enseignant puisse en parler avec toi.",
        "advice": "Si tu penses que c'est une erreur, parles-en à un parent ou à un enseignant.",
    },
    "ar": {
        "title": "هذه الصفحة محظورة",
        "lead": "أوقف سلامة هذه الصفحة لحمايتك على الإنترنت.",
        "address": "العنوان",
        "category": "الفئة",
        "reason": "السبب",
        "recorded": "تم تسجيل هذه الزيارة ليطلع عليها أحد الوالدين أو المعلم معك.",
        "advice": "إذا كنت تظن أن هذا خطأ، تحدث مع أحد والديك أو معلمك.",
    },
}

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)


def pick_language(accept_language: str | None) -> str:
    """The first of fr/ar/en the browser asks for, by q-value; French otherwise."""
    best, best_q = "fr", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best


def render_block_page(verdict: Verdict, url: str, accept_language: str | None = None) -> str:
    lang = pick_language(accept_language)
    return _env.get_template("blockpage.html").render(
        t=TEXTS[lang],
        lang=lang,
        direction="rtl" if lang == "ar" else "ltr",
        url=url[:500],
        category=category_name(verdict.category, lang),
        reasons=verdict.reasons[-2:],
    )
