"""`salama policy check` tells the same story as the proxy: parents' approvals and pauses included."""

from __future__ import annotations

import json
import time

from salama.cli import main
from storage.access import AccessStore
from storage.database import open_engine


def check(capsys, home, *extra):
    code = main(["policy", "check", "--home", str(home.root), "--client", "127.0.0.5", "--url", "http://games.test/", "--json", *extra])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def test_approval_and_pause_from_the_database(home, capsys):
    assert main(["policy", "deny", "games.test", "--home", str(home.root)]) == 0
    capsys.readouterr()
    assert check(capsys, home)["verdict"] == "block"
    access = AccessStore(open_engine(home.database_url))
    request_id = access.ask(device="127.0.0.5", profile="child", domain="games.test", url="http://games.test/")
    access.approve(request_id, "mum", time.time() + 900)
    result = check(capsys, home)
    assert result["verdict"] == "allow" and result["rule"] == "approval:games.test"
    access.pause("child", 30, "mum")
    result = check(capsys, home)
    assert result["verdict"] == "block" and any("paused" in r for r in result["reasons"])


def test_bad_time_is_a_clear_error(home, capsys):
    code = main(["policy", "check", "--home", str(home.root), "--client", "127.0.0.5", "--url", "http://x.test/", "--at", "tonight"])
    assert code == 2
    assert "not an ISO time" in capsys.readouterr().err


def test_quick_list_edit_is_recorded_for_other_machines(home, capsys):
    from storage.policy_versions import PolicyVersions

    assert main(["policy", "deny", "casino.test", "--home", str(home.root)]) == 0
    versions = PolicyVersions(open_engine(home.database_url))
    latest = versions.latest()
    assert latest is not None and "casino.test" in versions.text(latest.number)
