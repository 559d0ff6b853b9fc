"""The storage suite on SQLite and on PostgreSQL, and the schema migrations.

The `engine` fixture is parametrised, so every storage test here (and the
ones taken from test_storage.py) runs once on each database.  PostgreSQL
tests are skipped with the reason when no server can be started.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from salama.cli import main
from storage.access import AccessStore
from storage.accounts import AccountStore
from storage.database import DatabaseError, current_revision, head_revision, metadata, open_engine, users
from tests.postgres import database_url, postgres_server  # noqa: F401  (fixtures)
from tests.test_storage import (  # noqa: F401  (the same storage suite, run on both databases)
    test_accounts_hash_passwords_and_reject_bad_input,
    test_events_newest_first_filters_and_review,
    test_journal_keeps_events_while_the_database_fails,
    test_journal_writes_in_the_background,
)


@pytest.fixture
def engine(database_url):  # noqa: F811
    engine = open_engine(database_url, migrate=True)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(postgres_server):  # noqa: F811
    return postgres_server.fresh_database()


def test_a_new_sqlite_home_is_migrated_on_open(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert current_revision(engine) == head_revision()
    assert {"events", "users", "access_requests", "policy_versions", "alembic_version"} <= set(inspect(engine).get_table_names())


def test_a_database_made_before_alembic_is_adopted_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    metadata.create_all(old, tables=[metadata.tables["events"], users])  # what create_all once made
    with old.begin() as conn:
        conn.execute(users.insert().values(username="parent", password_hash="x", role="owner", created=1.0))
    engine = open_engine(url)
    assert current_revision(engine) == head_revision()
    assert AccountStore(engine).get("parent")["role"] == "owner"


def test_postgresql_is_refused_until_upgraded_then_opens(pg_url, capsys):
    with pytest.raises(DatabaseError, match="salama db upgrade"):
        open_engine(pg_url)
    assert main(["db", "upgrade", "--database-url", pg_url]) == 0
    assert f"to revision {head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", pg_url]) == 0
    assert "already at" in capsys.readouterr().out
    assert current_revision(open_engine(pg_url)) == head_revision()


def test_db_upgrade_without_a_url_migrates_the_home_sqlite(home, capsys):
    assert main(["db", "upgrade", "--home", str(home.root)]) == 0
    assert "upgraded from an empty database" in capsys.readouterr().out
    assert current_revision(open_engine(home.database_url, migrate=False)) == head_revision()


def test_approvals_and_pauses_written_by_one_process_are_seen_by_another(database_url):  # noqa: F811
    dashboard, worker = open_engine(database_url, migrate=True), open_engine(database_url)
    asked = AccessStore(worker).ask(device="tablet", profile="child", domain="wiki.test", url="http://wiki.test/")
    AccessStore(dashboard).approve(asked, by="parent", until=None)
    AccessStore(dashboard).pause("child", 15, by="parent")
    assert [a["domain"] for a in AccessStore(worker).active_approvals()] == ["wiki.test"]
    assert AccessStore(worker).controls()["child"]["paused_until"] is not None
