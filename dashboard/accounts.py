"""The accounts page (owners only): add and remove parent and teacher
accounts, and change their role.

`owner` accounts change rules and accounts; `viewer` accounts review alerts
only.  Owners cannot remove or demote their own account here, so the one
acting always remains: a family or a school cannot lock itself out.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from dashboard.access import accounts, audit, owner_required
from storage.accounts import MIN_PASSWORD, ROLES, AccountError
from storage.database import users

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

ROLE_NAMES = {"owner": _l("Owner"), "viewer": _l("Viewer")}
ROLE_HELP = {"owner": _l("changes rules and accounts"), "viewer": _l("reviews alerts only")}


def password_problem(password: str, confirm: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return _("The password needs at least %(n)d characters.", n=MIN_PASSWORD)
    if password != confirm:
        return _("The two passwords differ.")
    return None


def create_account(username: str, password: str, confirm: str, role: str) -> str | None:
    """Create the account; on failure return why, in the user's language."""
    problem = password_problem(password, confirm)
    if problem:
        return problem
    if role not in ROLES:
        return _("Choose a role.")
    if accounts().get(username):
        return _("The user name %(name)s is already taken.", name=username)
    try:
        accounts().create(username, password, role)
    except AccountError:  # the remaining rule is the user name's form
        return _("User name: 1 to 80 letters, digits or the signs . _ @ -")
    return None


def _set_role(username: str, role: str) -> None:
    # AccountStore has no role change; this is the one place that needs it.
    with current_app.extensions["salama.engine"].begin() as conn:
        conn.execute(update(users).where(users.c.username == username).values(role=role))


def _page(error: str | None = None, status: int = 200):
    form = request.form if request.method == "POST" and request.endpoint == "accounts.add" else {}
    return render_template("accounts.html", accounts=accounts().all(), role_names=ROLE_NAMES,
                           role_help=ROLE_HELP, error=error, form=form), status


def _existing(username: str) -> dict:
    account = accounts().get(username)
    if account is None:
        abort(404)
    return account


def _refuse_own_account():
    return _page(_("You cannot remove or demote your own account: ask another owner."), 400)


@bp.get("/")
@owner_required
def index():
    return _page()


@bp.post("/add")
@owner_required
def add():
    username = request.form.get("username", "").strip()
    role = request.form.get("role", "")
    error = create_account(username, request.form.get("password", ""), request.form.get("confirm", ""), role)
    if error:
        return _page(error, 400)
    audit("account.add", f"{username} ({role})")
    flash(_("Account %(name)s added.", name=username))
    return redirect(url_for("accounts.index"))


@bp.post("/<username>/role")
@owner_required
def change_role(username: str):
    role = request.form.get("role", "")
    if role not in ROLES:
        return _page(_("Choose a role."), 400)
    account = _existing(username)
    if username == g.user["username"]:
        return _refuse_own_account()
    if account["role"] != role:
        _set_role(username, role)
        audit("account.role", f"{username}: {account['role']} -> {role}")
        flash(_("%(name)s is now: %(role)s.", name=username, role=ROLE_NAMES[role]))
    return redirect(url_for("accounts.index"))


@bp.post("/<username>/remove")
@owner_required
def remove(username: str):
    _existing(username)
    if username == g.user["username"]:
        return _refuse_own_account()
    accounts().remove(username)
    audit("account.remove", username)
    flash(_("Account %(name)s removed.", name=username))
    return redirect(url_for("accounts.index"))
