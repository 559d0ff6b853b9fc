"""The alert pages: the list (filters, bulk review) and one alert's detail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from dashboard.access import events, login_required
from dashboard.alert_query import query_from_args

bp = Blueprint("alerts", __name__)

FEEDBACK = {"false_alarm", "missed"}


@bp.route("/")
@login_required
def index():
    q, errors = query_from_args(request.args)
    rows = events().query(q)
    total = events().count(q)
    return render_template("alerts.html", alerts=rows, total=total, query=q, errors=errors,
                           devices=events().devices(), args=request.args), 400 if errors else 200


@bp.route("/alerts/<int:alert_id>")
@login_required
def detail(alert_id: int):
    alert = events().get(alert_id)
    if alert is None:
        abort(404)
    return render_template("alert.html", alert=alert)


@bp.route("/alerts/review", methods=["POST"])
@login_required
def review():
    ids = []
    for raw in request.form.getlist("id"):
        if raw.isdigit():
            ids.append(int(raw))
    feedback = request.form.get("feedback") or None
    if feedback is not None and feedback not in FEEDBACK:
        flash("Unknown feedback.")
        return redirect(url_for("alerts.index")), 400
    if not ids:
        flash("No alert selected.")
    else:
        n = events().mark(ids, reviewed=True, feedback=feedback)
        flash(f"{n} alert(s) marked as reviewed.")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("alerts.index"))
