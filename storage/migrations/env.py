"""Alembic's environment for Salama: migrate the connection it is handed.

There is no alembic.ini: `storage.database` configures Alembic in code and
passes an open connection in `config.attributes["connection"]`, so the
migrations run from the installed package on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from alembic import context

from storage.database import metadata

# Any number both Salama and the DBA can recognise: the advisory lock's key.
MIGRATION_LOCK_KEY = 0x5A1A4A


def _serialise(connection) -> None:
    """Two processes migrating one database at once must take turns; the
    second then finds it at head and does nothing."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Salama's migrations run through `salama db upgrade`, not the alembic command")
    _serialise(connection)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
