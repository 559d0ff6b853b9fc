"""The trainer's inspect page: texts and addresses explained, input escaped, login and CSRF required."""

from __future__ import annotations

import re

import pytest

from dashboard import create_app
from rules.policy_edit import add_domains
from storage.accounts import AccountStore
from storage.database import open_engine


@pytest.fixture
def client(home):
    AccountStore(open_engine(home.database_url)).create("trainer", "trainer-pass", "viewer")
    add_domains(home.policy_path, "deny", ["casino.test"])
    app = create_app(home=home.root, config={"TESTING": True})
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    c.post("/login", data={"username": "trainer", "password": "trainer-pass", "csrf_token": token})
    return c


def token(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/inspect/").get_data(as_text=True)).group(1)


def test_a_grooming_message_is_explained_with_highlighted_words(client):
    text = "t'es seule chez toi ? envoie moi une photo et dis rien a tes parents <script>alert(1)</script>"
    page = client.post("/inspect/", data={"text": text, "csrf_token": token(client)}).get_data(as_text=True)
    assert 'id="inspect-verdict">block' in page and "<mark>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_address_shows_the_policy_decision(client):
    page = client.post("/inspect/", data={"text": "https://www.casino.test/roulette", "csrf_token": token(client)})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-kind="address"' in html and "deny list" in html


def test_bad_input_and_protection(client, home):
    assert client.post("/inspect/", data={"text": "  ", "csrf_token": token(client)}).status_code == 400
    long = client.post("/inspect/", data={"text": "a" * 6000, "csrf_token": token(client)})
    assert long.status_code == 400 and "5000" in long.get_data(as_text=True)
    assert client.post("/inspect/", data={"text": "hello"}).status_code == 400  # no CSRF token
    anonymous = create_app(home=home.root, config={"TESTING": True}).test_client()
    assert anonymous.get("/inspect/").status_code == 302
