"""The audit log page (owners only): who changed what, and when, newest first.

Actions are short dotted names (storage/audit.py); ACTION_NAMES says them in
the reader's language.  A feature that records a new action adds its name
here; an unknown action is shown as it is stored.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l

from dashboard.access import owner_required

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100

ACTION_NAMES = {
    "account.setup": _l("First account created"),
    "account.add": _l("Account added"),
    "account.remove": _l("Account removed"),
    "account.role": _l("Role changed"),
    "account.password": _l("Password changed"),
    "alerts.review": _l("Alerts reviewed"),
    "rules.allow": _l("Site allowed"),
    "rules.deny": _l("Site blocked"),
}


@bp.get("/")
@owner_required
def index():
    log = current_app.extensions["salama.audit"]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = log.count()
    lines = log.recent(PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template("audit.html", lines=lines, action_names=ACTION_NAMES, page=page,
                           has_next=page * PAGE_SIZE < total, total=total)
