"""Engine creation and the schema (SQLAlchemy Core tables).

The Table objects below are what the code queries; the schema in a database
is Alembic's (storage/migrations/), whose migrations are written against
these objects.  `open_engine` never creates tables itself: an embedded
SQLite database is upgraded on open (a home user never runs a migration by
hand), while a shared PostgreSQL database, upgraded once for every worker by
`salama db upgrade`, is only checked, and refused with a clear message when
it is not at the current revision.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("time", Float, nullable=False, index=True),  # Unix time, UTC
    Column("device", String(200)),
    Column("profile", String(100)),
    Column("kind", String(20), nullable=False),  # request | page | search | outgoing
    Column("action", String(10), nullable=False, index=True),  # block | alert
    Column("category", String(40), index=True),
    Column("score", Float),
    Column("url", Text, nullable=False),
    Column("host", String(255), index=True),
    Column("scores", JSON),
    Column("evidence", Text),  # short snippet, personal data masked
    Column("explanation", JSON),  # terms and passages behind the decision
    Column("reasons", JSON),  # the decision chain
    Column("rule", String(300)),
    Column("source", String(200)),
    Column("reviewed", Boolean, nullable=False, default=False),
    Column("feedback", String(20)),  # false_alarm | missed | None
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(20), nullable=False, default="owner"),  # owner | viewer
    Column("created", Float, nullable=False),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("time", Float, nullable=False, index=True),  # Unix time, UTC
    Column("username", String(80), nullable=False),  # who did it (an account name, or "system")
    Column("action", String(60), nullable=False),  # what kind of change, e.g. "account.add"
    Column("detail", Text, nullable=False, default=""),  # what changed, for people
)


access_requests = Table(
    "access_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("time", Float, nullable=False, index=True),
    Column("device", String(200), nullable=False),  # as the policy names it, or the client IP
    Column("profile", String(100), nullable=False),
    Column("domain", String(255), nullable=False),  # what an approval would open (host and subdomains)
    Column("url", Text, nullable=False),  # where the child was going, to send them back there
    Column("reason", Text),  # the child's own words, optional
    Column("category", String(40)),  # why it was blocked
    Column("status", String(10), nullable=False, default="pending", index=True),  # pending | approved | refused
    Column("decided_by", String(80)),
    Column("decided_at", Float),
    Column("until", Float),  # approved until (Unix time); None with status approved = always
    Column("note", Text),  # the parent's answer
)

profile_controls = Table(
    "profile_controls",
    metadata,
    Column("profile", String(100), primary_key=True),
    Column("paused_until", Float),  # "pause internet now for N minutes"
    Column("holiday", Boolean, nullable=False, default=False),
    Column("changed_by", String(80)),
    Column("changed_at", Float),
)


policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", Integer, primary_key=True),  # the version number workers poll
    Column("time", Float, nullable=False),  # Unix time of the save
    Column("saved_by", String(80)),
    Column("text", Text, nullable=False),  # the whole policy YAML, as saved
)

job_locks = Table(
    "job_locks",
    metadata,
    Column("name", String(60), primary_key=True),  # e.g. "retention"
    Column("holder", String(200), nullable=False),  # host:pid of whoever holds it
    Column("until", Float, nullable=False),  # the lease ends (Unix time)
)


class DatabaseError(ValueError):
    """A database Salama cannot use as it is (message says what to do)."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (dashboard) never block the writer (proxy)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _alembic_config(connection: Connection):
    from alembic.config import Config

    config = Config()  # no alembic.ini: the migrations ship inside this package
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The revision this Salama's code expects."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to the head revision; return (before, after)."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    return before, head_revision()


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for `url` as it is, schema unchecked (`salama db upgrade` starts here)."""
    try:
        engine = create_engine(url, future=True)
    except ImportError as exc:  # the database's driver is an optional extra
        raise DatabaseError(f"no driver for {describe_url(url)} ({exc.name}): pip install 'salama[postgres]'") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_engine(url: str, *, migrate: bool | None = None) -> Engine:
    """An engine for `url` whose schema is at the head revision.

    `migrate` None (the default) upgrades SQLite and only checks other
    databases; True upgrades any database, False only checks."""
    engine = make_engine(url)
    at = current_revision(engine)
    if at == head_revision():
        return engine
    if migrate if migrate is not None else engine.dialect.name == "sqlite":
        upgrade(engine)
        return engine
    raise DatabaseError(
        f"database {describe_url(url)} is at schema revision {at or 'none'}, this Salama needs {head_revision()}: "
        f"run `salama db upgrade --database-url URL` once (it migrates the database for every worker)"
    )
