"""`salama db upgrade`: bring the database's schema to this Salama's revision.

A home's SQLite database is upgraded automatically when it is opened; a
shared PostgreSQL database (several proxy workers, one dashboard) is
upgraded once, by this command, and every process refuses to start on a
database that is not at the current revision.
"""

from __future__ import annotations

import argparse
import os

from salama.commands import add_home_argument
from salama.home import Home


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="shared database, e.g. postgresql+psycopg://salama:PW@db.school.lan/salama "
        "(default: $SALAMA_DATABASE_URL, then SQLite in the home)",
    )


def use_database_url(args) -> None:
    """Let --database-url win; through the environment it reaches every worker and the dashboard too."""
    if getattr(args, "database_url", None):
        os.environ["SALAMA_DATABASE_URL"] = args.database_url


def register(sub) -> None:
    p = sub.add_parser("db", help="manage Salama's database (schema upgrades)",
                       description="Manage the database: SQLite in the home, or a shared PostgreSQL.")
    actions = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="migrate the database to this Salama's schema",
                            description="Apply the pending schema migrations (safe to run twice).")
    add_home_argument(up)
    add_database_argument(up)
    up.set_defaults(func=cmd_upgrade)


def cmd_upgrade(args) -> int:
    from storage.database import describe_url, make_engine, upgrade

    use_database_url(args)
    home = Home.resolve(args.home)
    if not os.environ.get("SALAMA_DATABASE_URL"):
        home.ensure()  # the SQLite file lives in the home
    url = home.database_url
    before, after = upgrade(make_engine(url))
    if before == after:
        print(f"{describe_url(url)}: already at revision {after}")
    else:
        print(f"{describe_url(url)}: upgraded from {before or 'an empty database'} to revision {after}")
    return 0
