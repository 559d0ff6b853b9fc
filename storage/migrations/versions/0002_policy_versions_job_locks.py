"""Shared policy versions (for workers on several machines) and job locks (retention runs once).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from storage.database import job_locks, policy_versions
from storage.migrations import create_tables, drop_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (policy_versions, job_locks)


def upgrade() -> None:
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
