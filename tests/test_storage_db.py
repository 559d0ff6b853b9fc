"""The storage suite on SQLite and on PostgreSQL, and the schema migrations.

The `engine` fixture is parametrised, so every storage test here (and the
ones taken from test_storage.py) runs once on each database: accounts,
events and the journal, approvals and pauses, retention and its hourly
lease, the alerts export.  PostgreSQL
tests are skipped with the reason when no server can be started.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect

from salama.cli import main
from storage.access import AccessStore
from storage.accounts import AccountStore
from rules.policy import parse_policy
from storage.database import DatabaseError, current_revision, head_revision, metadata, open_engine, users
from storage.events import EventStore
from storage.export import export_chunks
from storage.retention import DAY, PERIOD, RetentionSchedule, purge_expired, run_retention
from tests.inprocess import wait_until
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


# -- retention ---------------------------------------------------------------------

NOW = 2_000_000_000.0


def test_retention_deletes_each_kind_after_its_own_period(engine):
    store = EventStore(engine)
    store.add_many([
        {"time": NOW - 40 * DAY, "kind": "request", "action": "block", "url": "http://old-request.test/"},
        {"time": NOW - 40 * DAY, "kind": "page", "action": "alert", "url": "http://kept-page.test/"},
        {"time": NOW - 100 * DAY, "kind": "page", "action": "alert", "url": "http://old-page.test/"},
        {"time": NOW - 1 * DAY, "kind": "search", "action": "alert", "url": "http://new-search.test/"},
    ])
    deleted = purge_expired(engine, parse_policy("retention: {request: 30, page: 90}").retention, now=NOW)
    assert deleted == {"request": 1, "page": 1, "search": 0, "outgoing": 0}
    assert sorted(r["url"] for r in store.query()) == ["http://kept-page.test/", "http://new-search.test/"]


def test_only_one_process_purges_per_hour(engine):
    days = {"request": 30}
    assert run_retention(engine, days, "lab-1:100", now=NOW) == {"request": 0}
    assert run_retention(engine, days, "lab-2:200", now=NOW + 10) is None  # lab-1 has this hour
    assert run_retention(engine, days, "lab-1:100", now=NOW + 20) is None  # and does not run twice in it
    assert run_retention(engine, days, "lab-2:200", now=NOW + PERIOD + 1) == {"request": 0}  # the next hour


def test_the_retention_schedule_purges_in_the_background(engine):
    EventStore(engine).add_many([{"time": 1.0, "kind": "page", "action": "alert", "url": "http://1970.test/"}])
    schedule = RetentionSchedule(engine, lambda: {"page": 1}, check_every=0.05).start()
    try:
        assert wait_until(lambda: EventStore(engine).count() == 0, timeout=5)
    finally:
        schedule.stop()


# -- export ------------------------------------------------------------------------

EXPORTED = [
    {"time": NOW - 10, "device": "lab-pc-1", "kind": "request", "action": "block", "category": "gambling",
     "url": "http://bet.test/", "host": "bet.test"},
    {"time": NOW, "device": "lab-pc-2", "kind": "page", "action": "alert", "category": "bullying", "score": 0.9,
     "url": "http://forum.test/", "host": "forum.test", "evidence": "=HYPERLINK(\"http://evil.test\")"},
]


def test_alerts_export_as_csv_and_json_since_a_date(engine):
    EventStore(engine).add_many(EXPORTED)
    rows = list(csv.DictReader(io.StringIO("".join(export_chunks(engine, "csv")))))
    assert [r["device"] for r in rows] == ["lab-pc-1", "lab-pc-2"]
    assert rows[1]["evidence"].startswith("'=")  # a spreadsheet must not run it as a formula
    assert rows[0]["time"] == datetime.fromtimestamp(NOW - 10, timezone.utc).isoformat(timespec="seconds")
    records = json.loads("".join(export_chunks(engine, "json", since=NOW - 5)))
    assert [r["category"] for r in records] == ["bullying"] and records[0]["score"] == 0.9
    assert json.loads("".join(export_chunks(engine, "json", since=NOW + 5))) == []


def test_salama_export_alerts_writes_a_file(home, tmp_path):
    EventStore(open_engine(home.database_url)).add_many(EXPORTED)
    out = tmp_path / "alerts.json"
    assert main(["export", "alerts", "--home", str(home.root), "--format", "json", "--since", "2033-01-01",
                 "--output", str(out)]) == 0
    assert [r["url"] for r in json.loads(out.read_text())] == ["http://bet.test/", "http://forum.test/"]


def test_the_dashboard_download_needs_a_login(home):
    from dashboard import create_app
    from dashboard import export as export_page
    from tests.test_dashboard import login

    engine = open_engine(home.database_url)
    EventStore(engine).add_many(EXPORTED)
    AccountStore(engine).create("parent", "secret-pass", "owner")
    app = create_app(home=home.root, config={"TESTING": True})
    if "export" not in app.blueprints:  # until dashboard/__init__.py registers it
        app.register_blueprint(export_page.bp)
    client = app.test_client()
    assert client.get("/alerts/export.csv").status_code == 302
    login(client)
    response = client.get("/alerts/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).count("\n") == 3
