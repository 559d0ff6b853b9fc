"""Login, logout, the first-run set-up page and one's own password.

Failed logins are rate-limited per client address.  Log-in and log-out reset
the session (a fresh CSRF token, no session fixation) but keep the language.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from dashboard.access import accounts, audit, local_path, public, reset_session
from dashboard.accounts import ROLE_HELP, ROLE_NAMES, create_account, password_problem

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 300


class LoginLimiter:
    """At most MAX_FAILURES failed logins per client address per window."""

    def __init__(self) -> None:
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self.failures[key]
        while q and q[0] < now - WINDOW_SECONDS:
            q.popleft()
        if not q:
            del self.failures[key]  # keeps the table bounded by active attackers
            return deque()
        return q

    def blocked(self, key: str) -> bool:
        return len(self._recent(key, time.monotonic())) >= MAX_FAILURES

    def failed(self, key: str) -> None:
        self.failures[key].append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)


def limiter() -> LoginLimiter:
    return current_app.extensions.setdefault("salama.login_limiter", LoginLimiter())


def _log_in(username: str) -> None:
    reset_session()
    session["user"] = username
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if accounts().count() == 0:
        return redirect(url_for("auth.setup"))
    error = None
    status = 200
    if request.method == "POST":
        key = request.remote_addr or "?"
        if limiter().blocked(key):
            error, status = _("Too many failed attempts. Wait a few minutes and try again."), 429
        else:
            user = accounts().verify(request.form.get("username", ""), request.form.get("password", ""))
            if user:
                limiter().succeeded(key)
                _log_in(user["username"])
                return redirect(local_path(request.args.get("next"), url_for("alerts.index")))
            limiter().failed(key)
            error, status = _("Wrong user name or password."), 401
    return render_template("login.html", error=error, username=request.form.get("username", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    reset_session()
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first parent account; closed as soon as one exists."""
    if accounts().count() > 0:
        return redirect(url_for("auth.login"))
    error = None
    username = request.form.get("username", "admin").strip()
    if request.method == "POST":
        error = create_account(username, request.form.get("password", ""), request.form.get("confirm", ""), "owner")
        if error is None:
            _log_in(username)
            audit("account.setup", username, username=username)
            flash(_("Account created. Welcome to Salama."))
            return redirect(url_for("alerts.index"))
    return render_template("setup.html", error=error, username=username), 400 if error else 200


@bp.route("/account", methods=["GET", "POST"])
def own_account():
    """Change one's own password (the current one is asked again)."""
    error = None
    if request.method == "POST":
        form = request.form
        if accounts().verify(g.user["username"], form.get("current", "")) is None:
            error = _("The current password is wrong.")
        else:
            error = password_problem(form.get("password", ""), form.get("confirm", ""))
        if error is None:
            accounts().set_password(g.user["username"], form["password"])
            audit("account.password", g.user["username"])
            flash(_("Your password was changed."))
            return redirect(url_for("auth.own_account"))
    role = g.user["role"]
    return render_template("account.html", error=error, role=ROLE_NAMES[role], role_help=ROLE_HELP[role]), 400 if error else 200
