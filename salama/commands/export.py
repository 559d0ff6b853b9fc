"""`salama export alerts`: the recorded blocks and alerts as CSV or JSON, for a school's records."""

from __future__ import annotations

import sys
from datetime import datetime

from salama.commands import add_home_argument
from salama.commands.db import add_database_argument, use_database_url
from salama.home import Home


def register(sub) -> None:
    p = sub.add_parser("export", help="export recorded data for your records",
                       description="Export recorded data (CSV or JSON) to standard output or a file.")
    what = p.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    alerts = what.add_parser("alerts", help="every recorded block and alert",
                             description="Every recorded block and alert, in the order recorded.")
    add_home_argument(alerts)
    add_database_argument(alerts)
    alerts.add_argument("--since", metavar="DATE", type=parse_since,
                        help="only from this date or time on (ISO 8601, e.g. 2026-09-01; local time unless it says)")
    alerts.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    alerts.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    alerts.set_defaults(func=cmd_export_alerts)


def parse_since(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise ValueError(f"--since: not an ISO 8601 date or time: '{text}'") from None


def cmd_export_alerts(args) -> int:
    from storage.database import open_engine
    from storage.export import export_chunks

    use_database_url(args)
    engine = open_engine(Home.resolve(args.home).database_url)
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        for chunk in export_chunks(engine, args.format, args.since):
            out.write(chunk)
    finally:
        if args.output:
            out.close()
    return 0
