"""Events, accounts and the off-hot-path journal, including a database that fails and recovers."""

from __future__ import annotations

import threading

import pytest

from storage.accounts import AccountError, AccountStore
from storage.database import open_engine
from storage.events import EventQuery, EventStore
from storage.journal import EventJournal


@pytest.fixture
def engine(tmp_path):
    return open_engine(f"sqlite:///{tmp_path / 'salama.db'}")


def test_events_newest_first_filters_and_review(engine):
    store = EventStore(engine)
    store.add_many(
        [
            {"time": 100, "device": "a", "kind": "page", "action": "alert", "category": "bullying", "url": "http://x.test/1", "evidence": "e" * 2000},
            {"time": 200, "device": "b", "kind": "request", "action": "block", "category": "sexual", "url": "http://y.test/"},
            {"time": 300, "device": "a", "kind": "page", "action": "block", "category": "scam", "url": "http://z.test/"},
        ]
    )
    rows = store.query()
    assert [r["time"] for r in rows] == [300, 200, 100]
    assert len(rows[2]["evidence"]) == 400  # evidence is kept short
    assert [r["category"] for r in store.query(EventQuery(device="a"))] == ["scam", "bullying"]
    assert store.count(EventQuery(action="block")) == 2
    assert store.count(EventQuery(since=150, until=250)) == 1
    assert store.mark([rows[0]["id"]], feedback="false_alarm") == 1
    assert store.get(rows[0]["id"])["feedback"] == "false_alarm"
    assert store.count(EventQuery(reviewed=False)) == 2
    assert store.devices() == ["a", "b"]


def test_accounts_hash_passwords_and_reject_bad_input(engine):
    accounts = AccountStore(engine)
    accounts.create("parent", "correct horse", "owner")
    assert accounts.get("parent")["password_hash"] != "correct horse"
    assert accounts.verify("parent", "correct horse")["role"] == "owner"
    assert accounts.verify("parent", "wrong") is None
    assert accounts.verify("nobody", "x") is None
    for name, pw, role, msg in [
        ("parent", "another pw", "owner", "already exists"),
        ("bad name!", "12345678", "owner", "user name"),
        ("teacher", "short", "viewer", "at least 8"),
        ("teacher", "12345678", "god", "role must be"),
    ]:
        with pytest.raises(AccountError, match=msg):
            accounts.create(name, pw, role)


def test_journal_writes_in_the_background(engine):
    store = EventStore(engine)
    journal = EventJournal(store.add_many, interval=0.01)
    for i in range(500):
        journal.record({"kind": "page", "action": "alert", "url": f"http://x.test/{i}"})
    assert journal.flush(10)
    journal.close()
    assert store.count() == 500
    assert journal.written == 500


def test_journal_keeps_events_while_the_database_fails(engine):
    store = EventStore(engine)
    healthy = threading.Event()

    def flaky_write(batch):
        if not healthy.is_set():
            raise OSError("database is locked")
        return store.add_many(batch)

    journal = EventJournal(flaky_write, interval=0.01)
    for i in range(50):
        journal.record({"kind": "request", "action": "block", "url": f"http://x.test/{i}"})
    assert not journal.flush(0.3)  # cannot write yet...
    assert journal.failures >= 1 and journal.pending == 50
    healthy.set()  # ...the database recovers
    assert journal.flush(15)
    journal.close()
    assert store.count() == 50  # nothing lost


def test_journal_memory_is_bounded():
    journal = EventJournal(lambda batch: (_ for _ in ()).throw(OSError("disk full")), interval=5, max_pending=10)
    for i in range(25):
        journal.record({"url": str(i)})
    assert journal.pending <= 11 and journal.dropped >= 14
