"""The schema as it was before Alembic: events, accounts, audit log, access requests, pauses.

Databases created by the old `create_all` already hold these tables: they
are adopted as they are (checkfirst), so an existing home keeps its data.
The tables are created from storage.database's Table objects, the single
definition the code uses; a later migration that alters one of them must
also freeze that table's old definition here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from storage.database import access_requests, audit_log, events, profile_controls, users
from storage.migrations import create_tables, drop_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (events, users, audit_log, access_requests, profile_controls)


def upgrade() -> None:
    create_tables(TABLES, checkfirst=True)


def downgrade() -> None:
    drop_tables(TABLES)
