"""Per-child proxy logins: `salama proxy-user`, and devices matched as user:NAME through the real proxy."""

from __future__ import annotations

import base64

import pytest

from proxy.runtime import Runtime
from salama.cli import main
from tests.inprocess import InProcessProxy, via_proxy
from tests.upstream import LocalSite

POLICY = """
profiles:
  child: {preset: child, deny: [games.test]}
  teen: {preset: teen}
default_profile: child
devices:
  - {name: omar, match: "user:omar", profile: teen}
  - {name: yasmine, match: "user:yasmine", profile: child}
"""


def login(name: str, password: str) -> dict:
    return {"Proxy-Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def test_logins_pick_each_childs_profile(home, capsys):
    assert main(["proxy-user", "add", "omar", "--password", "omar-pass-1", "--home", str(home.root)]) == 0
    assert main(["proxy-user", "add", "yasmine", "--password", "yasmine-pass", "--home", str(home.root)]) == 0
    assert main(["proxy-user", "list", "--home", str(home.root)]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["omar", "yasmine"]
    assert "omar-pass-1" not in home.proxy_users_path.read_text()  # hashed
    home.policy_path.write_text(POLICY)
    site = LocalSite({"/": ("text/plain", b"a game")})
    rt = Runtime(policy_path=home.policy_path, index_path=home.index_path, model_dir=home.model_dir,
                 database_url=home.database_url, status_dir=home.root, use_model=False)
    proxy = InProcessProxy(rt, home.ca_dir, [f"games.test=127.0.0.1:{site.port}"], proxy_users=home.proxy_users_path)
    try:
        assert via_proxy(proxy.port, "GET", "http://games.test/")[0] == 407  # no login, no browsing
        assert via_proxy(proxy.port, "GET", "http://games.test/", headers=login("omar", "wrong-pass"))[0] == 407
        assert via_proxy(proxy.port, "GET", "http://games.test/", headers=login("omar", "omar-pass-1"))[0] == 200
        status, headers, _ = via_proxy(proxy.port, "GET", "http://games.test/", headers=login("yasmine", "yasmine-pass"))
        assert status == 403 and headers["x-salama"] == "blocked"
    finally:
        proxy.stop()
        rt.close()
        site.close()


@pytest.mark.parametrize("args, message", [
    (["add", "bad name!"], "a login is"),
    (["add", "omar", "--password", "short"], "at least 8"),
    (["remove", "ghost"], "no proxy logins yet"),
])
def test_bad_logins_are_clear_errors(home, capsys, args, message):
    assert main(["proxy-user", *args, "--home", str(home.root)]) == 2
    assert message in capsys.readouterr().err


def test_a_password_bcrypt_cannot_read_whole_is_refused(home, capsys):
    assert main(["proxy-user", "add", "omar", "--password", "é" * 37, "--home", str(home.root)]) == 2
    assert "at most 72 bytes" in capsys.readouterr().err
    assert not home.proxy_users_path.exists()


def test_a_damaged_logins_file_is_named_with_its_line(home, capsys):
    assert main(["proxy-user", "add", "omar", "--password", "omar-pass-1", "--home", str(home.root)]) == 0
    with home.proxy_users_path.open("a") as f:
        f.write("no colon here\n")
    assert main(["proxy-user", "list", "--home", str(home.root)]) == 2
    assert f"{home.proxy_users_path}:2: not a 'name:hash' line" in capsys.readouterr().err


def test_old_hashes_are_listed_with_what_to_do(home, capsys):
    home.ensure()
    home.proxy_users_path.write_text("omar:$5$rounds=535000$abc$def\n")
    assert main(["proxy-user", "list", "--home", str(home.root)]) == 0
    assert "omar  (old hash: run 'salama proxy-user add omar' again)" in capsys.readouterr().out
    assert main(["proxy-user", "add", "omar", "--password", "omar-pass-1", "--home", str(home.root)]) == 0
    assert home.proxy_users_path.read_text().startswith("omar:$2b$")
