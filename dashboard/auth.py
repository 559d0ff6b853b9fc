"""Login, logout and the first-run set-up page, with a login rate limit."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from dashboard.access import accounts
from storage.accounts import AccountError

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


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("alerts.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if accounts().count() == 0:
        return redirect(url_for("auth.setup"))
    error = None
    status = 200
    if request.method == "POST":
        key = request.remote_addr or "?"
        if limiter().blocked(key):
            error, status = "Too many failed attempts. Wait a few minutes and try again.", 429
        else:
            user = accounts().verify(request.form.get("username", ""), request.form.get("password", ""))
            if user:
                limiter().succeeded(key)
                session.clear()
                session["user"] = user["username"]
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            limiter().failed(key)
            error, status = "Wrong user name or password.", 401
    return render_template("login.html", error=error, username=request.form.get("username", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first parent account; closed as soon as one exists."""
    if accounts().count() > 0:
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = "The two passwords differ."
        else:
            try:
                accounts().create(username, password, "owner")
            except AccountError as exc:
                error = str(exc)
            else:
                session.clear()
                session["user"] = username
                flash("Account created. Welcome to Salama.")
                return redirect(url_for("alerts.index"))
    return render_template("setup.html", error=error, username=request.form.get("username", "admin")), 400 if error else 200


@bp.app_context_processor
def current_user():
    return {"user": g.get("user")}
