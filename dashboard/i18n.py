"""The dashboard's languages: French, Arabic (right to left) and English.

Every string people read goes through Flask-Babel (`_()` in Python and
templates).  The language is the one the user picked with the language
picker (kept in the session, and kept across log-in and log-out), else the
best match for the browser's Accept-Language, else BABEL_DEFAULT_LOCALE.

Catalogues: dashboard/translations/<lang>/LC_MESSAGES/messages.po, with the
compiled messages.mo committed beside them, because an editable install has
no build step that could compile them.  After changing strings, run the
commands in docs/dashboard.md (extract, update, translate, compile); a test
fails when a .mo is older than its .po or a message is left untranslated.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

from dashboard.access import local_path, public
from rules.categories import category_name

LANGUAGES = {"en": "English", "fr": "Français", "ar": "العربية"}
RIGHT_TO_LEFT = {"ar"}

bp = Blueprint("language", __name__)
babel = Babel()


def select_language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localized_category(category: str | None) -> str:
    return category_name(category, current_language()) if category else _("No category")


@bp.post("/language")
@public
def choose():
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(local_path(request.form.get("back"), "/"))


def install(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language)

    @app.context_processor
    def language_for_templates():
        lang = current_language()
        return {
            "lang": lang,
            "text_direction": "rtl" if lang in RIGHT_TO_LEFT else "ltr",
            "languages": LANGUAGES,
            "category_name": localized_category,
        }
