"""`salama deploy`: the system files a gateway or a server needs, printed for review.

`transparent-rules` renders the firewall rules that send a LAN's web traffic
to Salama's transparent mode (nftables by default, or iptables);
`systemd-unit` renders the service file that runs Salama as an unprivileged
user.  Nothing is applied: the text goes to standard output, for the
administrator to read and install (docs/deployment.md).
"""

from __future__ import annotations

import re
import shlex

DEFAULT_PROXY_PORT = 8080
DEFAULT_DASHBOARD_PORT = 8081
DEFAULT_USER = "salama"
DEFAULT_HOME = "/var/lib/salama"
DEFAULT_EXECUTABLE = "/opt/salama/bin/salama"

# Linux interface names: at most 15 characters, no slash or space.  Anything
# else could smuggle extra words into a rule.
INTERFACE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def register(sub) -> None:
    p = sub.add_parser("deploy", help="print firewall rules and a systemd unit for a gateway or server",
                       description="Print the system files a deployment needs (nothing is applied). "
                       "See docs/deployment.md.")
    deploy_sub = p.add_subparsers(dest="deploy_command", metavar="WHAT", required=True)

    r = deploy_sub.add_parser("transparent-rules", help="rules that redirect a LAN's web traffic to the proxy",
                              description="Firewall rules for transparent mode: TCP 80 and 443 arriving on the LAN "
                              "interface go to the proxy port; UDP 443 (QUIC) is dropped so that browsers fall "
                              "back to TCP, which the filter sees.")
    r.add_argument("--interface", required=True, metavar="IFACE", help="the LAN interface the children's devices are on")
    r.add_argument("--proxy-port", type=int, default=DEFAULT_PROXY_PORT, metavar="N",
                   help=f"Salama's proxy port (default {DEFAULT_PROXY_PORT})")
    syntax = r.add_mutually_exclusive_group()
    syntax.add_argument("--nft", dest="syntax", action="store_const", const="nft", help="nftables (the default)")
    syntax.add_argument("--iptables", dest="syntax", action="store_const", const="iptables",
                        help="iptables and ip6tables commands")
    r.set_defaults(syntax="nft", func=cmd_transparent_rules)

    u = deploy_sub.add_parser("systemd-unit", help="a systemd service running Salama as an unprivileged user",
                              description="A systemd unit that runs `salama run` as an unprivileged user whose "
                              "home is the Salama home; the rest of the file system is read-only to it.")
    u.add_argument("--user", default=DEFAULT_USER, metavar="NAME", help=f"system user (default {DEFAULT_USER})")
    u.add_argument("--home", default=DEFAULT_HOME, metavar="DIR", help=f"Salama home (default {DEFAULT_HOME})")
    u.add_argument("--executable", default=DEFAULT_EXECUTABLE, metavar="PATH",
                   help=f"the installed salama command (default {DEFAULT_EXECUTABLE})")
    u.add_argument("--mode", action="append", default=None, metavar="MODE",
                   help="mitmproxy mode passed to salama run (default: transparent); repeatable")
    u.add_argument("--listen-host", default="0.0.0.0", metavar="H",
                   help="address of the proxy and dashboard (default 0.0.0.0; prefer the LAN address)")
    u.add_argument("--proxy-port", type=int, default=DEFAULT_PROXY_PORT, metavar="N")
    u.add_argument("--dashboard-port", type=int, default=DEFAULT_DASHBOARD_PORT, metavar="N")
    u.set_defaults(func=cmd_systemd_unit)


def check_interface(interface: str) -> str:
    if not INTERFACE.match(interface):
        raise ValueError(f"not a network interface name: {interface!r}")
    return interface


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise ValueError(f"not a port number: {port}")
    return port


def kernel_settings() -> list[str]:
    """What transparent mode needs from the kernel (mitmproxy's own advice):
    routing on, and no ICMP redirects telling clients to bypass the gateway."""
    return [
        "sysctl -w net.ipv4.ip_forward=1",
        "sysctl -w net.ipv6.conf.all.forwarding=1",
        "sysctl -w net.ipv4.conf.all.send_redirects=0",
    ]


def rules_header(interface: str, proxy_port: int) -> list[str]:
    return [
        f"# Salama transparent mode: web traffic arriving on {interface} goes to the proxy on port {proxy_port}.",
        f"# Run Salama with: salama run --mode transparent --listen-host 0.0.0.0 --proxy-port {proxy_port}",
        "# QUIC (HTTP/3 over UDP 443) is dropped: browsers then fall back to TCP, which the filter sees.",
    ]


def nftables_rules(interface: str, proxy_port: int) -> str:
    """An `nft -f` file; loading it again replaces Salama's table, nothing else."""
    iface = check_interface(interface)
    port = check_port(proxy_port)
    lines = ["#!/usr/sbin/nft -f", *rules_header(iface, port),
             "# Kernel settings (run once, or put them in /etc/sysctl.d/salama.conf):",
             *(f"#   {s}" for s in kernel_settings()),
             "",
             "table inet salama",
             "delete table inet salama",
             "table inet salama {",
             "    chain prerouting {",
             "        type nat hook prerouting priority dstnat; policy accept;",
             f'        iifname "{iface}" tcp dport {{ 80, 443 }} redirect to :{port}',
             "    }",
             "    chain forward {",
             "        type filter hook forward priority filter; policy accept;",
             f'        iifname "{iface}" udp dport 443 drop',
             "    }",
             "}"]
    return "\n".join(lines) + "\n"


def iptables_rules(interface: str, proxy_port: int) -> str:
    """A shell script of iptables and ip6tables commands, each rule tagged `salama`
    so that `iptables-save | grep salama` finds them again."""
    iface = check_interface(interface)
    port = check_port(proxy_port)
    tag = "-m comment --comment salama"
    lines = ["#!/bin/sh", *rules_header(iface, port), "set -e", *kernel_settings()]
    for command in ("iptables", "ip6tables"):
        lines += [
            f"{command} -t nat -A PREROUTING -i {iface} -p tcp -m multiport --dports 80,443 {tag} "
            f"-j REDIRECT --to-ports {port}",
            f"{command} -A FORWARD -i {iface} -p udp --dport 443 {tag} -j DROP",
        ]
    return "\n".join(lines) + "\n"


RENDERERS = {"nft": nftables_rules, "iptables": iptables_rules}


def cmd_transparent_rules(args) -> int:
    print(RENDERERS[args.syntax](args.interface, args.proxy_port), end="")
    return 0


def systemd_unit(user: str = DEFAULT_USER, home: str = DEFAULT_HOME, executable: str = DEFAULT_EXECUTABLE,
                 modes: list[str] | None = None, listen_host: str = "0.0.0.0",
                 proxy_port: int = DEFAULT_PROXY_PORT, dashboard_port: int = DEFAULT_DASHBOARD_PORT) -> str:
    """The service file.  With the redirect rules the proxy needs no capability:
    its ports are above 1024 and reading a redirected connection's original
    address (SO_ORIGINAL_DST) is not privileged."""
    if not USER_NAME.match(user):
        raise ValueError(f"not a system user name: {user!r}")
    if not home.startswith("/") or any(c.isspace() for c in home):
        raise ValueError(f"the home must be an absolute path without spaces: {home!r}")
    run = [executable, "run", "--home", home, "--listen-host", listen_host,
           "--proxy-port", str(check_port(proxy_port)), "--dashboard-port", str(check_port(dashboard_port))]
    for mode in modes or ["transparent"]:
        run += ["--mode", mode]
    return f"""\
# Salama as a system service.  Install: docs/deployment.md
# (salama deploy systemd-unit --help shows how to render it for another user or home).
[Unit]
Description=Salama parental-control filtering proxy and dashboard
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User={user}
Group={user}
Environment=SALAMA_HOME={home}
WorkingDirectory={home}
ExecStart={shlex.join(run)}
Restart=on-failure
RestartSec=5
UMask=0077

# Only the Salama home is writable; no privilege at all.
ProtectSystem=strict
ReadWritePaths={home}
ProtectHome={protect_home(home)}
PrivateTmp=yes
PrivateDevices=yes
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK

[Install]
WantedBy=multi-user.target
"""


def protect_home(home: str) -> str:
    """Hide users' homes, unless the Salama home is in one: then they are
    read-only and ReadWritePaths opens the Salama home alone."""
    inside_homes = any(home == d or home.startswith(d + "/") for d in ("/home", "/root", "/run/user"))
    return "read-only" if inside_homes else "yes"


def cmd_systemd_unit(args) -> int:
    print(systemd_unit(args.user, args.home, args.executable, args.mode, args.listen_host,
                       args.proxy_port, args.dashboard_port), end="")
    return 0
