"""Who is logged in, what they may do, and what every page needs to know.

Every page needs a parent login except the login and first-run set-up pages.
`owner` accounts change rules and accounts; `viewer` accounts (a school's
teachers) review alerts only.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from rules.categories import CATEGORY_NAMES, category_name
from storage.status import read_status


def accounts():
    return current_app.extensions["salama.accounts"]


def events():
    return current_app.extensions["salama.events"]


def load_user() -> None:
    g.user = None
    name = session.get("user")
    if name:
        g.user = accounts().get(name)
        if g.user is None:
            session.clear()


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            if accounts().count() == 0:
                return redirect(url_for("auth.setup"))
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def owner_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.user["role"] != "owner":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def format_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def install(app: Flask) -> None:
    app.before_request(load_user)

    @app.context_processor
    def globals_for_templates():
        home = current_app.config["SALAMA_HOME"]
        return {
            "category_name": category_name,
            "categories": list(CATEGORY_NAMES),
            "proxy_status": read_status(home.root),
            "lang": "en",
        }

    app.jinja_env.filters["time"] = format_time

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
        )
        return response
