"""The dashboard through Flask's test client: login, set-up, CSRF, alerts, API."""

from __future__ import annotations

import base64
import re

import pytest

from dashboard import create_app
from storage.accounts import AccountStore
from storage.database import open_engine
from storage.events import EventStore

INJECTION = '<script>alert("x")</script>'


@pytest.fixture
def app(home):
    engine = open_engine(home.database_url)
    AccountStore(engine).create("parent", "secret-pass", "owner")
    AccountStore(engine).create("teacher", "secret-pass", "viewer")
    EventStore(engine).add_many(
        [
            {"time": 1_700_000_000, "device": "127.0.0.2", "profile": "child", "kind": "page", "action": "alert",
             "category": "bullying", "score": 0.91, "url": f"http://forum.test/?q={INJECTION}",
             "evidence": f"nobody likes you {INJECTION}", "scores": {"bullying": 0.91},
             "explanation": {"bullying": {"score": 0.91, "terms": [{"term": "nobody", "weight": 1.2}], "passage": "x"}},
             "reasons": ["page scores 0.91 for 'bullying'"]},
            {"time": 1_700_000_100, "device": "127.0.0.3", "profile": "child", "kind": "request", "action": "block",
             "category": "sexual", "url": "http://adult.test/", "rule": "adult.test", "source": "salama-default"},
        ]
    )
    return create_app(home=home.root, config={"TESTING": True})


def csrf_token(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, user="parent", password="secret-pass"):
    return client.post("/login", data={"username": user, "password": password, "csrf_token": csrf_token(client)})


def basic(user="parent", password="secret-pass"):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_pages_need_login(app):
    client = app.test_client()
    for path in ("/", "/alerts/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_logout_and_alert_list(app):
    client = app.test_client()
    assert login(client, password="wrong").status_code == 401
    assert login(client).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "forum.test" in html and "adult.test" in html
    assert INJECTION not in html and "&lt;script&gt;" in html  # escaped
    assert html.index("adult.test") < html.index("forum.test")  # newest first
    detail = client.get("/alerts/1").get_data(as_text=True)
    assert "nobody" in detail and INJECTION not in detail
    assert client.get("/alerts/999").status_code == 404
    token = csrf_token(client, "/")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_forms_without_csrf_token_are_refused(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "parent", "password": "secret-pass"}).status_code == 400
    login(client)
    assert client.post("/alerts/review", data={"id": "1"}).status_code == 400


def test_review_and_feedback(app):
    client = app.test_client()
    login(client)
    token = csrf_token(client, "/")
    client.post("/alerts/review", data={"id": ["1", "2", "junk"], "csrf_token": token})
    client.post("/alerts/review", data={"id": "1", "feedback": "false_alarm", "csrf_token": token})
    assert client.post("/alerts/review", data={"id": "1", "feedback": "lol", "csrf_token": token}).status_code == 400
    alerts = client.get("/api/alerts").get_json()["alerts"]
    assert all(a["reviewed"] for a in alerts)
    assert {a["id"]: a["feedback"] for a in alerts}[1] == "false_alarm"


def test_login_is_rate_limited(app):
    client = app.test_client()
    for _ in range(5):
        assert login(client, password="guess").status_code == 401
    assert login(client).status_code == 429  # even the right password waits


def test_bad_filters_are_reported(app):
    client = app.test_client()
    login(client)
    response = client.get("/?category=nonsense&since=yesterday")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "unknown category" in html and "is not a date" in html


def test_api_basic_auth_contract(app):
    client = app.test_client()
    assert client.get("/api/alerts").status_code == 401
    assert client.get("/api/alerts", headers=basic(password="nope")).status_code == 401
    data = client.get("/api/alerts", headers=basic()).get_json()
    assert data["total"] == 2
    first = data["alerts"][0]
    for key in ("time", "device", "url", "categories", "action", "score", "evidence"):
        assert key in first
    assert first["url"] == "http://adult.test/" and first["categories"] == ["sexual"]
    assert client.get("/api/alerts?category=sexual", headers=basic()).get_json()["total"] == 1
    assert client.get("/api/alerts?limit=abc", headers=basic()).status_code == 400
    reviewed = client.post("/api/alerts/1/review", json={"feedback": "missed"}, headers=basic()).get_json()
    assert reviewed["reviewed"] and reviewed["feedback"] == "missed"
    assert client.post("/api/alerts/1/review", json={"feedback": 3}, headers=basic()).status_code == 400
    assert client.post("/api/alerts/77/review", json={}, headers=basic()).status_code == 404


def test_api_session_write_needs_csrf_token(app):
    client = app.test_client()
    login(client)
    assert client.get("/api/alerts").status_code == 200
    assert client.post("/api/alerts/1/review", json={}).status_code == 400
    token = csrf_token(client, "/")
    assert client.post("/api/alerts/1/review", json={}, headers={"X-CSRFToken": token}).status_code == 200


def test_first_run_setup_page(tmp_path):
    app = create_app(home=tmp_path / "fresh", config={"TESTING": True})
    client = app.test_client()
    assert client.get("/").headers["Location"].endswith("/setup")
    token = csrf_token(client, "/setup")
    bad = client.post("/setup", data={"username": "mum", "password": "12345678", "confirm": "different", "csrf_token": token})
    assert bad.status_code == 400 and "differ" in bad.get_data(as_text=True)
    short = client.post("/setup", data={"username": "mum", "password": "123", "confirm": "123", "csrf_token": token})
    assert short.status_code == 400 and "at least 8" in short.get_data(as_text=True)
    ok = client.post("/setup", data={"username": "mum", "password": "12345678", "confirm": "12345678", "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    assert app.test_client().get("/setup").status_code == 302  # closed once an account exists


def test_status_warning_is_shown(app, home):
    from storage.status import write_status

    write_status(home.root, False, ["MODEL NOT LOADED - filtering on lists only"])
    client = app.test_client()
    login(client)
    assert "MODEL NOT LOADED" in client.get("/").get_data(as_text=True)
    assert client.get("/api/status", headers=basic()).get_json()["model_loaded"] is False
