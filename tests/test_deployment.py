"""Deployment modes (docs/deployment.md): the PAC file in a JavaScript engine,
transparent-mode firewall rules, the systemd unit, the CA commands, the
WireGuard mode and its dashboard page, local mode.  Only 127.0.0.1."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from salama.bootstrap import ensure_ca
from salama.cli import main
from salama.commands.deploy import systemd_unit

ROOT = Path(__file__).resolve().parents[1]


def salama(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def mode_bits(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- transparent mode: firewall rules ------------------------------------------------------------


def test_nftables_rules_redirect_web_traffic_and_drop_quic(capsys):
    status, rules, _ = salama(capsys, "deploy", "transparent-rules", "--interface", "lan0", "--proxy-port", "3128")
    assert status == 0
    assert 'iifname "lan0" tcp dport { 80, 443 } redirect to :3128' in rules
    assert 'iifname "lan0" udp dport 443 drop' in rules
    assert "type nat hook prerouting" in rules and "type filter hook forward" in rules
    assert salama(capsys, "deploy", "transparent-rules", "--interface", "lan0", "--nft")[1] == \
        salama(capsys, "deploy", "transparent-rules", "--interface", "lan0", "--proxy-port", "8080")[1]


def test_iptables_rules_cover_ipv4_and_ipv6(capsys):
    status, rules, _ = salama(capsys, "deploy", "transparent-rules", "--interface", "eth1", "--iptables")
    assert status == 0
    for command in ("iptables", "ip6tables"):
        assert (f"{command} -t nat -A PREROUTING -i eth1 -p tcp -m multiport --dports 80,443 "
                "-m comment --comment salama -j REDIRECT --to-ports 8080") in rules
        assert f"{command} -A FORWARD -i eth1 -p udp --dport 443 -m comment --comment salama -j DROP" in rules
    assert "sysctl -w net.ipv4.ip_forward=1" in rules


@pytest.mark.parametrize("interface", ["eth1; reboot", "a/b", "", "much-too-long-name0"])
def test_rules_refuse_a_bad_interface_name(capsys, interface):
    status, out, err = salama(capsys, "deploy", "transparent-rules", "--interface", interface)
    assert status == 2 and out == "" and "not a network interface name" in err


# --- systemd -------------------------------------------------------------------------------------


def test_systemd_unit_renders_and_matches_the_committed_file(capsys):
    status, unit, _ = salama(capsys, "deploy", "systemd-unit")
    assert status == 0
    assert unit == (ROOT / "docs" / "systemd" / "salama.service").read_text()
    for line in ("User=salama", "ProtectSystem=strict", "ReadWritePaths=/var/lib/salama", "Restart=on-failure",
                 "AmbientCapabilities=\n", "CapabilityBoundingSet=\n", "NoNewPrivileges=yes",
                 "ExecStart=/opt/salama/bin/salama run --home /var/lib/salama --listen-host 0.0.0.0 "
                 "--proxy-port 8080 --dashboard-port 8081 --mode transparent"):
        assert line in unit


def test_systemd_unit_for_another_user_home_and_mode(capsys):
    status, unit, _ = salama(capsys, "deploy", "systemd-unit", "--user", "filtre", "--home", "/home/filtre",
                             "--mode", "regular", "--mode", "wireguard")
    assert status == 0
    assert "User=filtre" in unit and "ReadWritePaths=/home/filtre" in unit
    assert "ProtectHome=read-only" in unit  # hiding /home would hide the Salama home too
    assert "--mode regular --mode wireguard" in unit
    assert salama(capsys, "deploy", "systemd-unit", "--home", "relative/dir")[0] == 2
    assert salama(capsys, "deploy", "systemd-unit", "--user", "Bad User")[0] == 2


def test_systemd_accepts_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the unit is checked as text only")
    executable = tmp_path / "salama"
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    unit = tmp_path / "salama.service"
    unit.write_text(systemd_unit(executable=str(executable)))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and str(unit) not in result.stderr, result.stderr


# --- certificates --------------------------------------------------------------------------------


def test_ca_is_private_and_shown(home, capsys):
    home.ca_dir.chmod(0o755)  # as an older version, or a careless copy, may have left it
    ensure_ca(home)
    assert mode_bits(home.ca_dir) == 0o700
    for key_file in ("mitmproxy-ca.pem", "mitmproxy-ca.p12"):
        assert mode_bits(home.ca_dir / key_file) == 0o600
    status, out, _ = salama(capsys, "ca", "show", "--home", str(home.root))
    assert status == 0
    assert f"certificate: {home.ca_dir / 'mitmproxy-ca-cert.pem'}" in out
    fingerprint = next(line for line in out.splitlines() if line.startswith("SHA-256 fingerprint: "))
    assert len(fingerprint.split(": ")[1].split(":")) == 32
    assert "expires: " in out


def test_ca_rotate_retires_the_old_ca_and_makes_a_new_one(home, capsys):
    ensure_ca(home)
    old_key = (home.ca_dir / "mitmproxy-ca.pem").read_bytes()
    old_show = salama(capsys, "ca", "show", "--home", str(home.root))[1]
    status, out, _ = salama(capsys, "ca", "rotate", "--home", str(home.root))
    assert status == 0
    assert "install the new certificate on every device" in out
    [retired] = (home.ca_dir / "retired").iterdir()
    assert (retired / "mitmproxy-ca.pem").read_bytes() == old_key
    assert mode_bits(home.ca_dir / "retired") == 0o700 and mode_bits(retired) == 0o700
    assert mode_bits(retired / "mitmproxy-ca.pem") == 0o600
    assert (home.ca_dir / "mitmproxy-ca.pem").read_bytes() != old_key
    assert mode_bits(home.ca_dir / "mitmproxy-ca.pem") == 0o600
    assert salama(capsys, "ca", "show", "--home", str(home.root))[1] != old_show


def test_ca_commands_without_a_ca_say_what_to_do(tmp_path, capsys):
    for action in ("show", "rotate"):
        status, _, err = salama(capsys, "ca", action, "--home", str(tmp_path / "empty"))
        assert status == 2 and "salama init" in err
