"""Engine creation and the schema (SQLAlchemy Core tables)."""

from __future__ import annotations

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
from sqlalchemy.engine import Engine

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (dashboard) never block the writer (proxy)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def open_engine(url: str) -> Engine:
    """An engine for `url`, with the schema created if missing."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine

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
