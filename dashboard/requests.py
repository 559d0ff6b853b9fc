"""Access requests: what children asked for from the block page, and the answers.

Everyone logged in sees the list (waiting requests first, then the answered
ones); owners answer: approve for 15 minutes, an hour, the rest of the day
(until midnight in the policy's time zone) or always, or refuse with a note.
The proxy reads the answers from the shared database, and the child's status
page, which refreshes itself, shows them.  `requests.js` polls
`/requests/state` and reloads the list when a request arrives or is answered
elsewhere.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dashboard.access import audit, home, owner_required
from dashboard.audit import ACTION_NAMES
from rules.approvals import DURATIONS, approval_until
from rules.policy import load_policy
from storage.access import AccessStore

bp = Blueprint("requests", __name__, url_prefix="/requests")

HISTORY_SHOWN = 100
DURATION_NAMES = {"15m": _l("15 minutes"), "1h": _l("1 hour"), "today": _l("Today"), "always": _l("Always")}
STATUS_NAMES = {"pending": _l("Waiting"), "approved": _l("Approved"), "refused": _l("Refused")}

# The audit page names actions through ACTION_NAMES; this feature's own are added where they are recorded.
ACTION_NAMES.update({"requests.approve": _l("Access request approved"), "requests.refuse": _l("Access request refused")})


def access_store() -> AccessStore:
    return current_app.extensions["salama.access"]


def _waiting_ids() -> list[int]:
    return sorted(r["id"] for r in access_store().listing("pending"))


@bp.get("/")
def index():
    rows = access_store().listing(limit=HISTORY_SHOWN + 200)
    pending = sorted((r for r in rows if r["status"] == "pending"), key=lambda r: r["time"])
    answered = sorted((r for r in rows if r["status"] != "pending"), key=lambda r: r["decided_at"] or 0, reverse=True)
    return render_template("requests.html", pending=pending, answered=answered[:HISTORY_SHOWN],
                           durations=DURATION_NAMES, status_names=STATUS_NAMES,
                           state=",".join(map(str, sorted(r["id"] for r in pending))))


@bp.get("/state")
def state():
    """What the list page polls: the ids of the waiting requests."""
    return jsonify(pending=_waiting_ids())


def _waiting(request_id: int) -> dict | None:
    row = access_store().get(request_id)
    if row is None:
        abort(404)
    if row["status"] != "pending":
        flash(_("This request was already answered."))
        return None
    return row


@bp.post("/<int:request_id>/approve")
@owner_required
def approve(request_id: int):
    duration = request.form.get("duration", "")
    if duration not in DURATIONS:
        abort(400)
    row = _waiting(request_id)
    if row:
        tz = load_policy(home().policy_path).timezone
        until = approval_until(duration, datetime.now(timezone.utc), tz)
        access_store().approve(request_id, g.user["username"], until.timestamp() if until else None,
                               request.form.get("note", "").strip())
        audit("requests.approve", f"#{request_id} {row['domain']} for {row['device']}: {duration}")
        flash(_("%(domain)s is open for %(device)s.", domain=row["domain"], device=row["device"]))
    return redirect(url_for("requests.index"))


@bp.post("/<int:request_id>/refuse")
@owner_required
def refuse(request_id: int):
    row = _waiting(request_id)
    if row:
        note = request.form.get("note", "").strip()
        access_store().refuse(request_id, g.user["username"], note)
        audit("requests.refuse", f"#{request_id} {row['domain']} for {row['device']}" + (f": {note}" if note else ""))
        flash(_("The request for %(domain)s is refused.", domain=row["domain"]))
    return redirect(url_for("requests.index"))
