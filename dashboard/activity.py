"""The activity pages: blocks and alerts per day, per category and per child
(device), the most blocked domains, and a weekly summary to print or save
as PDF.

The charts are drawn in the browser by static/activity.js with the vendored
Chart.js, from `/api/activity`; the same figures are also rendered as
tables, so they read without JavaScript, in a screen reader and on paper.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from dashboard.access import events
from dashboard.activity_stats import MAX_DAYS, activity, window_start
from dashboard.severity import severity
from storage.events import EventQuery

bp = Blueprint("activity", __name__, url_prefix="/activity")

DAY_CHOICES = (7, 30, 90)
SUMMARY_DAYS = 7
SUMMARY_ALERTS = 20


def days_from_args(args) -> tuple[int, str | None]:
    """The window asked for (default a week), or an error to show."""
    raw = args.get("days", str(SUMMARY_DAYS))
    if raw.isdigit() and 1 <= int(raw) <= MAX_DAYS:
        return int(raw), None
    return SUMMARY_DAYS, _("days: a whole number from 1 to %(max)d", max=MAX_DAYS)


def stats(days: int, device: str | None = None) -> dict:
    return activity(current_app.extensions["salama.engine"], days, device)


@bp.get("/")
def index():
    days, error = days_from_args(request.args)
    device = request.args.get("device") or None
    return render_template("activity.html", stats=stats(days, device), days=days, device=device, error=error,
                           devices=events().devices(), day_choices=DAY_CHOICES), 400 if error else 200


def _most_serious_alerts(since: float) -> list[dict]:
    shown = events().query(EventQuery(action="alert", since=since, limit=1000))
    high = [{**a, "severity": "high"} for a in shown if severity(a["action"], a["score"]) == "high"]
    return high[:SUMMARY_ALERTS]


@bp.get("/summary")
def summary():
    _, since = window_start(SUMMARY_DAYS)
    return render_template("summary.html", stats=stats(SUMMARY_DAYS), days=SUMMARY_DAYS,
                           serious=_most_serious_alerts(since))
