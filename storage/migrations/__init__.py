"""Alembic migrations of Salama's database, run by `salama db upgrade` and on opening a SQLite home.

Migrations that add whole tables build them from storage.database's Table
objects with these two helpers.
"""

from __future__ import annotations

from typing import Sequence

from alembic import op
from sqlalchemy import Table


def create_tables(tables: Sequence[Table], *, checkfirst: bool = False) -> None:
    bind = op.get_bind()
    for table in tables:
        table.create(bind, checkfirst=checkfirst)


def drop_tables(tables: Sequence[Table]) -> None:
    bind = op.get_bind()
    for table in reversed(tables):
        table.drop(bind)
