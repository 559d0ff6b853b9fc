"""Dashboard accounts: parents and teachers, with hashed passwords and roles."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from storage.database import users

ROLES = ("owner", "viewer")
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,80}$")


class AccountError(ValueError):
    """An account request that cannot be honoured (message says why)."""


class AccountStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def create(self, username: str, password: str, role: str = "owner") -> None:
        if not _USERNAME.match(username or ""):
            raise AccountError("user name: 1-80 letters, digits or . _ @ -")
        if len(password or "") < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if self.get(username):
            raise AccountError(f"user '{username}' already exists")
        with self.engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    username=username, password_hash=generate_password_hash(password), role=role, created=time.time()
                )
            )

    def set_password(self, username: str, password: str) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise AccountError(f"password: at least {MIN_PASSWORD} characters")
        with self.engine.begin() as conn:
            conn.execute(
                update(users).where(users.c.username == username).values(password_hash=generate_password_hash(password))
            )

    def get(self, username: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def verify(self, username: str, password: str) -> dict[str, Any] | None:
        user = self.get(username or "")
        if user and check_password_hash(user["password_hash"], password or ""):
            return user
        return None

    def all(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(users).order_by(users.c.username))]

    def remove(self, username: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(users).where(users.c.username == username))
