"""Deployment modes (docs/deployment.md): the PAC file in a JavaScript engine,
transparent-mode firewall rules, the systemd unit, the CA commands, the
WireGuard mode and its dashboard page, local mode.  Only 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from dashboard import create_app
from rules.policy import DEFAULT_POLICY_PATH
from salama.bootstrap import ensure_ca
from salama.cli import main
from salama.commands.deploy import systemd_unit
from storage.accounts import AccountStore
from storage.database import open_engine
from tests.test_dashboard import login, run_pac

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


# --- explicit proxy: PAC and WPAD in a JavaScript engine -----------------------------------------


def owner_app(home, **config):
    AccountStore(open_engine(home.database_url)).create("parent", "secret-pass", "owner")
    return create_app(home=home.root, config={"TESTING": True, **config})


def test_pac_and_wpad_are_javascript_that_names_the_proxy(home):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: no JavaScript engine to evaluate the PAC file")
    client = owner_app(home, SALAMA_PROXY_PORT=3128).test_client()
    for path in ("/proxy.pac", "/wpad.dat"):
        pac = client.get(path, base_url="http://192.168.1.10:8081").get_data(as_text=True)
        subprocess.run(["node", "--check", "-"], input=pac, text=True, check=True, timeout=30)
        assert run_pac(pac, "https://www.example.org/page", "www.example.org") == "PROXY 192.168.1.10:3128"
        assert run_pac(pac, "http://192.168.1.10:8081/", "192.168.1.10") == "DIRECT"  # the dashboard itself


class RecordingProxy:
    """A stand-in proxy on 127.0.0.1 that answers every request and remembers its target."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)  # the absolute URL a browser sends to a proxy
                body = b"<title>through the proxy</title>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.browser
def test_chromium_follows_the_pac_file(home):
    """Chromium's own PAC engine (--proxy-pac-url) sends web addresses to the named
    proxy and local names directly."""
    from playwright.sync_api import Error as PlaywrightError

    from tests.browser import browser_page, serve_app

    proxy = RecordingProxy()
    app = owner_app(home, SALAMA_PROXY_ADDRESS=f"127.0.0.1:{proxy.port}")
    try:
        with serve_app(app) as dashboard, browser_page(extra_args=(f"--proxy-pac-url={dashboard}/proxy.pac",)) as page:
            page.goto("http://school.test/homework")
            assert page.title() == "through the proxy"
            with pytest.raises(PlaywrightError):
                page.goto("http://printer/", timeout=15000)  # DIRECT: no such name here
    finally:
        proxy.close()
    assert "http://school.test/homework" in proxy.seen
    assert not [url for url in proxy.seen if "printer" in url]


# --- phones: WireGuard mode ----------------------------------------------------------------------


def make_runtime(home):
    """The proxy's engines on the default policy, without the model (not needed here)."""
    from proxy.runtime import Runtime

    shutil.copyfile(DEFAULT_POLICY_PATH, home.policy_path)
    return Runtime(policy_path=home.policy_path, index_path=home.index_path, model_dir=home.model_dir,
                   database_url=home.database_url, status_dir=home.root, use_model=False)


def free_udp_port() -> int:
    """A free UDP port on 127.0.0.1; skips the test where the sandbox forbids UDP sockets."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"cannot listen on UDP 127.0.0.1 here: {exc}")


def test_wireguard_mode_starts_and_the_owner_page_shows_its_configuration(home):
    from dashboard.wireguard import qr_svg

    udp_port = free_udp_port()
    printed = asyncio.run(wireguard_client_config(home, udp_port))
    keys = json.loads((home.ca_dir / "wireguard.conf").read_text())
    assert set(keys) == {"server_key", "client_key"}
    assert f"PrivateKey = {keys['client_key']}" in printed and f"Endpoint = 127.0.0.1:{udp_port}" in printed

    app = owner_app(home)
    AccountStore(open_engine(home.database_url)).create("teacher", "secret-pass", "viewer")
    page_path = f"/setup/wireguard?endpoint=127.0.0.1:{udp_port}"
    assert app.test_client().get(page_path).status_code == 302  # to the login page
    viewer = app.test_client()
    login(viewer, "teacher")
    assert viewer.get(page_path).status_code == 403
    owner = app.test_client()
    login(owner)
    response = owner.get(page_path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert f'<pre dir="ltr">{printed}</pre>' in html  # the dashboard writes what mitmproxy printed
    assert qr_svg(printed) in html and qr_svg(printed).startswith("<svg")
    assert 'href="/setup/wireguard"' in html  # the owner's navigation


async def wireguard_client_config(home, udp_port: int) -> str:
    """Start Salama's proxy in WireGuard mode on 127.0.0.1 (as `salama run --mode wireguard`
    does) and return the client configuration mitmproxy prints at start-up."""
    from proxy.server import ProxySettings, build_master

    runtime = make_runtime(home)
    settings = ProxySettings(listen_host="127.0.0.1", listen_port=udp_port, confdir=home.ca_dir,
                             modes=["wireguard"], quiet=True)
    master = build_master(settings, runtime)
    running = asyncio.create_task(master.run())
    try:
        [server] = await started_servers(master)
        return server.client_conf()
    finally:
        master.shutdown()
        await asyncio.wait_for(running, 30)
        runtime.close()


async def started_servers(master, timeout: float = 30) -> list:
    servers = master.addons.get("proxyserver").servers
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(servers) and not servers.is_updating and all(s.is_running for s in servers):
            return list(servers)
        await asyncio.sleep(0.05)
    raise AssertionError("the WireGuard server did not start (see the log above)")


def test_wireguard_page_before_the_mode_ran_and_with_a_bad_address(home):
    client = owner_app(home).test_client()
    login(client)
    html = client.get("/setup/wireguard").get_data(as_text=True)
    assert "--mode wireguard" in html and "<svg" not in html
    response = client.get("/setup/wireguard?endpoint=no%20port")
    assert response.status_code == 400 and "host:port" in response.get_data(as_text=True)
    (home.ca_dir / "wireguard.conf").write_text('{"server_key": "short", "client_key": "x"}')
    response = client.get("/setup/wireguard")
    assert response.status_code == 500 and "cannot be read" in response.get_data(as_text=True)


def test_wireguard_public_key_matches_mitmproxy():
    mitmproxy_rs = pytest.importorskip("mitmproxy_rs")
    from dashboard.wireguard import public_key

    key = mitmproxy_rs.wireguard.genkey()
    assert public_key(key) == mitmproxy_rs.wireguard.pubkey(key)


# --- a single computer: local mode ---------------------------------------------------------------


async def test_local_mode_is_accepted(home):
    """Only the option: capturing this machine's traffic is not a test's business."""
    from mitmproxy.exceptions import OptionsError

    from proxy.server import ProxySettings, build_master

    runtime = make_runtime(home)
    try:
        master = build_master(ProxySettings(listen_port=0, confdir=home.ca_dir, modes=["local"]), runtime)
        assert master.options.mode == ["local"]
        with pytest.raises(OptionsError):
            master.options.update(mode=["no-such-mode"])
    finally:
        runtime.close()
