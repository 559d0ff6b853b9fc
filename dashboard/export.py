"""Downloading the recorded blocks and alerts as CSV, for a school's records.

Like every dashboard page it needs a login (see dashboard.access); the file
is streamed from storage.export, so a year of a school's events never sits
in memory.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request, stream_with_context

from dashboard.access import audit
from storage.export import export_chunks

bp = Blueprint("export", __name__)
DAY = 86400


@bp.get("/alerts/export.csv")
def alerts_csv():
    days = request.args.get("days", type=int)
    since = time.time() - days * DAY if days and days > 0 else None
    audit("alerts.export", f"CSV, last {days} days" if since else "CSV, everything")
    chunks = export_chunks(current_app.extensions["salama.engine"], "csv", since)
    filename = f"salama-alerts-{time.strftime('%Y-%m-%d')}.csv"
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
