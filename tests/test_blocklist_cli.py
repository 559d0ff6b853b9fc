"""`salama blocklist` import/update/list/check, called through its own argument parser."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from salama.commands import blocklist


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="salama")
    blocklist.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["blocklist", *argv])
    return args.func(args)


def check(home, url: str, *extra: str, capsys) -> dict:
    assert run("check", "--home", str(home), "--json", url, *extra) == 0
    return json.loads(capsys.readouterr().out)


def test_check_works_on_a_fresh_home_with_the_default_lists(tmp_path, capsys):
    assert check(tmp_path, "https://www.PornHub.com./video", capsys=capsys) == {
        "verdict": "block", "category": "sexual", "source": "salama-default", "rule": "pornhub.com"}
    assert check(tmp_path, "https://example.com/", capsys=capsys) == {
        "verdict": "allow", "category": None, "source": None, "rule": None}
    assert check(tmp_path, "https://dns.google/dns-query", "--category", "sexual", capsys=capsys)["verdict"] == "allow"
    assert not (tmp_path / "lists" / "index.bin").exists()


def test_check_without_json_says_why(tmp_path, capsys):
    run("check", "--home", str(tmp_path), "https://www-bet365-com.translate.goog/")
    assert capsys.readouterr().out.strip() == (
        "block: gambling by list 'salama-default', rule bet365.com (https://bet365.com/)")


def test_check_refuses_what_is_not_an_address(tmp_path):
    with pytest.raises(ValueError, match="not a web address"):
        run("check", "--home", str(tmp_path), "javascript:alert(1)")


def test_import_list_update_and_check(tmp_path, capsys):
    home = tmp_path / "home"
    family = tmp_path / "family-hosts.txt"
    family.write_text("# the family's list\n0.0.0.0 casino.example\n0.0.0.0 bad_host!.example\nnot-a-hosts-line\n")
    assert run("import", "--home", str(home), str(family), "--category", "gambling") == 0
    captured = capsys.readouterr()
    assert "Imported 'family-hosts-txt' (hosts): gambling 1" in captured.out
    assert f"{family}:3: not a valid host name" in captured.err
    assert f"{family}:4: expected 'IP host" in captured.err

    assert check(home, "http://www.casino.example/", capsys=capsys) == {
        "verdict": "block", "category": "gambling", "source": "family-hosts-txt", "rule": "casino.example"}

    assert run("list", "--home", str(home), "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in listed["sources"]]
    assert names == ["salama-default", "family-hosts-txt"]
    assert listed["sources"][1]["counts"] == {"gambling": 1}
    assert listed["sources"][1]["last_update"]

    assert run("list", "--home", str(home)) == 0
    assert "family-hosts-txt  [hosts]  gambling 1" in capsys.readouterr().out

    assert run("update", "--home", str(home)) == 0
    assert capsys.readouterr().out.strip() == "family-hosts-txt: unchanged (not modified)"


def test_update_reports_failures_with_exit_status_1(tmp_path, capsys):
    family = tmp_path / "list.txt"
    family.write_text("casino.example\n")
    run("import", "--home", str(tmp_path), str(family), "--category", "gambling")
    family.unlink()
    capsys.readouterr()
    assert run("update", "--home", str(tmp_path)) == 1
    assert "list-txt: failed" in capsys.readouterr().out


def test_import_errors_are_user_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file or folder"):
        run("import", "--home", str(tmp_path), str(tmp_path / "missing.txt"), "--category", "sexual")
    flat = tmp_path / "list.txt"
    flat.write_text("example.com\n")
    with pytest.raises(ValueError, match="needs --category"):
        run("import", "--home", str(tmp_path), str(flat))
    with pytest.raises(ValueError, match="invalid category"):
        run("import", "--home", str(tmp_path), str(flat), "--category", "Bad Name")


def test_the_progress_bar_only_draws_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, loud = io.StringIO(), Terminal()
    for stream in (quiet, loud):
        with blocklist.TerminalProgress(stream) as progress:
            progress("downloading list", 2**20, 2**21)
    assert quiet.getvalue() == ""
    assert "downloading list [###############...............]  50% 1.0 MB of 2.0 MB" in loud.getvalue()
