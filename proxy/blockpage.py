"""The pages a child sees from the proxy, in French, Arabic or English.

The block page says what was blocked, in which category and why, that the
visit is recorded, and offers "ask a parent"; the request page then follows
the parent's answer; a self-harm search gets a supportive page with help
lines instead of a bare "blocked".  The language follows the browser's
Accept-Language header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from jinja2 import Environment, FileSystemLoader, select_autoescape

from rules.categories import category_name
from rules.helplines import Helpline
from rules.decision import Verdict

LANGUAGES = ("fr", "ar", "en")

#: Where the block page's "ask a parent" form posts: on the blocked site's own
#: origin, so it works for HTTPS sites too; the proxy answers it itself.
ASK_PATH = "/.salama/ask"

TEXTS = {
    "en": {
        "title": "This page is blocked",
        "lead": "Salama stopped this page to keep you safe online.",
        "address": "Address",
        "category": "Category",
        "reason": "Why",
        "recorded": "This visit has been recorded so a parent or teacher can look at it with you.",
        "advice": "If you think this is a mistake, talk to a parent or a teacher.",
        "ask": "Ask a parent for access",
        "ask_reason": "Why do you need this page? (optional)",
        "asked": "Your request was sent to a parent.",
        "waiting": "Waiting for an answer… this page refreshes by itself.",
        "approved": "A parent said yes. You can open the page now:",
        "refused": "A parent said no.",
        "support_title": "You are not alone",
        "support_lead": "It sounds like things are hard right now. Talking to someone can help, and these people are there to listen, for free:",
        "support_more": "You can also talk to a parent, a teacher, a school nurse or a friend you trust.",
        "unverified": "check this number locally",
    },
    "fr": {
        "title": "Cette page est bloquée",
        "lead": "Salama a arrêté cette page pour te protéger en ligne.",
        "address": "Adresse",
        "category": "Catégorie",
        "reason": "Pourquoi",
        "recorded": "Cette visite est enregistrée pour qu'un parent ou un enseignant puisse en parler avec toi.",
        "advice": "Si tu penses que c'est une erreur, parles-en à un parent ou à un enseignant.",
        "ask": "Demander l'accès à un parent",
        "ask_reason": "Pourquoi as-tu besoin de cette page ? (facultatif)",
        "asked": "Ta demande a été envoyée à un parent.",
        "waiting": "En attente de réponse… cette page se met à jour toute seule.",
        "approved": "Un parent a dit oui. Tu peux ouvrir la page :",
        "refused": "Un parent a dit non.",
        "support_title": "Tu n'es pas seul·e",
        "support_lead": "On dirait que c'est difficile en ce moment. En parler aide, et ces personnes sont là pour t'écouter, gratuitement :",
        "support_more": "Tu peux aussi parler à un parent, un enseignant, l'infirmière scolaire ou un ami de confiance.",
        "unverified": "numéro à vérifier localement",
    },
    "ar": {
        "title": "هذه الصفحة محظورة",
        "lead": "أوقف سلامة هذه الصفحة لحمايتك على الإنترنت.",
        "address": "العنوان",
        "category": "الفئة",
        "reason": "السبب",
        "recorded": "تم تسجيل هذه الزيارة ليطلع عليها أحد الوالدين أو المعلم معك.",
        "advice": "إذا كنت تظن أن هذا خطأ، تحدث مع أحد والديك أو معلمك.",
        "ask": "اطلب الإذن من أحد الوالدين",
        "ask_reason": "لماذا تحتاج هذه الصفحة؟ (اختياري)",
        "asked": "تم إرسال طلبك إلى أحد الوالدين.",
        "waiting": "في انتظار الرد… هذه الصفحة تتحدث تلقائيا.",
        "approved": "وافق أحد الوالدين. يمكنك فتح الصفحة الآن:",
        "refused": "رفض أحد الوالدين.",
        "support_title": "لست وحدك",
        "support_lead": "يبدو أن الأمور صعبة الآن. الحديث مع شخص ما يساعد، وهؤلاء هنا للاستماع إليك مجانا:",
        "support_more": "يمكنك أيضا التحدث مع أحد والديك أو معلم أو ممرضة المدرسة أو صديق تثق به.",
        "unverified": "تحقق من هذا الرقم محليا",
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


def _render(template: str, accept_language: str | None, **values) -> str:
    lang = pick_language(accept_language)
    return _env.get_template(template).render(t=TEXTS[lang], lang=lang, direction="rtl" if lang == "ar" else "ltr", **values)


def render_block_page(verdict: Verdict, url: str, accept_language: str | None = None, can_ask: bool = True) -> str:
    return _render(
        "blockpage.html",
        accept_language,
        url=url[:500],
        category=category_name(verdict.category, pick_language(accept_language)),
        reasons=verdict.reasons[-2:],
        can_ask=can_ask,
        ask_path=ASK_PATH,
    )


def render_request_page(request: dict, accept_language: str | None = None) -> str:
    """The child's view of an access request: waiting, approved (with the link) or refused."""
    return _render("request.html", accept_language, request=request)


def render_support_page(helplines: Sequence[Helpline], accept_language: str | None = None) -> str:
    return _render("support.html", accept_language, helplines=helplines)
