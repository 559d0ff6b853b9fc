"""The access requests page through Flask's test client: everyone logged in
sees it, owners answer (approve for a while or always, refuse with a note),
answers reach the shared database and the audit log, texts are escaped."""

from __future__ import annotations

import time

import pytest

from storage.access import AccessStore
from tests.test_dashboard import INJECTION, app, audit_lines, engine, logged_in, post  # noqa: F401  (fixtures)


@pytest.fixture
def asked(engine):
    """Two waiting requests from the tablet; returns their ids."""
    store = AccessStore(engine)
    first = store.ask(device="tablet", profile="child", domain="games.test", url="http://games.test/play", reason=INJECTION)
    second = store.ask(device="tablet", profile="child", domain="maths.test", url="http://maths.test/")
    return first, second


def text(response) -> str:
    return response.get_data(as_text=True)


def test_everyone_logged_in_sees_the_requests(app, asked):
    assert app.test_client().get("/requests/").status_code == 302
    for user in ("parent", "teacher"):
        html = text(logged_in(app, user).get("/requests/"))
        assert "games.test" in html and "maths.test" in html
    assert "data-duration" in text(logged_in(app).get("/requests/"))
    assert "data-duration" not in text(logged_in(app, "teacher").get("/requests/"))  # viewers do not answer


def test_navigation_shows_requests_to_everyone(app):
    for user in ("parent", "teacher"):
        assert 'href="/requests/"' in text(logged_in(app, user).get("/"))


def test_state_lists_the_waiting_requests(app, asked):
    assert logged_in(app, "teacher").get("/requests/state").get_json() == {"pending": sorted(asked)}


def test_child_text_is_escaped(app, asked):
    html = text(logged_in(app).get("/requests/"))
    assert INJECTION not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("duration,seconds", [("15m", 15 * 60), ("1h", 3600)])
def test_approve_for_a_while(app, engine, asked, duration, seconds):
    response = post(logged_in(app), f"/requests/{asked[0]}/approve", {"duration": duration}, token_from="/requests/")
    assert response.status_code == 302
    row = AccessStore(engine).get(asked[0])
    assert row["status"] == "approved" and row["decided_by"] == "parent"
    assert abs(row["until"] - (time.time() + seconds)) < 60
    assert ("parent", "requests.approve", f"#{asked[0]} games.test for tablet: {duration}") in audit_lines(engine)
    assert [a["id"] for a in AccessStore(engine).active_approvals()] == [asked[0]]


def test_approve_today_ends_at_midnight_in_the_policy_zone(app, engine, asked):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    post(logged_in(app), f"/requests/{asked[0]}/approve", {"duration": "today"}, token_from="/requests/")
    until = datetime.fromtimestamp(AccessStore(engine).get(asked[0])["until"], ZoneInfo("Africa/Casablanca"))
    assert (until.hour, until.minute) == (0, 0) and until > datetime.now(ZoneInfo("Africa/Casablanca"))


def test_approve_always(app, engine, asked):
    post(logged_in(app), f"/requests/{asked[1]}/approve", {"duration": "always"}, token_from="/requests/")
    row = AccessStore(engine).get(asked[1])
    assert row["status"] == "approved" and row["until"] is None
    assert "always" in text(logged_in(app).get("/requests/"))


def test_refuse_with_a_note(app, engine, asked):
    note = f"pas ce soir {INJECTION}"
    response = post(logged_in(app), f"/requests/{asked[0]}/refuse", {"note": note}, token_from="/requests/")
    assert response.status_code == 302
    row = AccessStore(engine).get(asked[0])
    assert (row["status"], row["note"], row["decided_by"]) == ("refused", note, "parent")
    assert any(a == "requests.refuse" and "pas ce soir" in d for _, a, d in audit_lines(engine))
    html = text(logged_in(app).get("/requests/"))
    assert "pas ce soir &lt;script&gt;" in html  # in the history, escaped


def test_answers_need_an_owner_and_a_csrf_token(app, engine, asked):
    path = f"/requests/{asked[0]}/approve"
    assert logged_in(app).post(path, data={"duration": "1h"}).status_code == 400
    assert post(logged_in(app, "teacher"), path, {"duration": "1h"}, token_from="/requests/").status_code == 403
    assert post(logged_in(app, "teacher"), f"/requests/{asked[0]}/refuse", {}, token_from="/requests/").status_code == 403
    assert AccessStore(engine).get(asked[0])["status"] == "pending"
    assert not [a for _, a, _ in audit_lines(engine) if a.startswith("requests.")]


def test_bad_answers(app, engine, asked):
    client = logged_in(app)
    assert post(client, f"/requests/{asked[0]}/approve", {"duration": "forever"}, token_from="/requests/").status_code == 400
    assert post(client, "/requests/999/approve", {"duration": "1h"}, token_from="/requests/").status_code == 404
    post(client, f"/requests/{asked[0]}/refuse", {}, token_from="/requests/")
    again = post(client, f"/requests/{asked[0]}/approve", {"duration": "always"}, token_from="/requests/")
    assert again.status_code == 302 and AccessStore(engine).get(asked[0])["status"] == "refused"
    assert "already answered" in text(client.get("/requests/"))


def test_audit_page_names_the_answers(app, asked):
    client = logged_in(app)
    post(client, f"/requests/{asked[0]}/approve", {"duration": "1h"}, token_from="/requests/")
    assert "Access request approved" in text(client.get("/audit/"))
