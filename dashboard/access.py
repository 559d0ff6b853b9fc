"""Who is logged in, what they may do, and what every page needs to know.

Every page needs a parent login unless its view is marked `@public` (login,
first-run set-up, the language picker, device set-up, the CA certificate and
the PAC file: a child's device must fetch those).  Logging in is the default,
so a page added later is closed until someone opens it on purpose.  The API
blueprint answers 401 itself (HTTP Basic or session).

`owner` accounts change rules and accounts; `viewer` accounts (a school's
teachers) review alerts only: `@owner_required` answers 403 to them.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from dashboard.navigation import nav_items
from rules.categories import CATEGORY_NAMES
from storage.policy_versions import PolicyVersions
from storage.status import read_status

#: Blueprints that authenticate each request themselves.
SELF_AUTHENTICATING = {"api"}


def accounts():
    return current_app.extensions["salama.accounts"]


def events():
    return current_app.extensions["salama.events"]


def home():
    return current_app.config["SALAMA_HOME"]


def audit(action: str, detail: str = "", username: str | None = None) -> None:
    """Record a change in the audit log, made by `username` or else the logged-in user."""
    current_app.extensions["salama.audit"].record(username or g.user["username"], action, detail)


def public(view):
    """Mark a view as open without login."""
    view.salama_public = True
    return view


def owner_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None or g.user["role"] != "owner":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def local_path(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site (no open redirect), else `fallback`."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def reset_session() -> None:
    """Forget who is logged in (and the CSRF token), but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load_user() -> None:
    g.user = None
    name = session.get("user")
    if name:
        g.user = accounts().get(name)
        if g.user is None:  # the account was removed: its sessions end
            reset_session()


def require_login():
    if g.user is not None or request.endpoint is None or request.blueprint in SELF_AUTHENTICATING:
        return None
    if getattr(current_app.view_functions.get(request.endpoint), "salama_public", False):
        return None
    if accounts().count() == 0:
        return redirect(url_for("auth.setup"))
    return redirect(url_for("auth.login", next=request.full_path))


def policy_recorder():
    """`on_saved` for policy edits: each save is also a version in the shared
    database, which proxy workers on other machines follow."""
    user = g.user["username"] if g.get("user") else "dashboard"
    return PolicyVersions(current_app.extensions["salama.engine"]).recorder(user)


def format_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


ERROR_MESSAGES = {
    403: lambda: _("Your account may not do this. Ask an owner of this Salama."),
    404: lambda: _("There is nothing at this address."),
    405: lambda: _("This address does not accept this kind of request."),
}


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if isinstance(error, CSRFError):
        message = _("The form had expired or did not come from this dashboard. Reload the page and try again.")
    else:
        message = ERROR_MESSAGES.get(code, lambda: _("Something went wrong."))()
    if request.blueprint in SELF_AUTHENTICATING:
        return jsonify(error=message), code
    return render_template("error.html", message=message, code=code), code


def install(app: Flask) -> None:
    public(app.view_functions["static"])  # the stylesheet and scripts of the public pages
    app.before_request(load_user)
    app.before_request(require_login)
    for code in (400, 403, 404, 405):
        app.register_error_handler(code, _error_page)

    @app.context_processor
    def globals_for_templates():
        return {
            "user": g.get("user"),
            "nav": nav_items(current_app, g.get("user")),
            "categories": list(CATEGORY_NAMES),
            "proxy_status": read_status(home().root),
        }

    app.jinja_env.filters["time"] = format_time
