"""The JSON API under /api/, for parents' and schools' scripts.

A parent account authenticates each request with HTTP Basic auth (as
AdGuard Home's API does) or uses the browser session; a write through the
session must carry the CSRF token (X-CSRFToken header).
`GET /api/alerts` returns alerts newest first (each with its derived
severity); `GET /api/activity?days=7[&device=D]` the figures behind the
activity charts, with category names in the user's language.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from dashboard.access import accounts, events
from dashboard.activity import days_from_args, stats
from dashboard.alert_query import query_from_args
from dashboard.i18n import localized_category
from dashboard.review import ReviewError, review_alerts
from dashboard.severity import severity
from storage.status import read_status

bp = Blueprint("api", __name__, url_prefix="/api")

PUBLIC_FIELDS = ("id", "time", "device", "profile", "kind", "url", "host", "category", "action", "score",
                 "scores", "evidence", "explanation", "reasons", "rule", "source", "reviewed", "feedback")


def _unauthorised():
    response = jsonify(error="login required: HTTP Basic auth with a parent account")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Basic realm="Salama"'
    return response


@bp.before_request
def authenticate():
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        user = accounts().verify(auth.username or "", auth.password or "")
        if user is None:
            return _unauthorised()
        g.user = user
        return None
    if g.get("user") is None:
        return _unauthorised()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        from dashboard import csrf

        csrf.protect()
    return None


def public(alert: dict) -> dict:
    out = {k: alert.get(k) for k in PUBLIC_FIELDS}
    fired = [alert["category"]] if alert.get("category") else []
    out["categories"] = list(dict.fromkeys(fired + list(alert.get("explanation") or {})))
    out["severity"] = severity(alert.get("action"), alert.get("score"))
    return out


@bp.get("/alerts")
def list_alerts():
    q, errors = query_from_args(request.args)
    if errors:
        return jsonify(error="invalid filter", fields=errors), 400
    return jsonify(alerts=[public(a) for a in events().query(q)], total=events().count(q))


@bp.get("/alerts/<int:alert_id>")
def get_alert(alert_id: int):
    alert = events().get(alert_id)
    if alert is None:
        return jsonify(error="no such alert"), 404
    return jsonify(public(alert))


@bp.post("/alerts/<int:alert_id>/review")
def review_alert(alert_id: int):
    """Body: {"feedback": "false_alarm"|"missed"|null, "category": C (for "missed", optional)}."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    feedback, category = body.get("feedback"), body.get("category")
    if feedback not in (None, "false_alarm", "missed") or not isinstance(category, (str, type(None))):
        return jsonify(error="feedback must be 'false_alarm', 'missed' or absent; category a category name"), 400
    if events().get(alert_id) is None:
        return jsonify(error="no such alert"), 404
    try:
        review_alerts([alert_id], feedback, category)
    except ReviewError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(public(events().get(alert_id)))


@bp.get("/activity")
def activity():
    days, error = days_from_args(request.args)
    if error:
        return jsonify(error=error), 400
    figures = stats(days, request.args.get("device") or None)
    for row in figures["categories"]:
        row["name"] = localized_category(row["category"])
    return jsonify(figures)


@bp.get("/status")
def status():
    return jsonify(read_status(current_app.config["SALAMA_HOME"].root))
