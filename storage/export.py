"""Exporting the recorded blocks and alerts for a school's records, as CSV or JSON.

Rows are read in pages of BATCH by id, so an export of a year of a school's
events streams in constant memory, to a file or an HTTP response.  CSV
cells that a spreadsheet would run as a formula (a page's text can start
with "=") are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.database import events

FORMATS = ("csv", "json")
FIELDS = ("id", "time", "device", "profile", "kind", "action", "category", "score", "url", "host",
          "evidence", "rule", "source", "reviewed", "feedback")
BATCH = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def alert_records(engine: Engine, since: float | None = None) -> Iterator[dict[str, Any]]:
    """Every event since `since` (Unix time), in the order recorded, with its time in ISO 8601 UTC."""
    last_id = 0
    columns = [events.c[name] for name in FIELDS]
    while True:
        stmt = select(*columns).where(events.c.id > last_id).order_by(events.c.id).limit(BATCH)
        if since is not None:
            stmt = stmt.where(events.c.time >= since)
        with engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(stmt)]
        for row in rows:
            row["time"] = datetime.fromtimestamp(row["time"], timezone.utc).isoformat(timespec="seconds")
            yield row
        if len(rows) < BATCH:
            return
        last_id = rows[-1]["id"]


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_chunks(engine: Engine, fmt: str, since: float | None = None) -> Iterator[str]:
    """The export as text pieces (for a file or a streamed download)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format '{fmt}'; expected one of: {', '.join(FORMATS)}")
    if fmt == "json":
        yield "["
        for i, record in enumerate(alert_records(engine, since)):
            yield ("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False)
        yield "\n]\n"
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS)
    writer.writeheader()
    for record in alert_records(engine, since):
        writer.writerow({k: _cell(v) for k, v in record.items()})
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()
