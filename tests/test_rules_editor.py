"""The rules editor through Flask's test client: owners only, CSRF, every
form saved into policy.yaml (read back with the proxy's loader), refused
input shown beside its field and kept, escaping, and the audit log."""

from __future__ import annotations

import time

import pytest

from rules.policy import load_policy
from storage.access import AccessStore
from tests.test_dashboard import INJECTION, app, audit_lines, engine, logged_in, post  # noqa: F401  (fixtures)

#: Every page of the editor.
PAGES = ("/rules/", "/rules/profiles/child", "/rules/sources")
#: Every form of the editor, with a valid body (without the CSRF token).
FORMS = (
    ("/rules/profiles", {"name": "teen2", "preset": "teen"}),
    ("/rules/devices", {"name": "tablet", "match": "192.168.1.20", "profile": "child"}),
    ("/rules/devices/remove", {"match": "192.168.1.20"}),
    ("/rules/lists", {"allow": "school.test", "deny": ""}),
    ("/rules/profiles/child/categories", {"preset": "child"}),
    ("/rules/profiles/child/lists", {"allow": "", "deny": "games.test"}),
    ("/rules/profiles/child/safe-search", {"safe_search.google": "on"}),
    ("/rules/profiles/child/schedule", {"schedule.bedtime.mon": "21:00-07:00"}),
    ("/rules/profiles/child/pause", {"minutes": "15"}),
    ("/rules/profiles/child/resume", {}),
    ("/rules/profiles/child/holiday", {"holiday": "on"}),
    ("/rules/sources/update", {}),
)


def policy(home):
    return load_policy(home.policy_path)


def text(response) -> str:
    return response.get_data(as_text=True)


def category_form(**changes) -> dict:
    """The categories form as a browser sends it for the child preset, with `changes`."""
    from rules.categories import ALL_CATEGORIES

    form = {"preset": "child", **{f"categories.{c}.action": "block" for c in ALL_CATEGORIES}}
    form.update(changes)
    return form


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_for_owners(app, path):
    assert app.test_client().get(path).status_code == 302  # to the login
    assert logged_in(app, "teacher").get(path).status_code == 403
    assert logged_in(app).get(path).status_code == 200


def test_navigation_shows_the_editor_to_owners_only(app):
    assert 'href="/rules/"' in text(logged_in(app).get("/"))
    assert 'href="/rules/"' not in text(logged_in(app, "teacher").get("/"))


@pytest.mark.parametrize("path,data", FORMS)
def test_forms_need_an_owner_and_a_csrf_token(app, home, path, data):
    before = home.policy_path.read_bytes() if home.policy_path.exists() else None
    owner = logged_in(app)
    assert owner.post(path, data=data).status_code == 400  # no CSRF token
    assert post(logged_in(app, "teacher"), path, data).status_code == 403
    after = home.policy_path.read_bytes() if home.policy_path.exists() else None
    assert after == before


def test_create_a_profile(app, home, engine):
    client = logged_in(app)
    response = post(client, "/rules/profiles", {"name": "ados", "preset": "teen"})
    assert response.status_code == 302 and response.location.endswith("/rules/profiles/ados")
    assert policy(home).profiles["ados"].preset == "teen"
    assert ("parent", "rules.profile.add", "ados (teen)") in audit_lines(engine)
    again = post(client, "/rules/profiles", {"name": "ados", "preset": "child"})
    assert again.status_code == 400 and "already exists" in text(again)


@pytest.mark.parametrize("name,preset,message", [
    ("Bad Name!", "child", "small letters"),
    ("kids", "toddler", "unknown preset"),
])
def test_bad_profile_is_refused_beside_its_field(app, home, name, preset, message):
    response = post(logged_in(app), "/rules/profiles", {"name": name, "preset": preset})
    html = text(response)
    assert response.status_code == 400 and message in html
    field = "name" if message == "small letters" else "preset"
    assert f'id="error-{field}"' in html
    assert "kids" not in policy(home).profiles and "bad name!" not in policy(home).profiles


def test_add_and_remove_a_device(app, home, engine):
    client = logged_in(app)
    response = post(client, "/rules/devices", {"name": "salle-info", "match": "192.168.10.0/24", "profile": "child"})
    assert response.status_code == 302
    assert [(d.name, d.match, d.profile) for d in policy(home).devices] == [("salle-info", "192.168.10.0/24", "child")]
    assert "salle-info" in text(client.get("/rules/"))
    assert post(client, "/rules/devices/remove", {"match": "192.168.10.0/24"}).status_code == 302
    assert policy(home).devices == ()
    actions = [a for _, a, _ in audit_lines(engine)]
    assert "rules.device.add" in actions and "rules.device.remove" in actions


@pytest.mark.parametrize("form,field,message", [
    ({"name": "pc", "match": "192.168.1.300/24", "profile": "child"}, "match", "is not an IP address"),
    ({"name": "pc", "match": "10.0.0.0/33", "profile": "child"}, "match", "is not an IP address"),
    ({"name": "pc", "match": "10.0.0.5", "profile": "ghost"}, "profile", "unknown profile"),
])
def test_bad_device_is_refused_and_the_input_kept(app, home, form, field, message):
    response = post(logged_in(app), "/rules/devices", form)
    html = text(response)
    assert response.status_code == 400
    assert f'id="error-{field}"' in html and message in html
    assert f'value="{form["match"]}"' in html  # what was typed is still there
    assert policy(home).devices == ()


def test_recently_seen_devices_are_offered(app):
    html = text(logged_in(app).get("/rules/"))
    assert "127.0.0.2" in html and "127.0.0.3" in html  # addresses in the events, not in the policy


def test_device_name_is_escaped(app, home):
    client = logged_in(app)
    post(client, "/rules/devices", {"name": INJECTION, "match": "10.1.2.3", "profile": "child"})
    assert policy(home).devices[0].name == INJECTION
    html = text(client.get("/rules/"))
    assert INJECTION not in html and "&lt;script&gt;" in html


def test_global_lists(app, home, engine):
    response = post(logged_in(app), "/rules/lists", {"allow": "school.test\nwikipedia.org", "deny": "casino.test, bet.test"})
    assert response.status_code == 302
    p = policy(home)
    assert p.allow == ("school.test", "wikipedia.org") and p.deny == ("casino.test", "bet.test")
    assert any(a == "rules.lists" and "casino.test" in d for _, a, d in audit_lines(engine))


def test_bad_domain_in_a_list_is_refused_and_kept(app, home):
    response = post(logged_in(app), "/rules/profiles/child/lists", {"allow": "", "deny": "ok.test\nhttp://bad.test/x"})
    html = text(response)
    assert response.status_code == 400 and 'id="error-deny"' in html and "is not a domain name" in html
    assert "http://bad.test/x" in html
    assert policy(home).profiles["child"].deny == ()


def test_categories_action_and_threshold(app, home, engine):
    form = category_form(**{"categories.violence.action": "alert", "categories.violence.custom": "on",
                            "categories.violence.threshold": "0.65"})
    assert post(logged_in(app), "/rules/profiles/child/categories", form).status_code == 302
    rule = policy(home).profiles["child"].categories["violence"]
    assert (rule.action, rule.threshold) == ("alert", 0.65)
    assert policy(home).profiles["child"].categories["sexual"].threshold is None  # model default kept
    assert any(a == "rules.categories" and "violence=alert/0.65" in d for _, a, d in audit_lines(engine))


@pytest.mark.parametrize("threshold,message", [("1.5", "between 0 and 1"), ("lots", "between 0 and 1")])
def test_impossible_threshold_is_refused_beside_the_slider(app, home, threshold, message):
    form = category_form(**{"categories.violence.custom": "on", "categories.violence.threshold": threshold})
    response = post(logged_in(app), "/rules/profiles/child/categories", form)
    html = text(response)
    assert response.status_code == 400 and 'id="error-categories.violence.threshold"' in html and message in html
    assert f'value="{threshold}"' in html
    assert policy(home).profiles["child"].categories["violence"].threshold is None


def test_profile_page_shows_the_model_threshold(app):
    html = text(logged_in(app).get("/rules/profiles/child"))
    assert "model default: 0." in html
    assert 'name="categories.violence.threshold"' in html and 'type="range"' in html


def test_safe_search(app, home, engine):
    form = {"safe_search.youtube": "moderate", "safe_search.google": "off", "safe_search.ecosia": "block"}
    assert post(logged_in(app), "/rules/profiles/child/safe-search", form).status_code == 302
    modes = policy(home).profiles["child"].safe_search
    assert (modes["youtube"], modes["google"], modes["ecosia"]) == ("moderate", "off", "block")
    bad = post(logged_in(app), "/rules/profiles/child/safe-search", {**form, "safe_search.ecosia": "on"})
    assert bad.status_code == 400 and 'id="error-safe_search.ecosia"' in text(bad)


def test_schedule_saved_and_drawn(app, home, engine):
    form = {"schedule.bedtime.mon": "21:30-07:00", "schedule.hours.sat": "9h00-12h30, 14:00-21:30",
            "schedule.hours.sun.closed": "on", "schedule.lessons.wed": "08:30-12:00"}
    client = logged_in(app)
    assert post(client, "/rules/profiles/child/schedule", form).status_code == 302
    schedule = policy(home).profiles["child"].schedule
    assert [str(w) for w in schedule.bedtime.days["mon"]] == ["21:30-07:00"]
    assert [str(w) for w in schedule.hours.days["sat"]] == ["09:00-12:30", "14:00-21:30"]
    assert schedule.hours.days["sun"] == ()
    html = text(client.get("/rules/profiles/child"))
    assert html.count('class="cell bedtime"') == 11  # Monday 21-23h (3), Tuesday 0-6h (7), the legend (1)
    assert 'value="09:00-12:30, 14:00-21:30"' in html
    assert "# Safe search per engine" in home.policy_path.read_text()  # the file's comments survive
    assert any(a == "rules.schedule" for _, a, _ in audit_lines(engine))


@pytest.mark.parametrize("value", ["25:00-07:00", "21:00-07:60", "tonight"])
def test_impossible_time_is_refused_beside_the_day(app, home, value):
    response = post(logged_in(app), "/rules/profiles/child/schedule", {"schedule.bedtime.fri": value})
    html = text(response)
    assert response.status_code == 400 and 'id="error-schedule.bedtime.fri"' in html
    assert f'value="{value}"' in html
    assert not policy(home).profiles["child"].schedule.bedtime


def test_pause_resume_and_holiday(app, engine):
    client = logged_in(app)
    assert post(client, "/rules/profiles/child/pause", {"minutes": "30"}).status_code == 302
    control = AccessStore(engine).controls()["child"]
    assert control["paused_until"] > time.time() + 29 * 60
    assert "Resume now" in text(client.get("/rules/profiles/child"))
    assert post(client, "/rules/profiles/child/resume").status_code == 302
    assert AccessStore(engine).controls()["child"]["paused_until"] is None
    assert post(client, "/rules/profiles/child/holiday", {"holiday": "on"}).status_code == 302
    assert AccessStore(engine).controls()["child"]["holiday"] is True
    bad = post(client, "/rules/profiles/child/pause", {"minutes": "5000"})
    assert bad.status_code == 400 and 'id="error-minutes"' in text(bad)
    actions = [a for _, a, _ in audit_lines(engine)]
    assert {"rules.pause", "rules.resume", "rules.holiday"} <= set(actions)


def test_unknown_profile_page_is_404(app):
    client = logged_in(app)
    assert client.get("/rules/profiles/ghost").status_code == 404
    assert post(client, "/rules/profiles/ghost/lists", {"deny": "x.test"}).status_code == 404


def test_audit_page_names_the_editor_actions(app):
    client = logged_in(app)
    post(client, "/rules/lists", {"allow": "", "deny": "casino.test"})
    assert "Allow and deny lists changed" in text(client.get("/audit/"))


def wait_for_job(client) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get("/rules/sources/job").get_json()["job"]
        if job and job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError("the blocklist job did not finish")


def test_subscribe_update_and_remove_a_list(app, engine):
    from tests.upstream import LocalSite

    lists = LocalSite({"/casinos.txt": ("text/plain", b"casino-one.test\ncasino-two.test\n")})
    try:
        client = logged_in(app)
        url = f"http://127.0.0.1:{lists.port}/casinos.txt"
        assert post(client, "/rules/sources", {"url": url, "category": "gambling"}).status_code == 302
        assert wait_for_job(client)["state"] == "done"
        html = text(client.get("/rules/sources"))
        assert url in html and "2" in html
        name = app.extensions["salama.blocklist_jobs"].registry.sources()[0].name
        assert post(client, "/rules/sources/update", {}).status_code == 302
        assert wait_for_job(client)["results"][0]["status"] in ("updated", "unchanged")
        assert post(client, f"/rules/sources/{name}/remove", {}).status_code == 302
        assert wait_for_job(client)["state"] == "done"
        assert app.extensions["salama.blocklist_jobs"].registry.sources() == []
    finally:
        lists.close()
    actions = [a for _, a, _ in audit_lines(engine)]
    assert {"rules.source.add", "rules.source.update", "rules.source.remove"} <= set(actions)


def test_bad_subscription_is_refused_beside_its_field(app):
    response = post(logged_in(app), "/rules/sources", {"url": "file:///etc/passwd", "category": "nothing"})
    html = text(response)
    assert response.status_code == 400 and 'id="error-url"' in html and 'id="error-category"' in html
    assert 'value="file:///etc/passwd"' in html
