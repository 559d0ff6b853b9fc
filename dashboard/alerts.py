"""The alert pages: the list (filters, bulk review), one alert's detail, and
the quick rule changes an alert invites ("allow this site for this child",
"block this site"), which owners only may make.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from dashboard.access import audit, events, home, local_path, owner_required, policy_recorder
from dashboard.alert_query import query_from_args
from dashboard.review import ReviewError, review_alerts
from dashboard.severity import SEVERITY_NAMES, severity
from rules.categories import MODEL_CATEGORIES
from rules.policy import PolicyError
from rules.policy_edit import add_domains

bp = Blueprint("alerts", __name__)

SITE_LISTS = ("allow", "deny")
ACTION_NAMES = {"block": _l("Blocked"), "alert": _l("Shown")}
FEEDBACK_NAMES = {"false_alarm": _l("False alarm"), "missed": _l("Missed risk")}


def _with_severity(alert: dict) -> dict:
    return {**alert, "severity": severity(alert["action"], alert["score"])}


def _render(template: str, status: int = 200, **context):
    return render_template(template, severity_names=SEVERITY_NAMES, action_names=ACTION_NAMES,
                           feedback_names=FEEDBACK_NAMES, model_categories=MODEL_CATEGORIES, **context), status


@bp.route("/")
def index():
    q, errors = query_from_args(request.args)
    rows = [_with_severity(a) for a in events().query(q)]
    return _render("alerts.html", 400 if errors else 200, alerts=rows, total=events().count(q), query=q,
                   errors=errors, devices=events().devices(), args=request.args)


def _alert_or_404(alert_id: int) -> dict:
    alert = events().get(alert_id)
    if alert is None:
        abort(404)
    return _with_severity(alert)


@bp.route("/alerts/<int:alert_id>")
def detail(alert_id: int):
    return _render("alert.html", alert=_alert_or_404(alert_id))


@bp.route("/alerts/review", methods=["POST"])
def review():
    ids = [int(raw) for raw in request.form.getlist("id") if raw.isdigit()]
    back = local_path(request.form.get("back"), url_for("alerts.index"))
    if not ids:
        flash(_("No alert selected."))
        return redirect(back)
    try:
        result = review_alerts(ids, request.form.get("feedback") or None, request.form.get("category") or None)
    except ReviewError as exc:
        return _render("error.html", 400, message=str(exc), code=400, back=back)
    flash(ngettext("%(num)d alert marked as reviewed.", "%(num)d alerts marked as reviewed.", result.marked))
    if result.corrections:
        flash(ngettext("%(num)d correction saved for the next training of the model.",
                       "%(num)d corrections saved for the next training of the model.", result.corrections))
    return redirect(back)


def _site_of(alert: dict) -> str:
    return alert.get("host") or urlsplit(alert["url"]).hostname or ""


@bp.post("/alerts/<int:alert_id>/site")
@owner_required
def site(alert_id: int):
    """Put the alert's site on the allow or deny list of the alert's profile."""
    alert = _alert_or_404(alert_id)
    list_name = request.form.get("list", "")
    host, profile = _site_of(alert), alert.get("profile") or None
    back = url_for("alerts.detail", alert_id=alert_id)
    if list_name not in SITE_LISTS or not host:
        abort(400)
    try:
        add_domains(home().policy_path, list_name, [host], profile=profile, on_saved=policy_recorder())
    except PolicyError as exc:
        return _render("error.html", 400, message=_("The rules were not changed: %(reason)s", reason=str(exc)),
                       code=400, back=back)
    audit(f"rules.{list_name}", f"{host} (profile {profile or '*'}), from alert #{alert_id}")
    if list_name == "allow":
        flash(_("%(host)s is now allowed for the profile %(profile)s.", host=host, profile=profile or "*"))
    else:
        flash(_("%(host)s is now blocked for the profile %(profile)s.", host=host, profile=profile or "*"))
    return redirect(back)
