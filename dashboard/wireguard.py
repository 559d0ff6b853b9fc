"""Phones and tablets through WireGuard: the client configuration as text and QR code.

`salama run --mode wireguard` makes mitmproxy keep two key pairs, its own
and the client's, in `wireguard.conf` in the home's CA folder (JSON:
`server_key`, `client_key`), and print the client's configuration once at
start-up.  This page writes the same configuration from that file (the
dashboard never talks to mitmproxy) for the address the phone must reach:
by default the proxy's address as the set-up pages give it (Salama's
WireGuard mode listens on the proxy port, over UDP), or the `host:port`
the owner types.  Owners only: the text holds the client's private key.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from dashboard.access import home, owner_required
from dashboard.device_setup import HOST_PORT, proxy_address

bp = Blueprint("wireguard", __name__)

#: mitmproxy's file name for the WireGuard mode's keys, in its confdir.
KEYS_FILE = "wireguard.conf"


class KeysError(ValueError):
    """wireguard.conf is missing or not what mitmproxy writes."""


def public_key(private_key: str) -> str:
    """The WireGuard (X25519) public key of a base64 private key, as `wg pubkey` prints it."""
    try:
        raw = base64.b64decode(private_key, validate=True)
        key = X25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise KeysError(f"not a WireGuard key: {exc}") from None
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def read_keys(path: Path) -> tuple[str, str]:
    """(server private key, client private key) from mitmproxy's wireguard.conf."""
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
        return keys["server_key"], keys["client_key"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeysError(f"{path} is not mitmproxy's WireGuard key file: {exc!r}") from None


def client_config(server_key: str, client_key: str, endpoint: str) -> str:
    """The client configuration, line for line as mitmproxy prints it: the tunnel
    carries all IPv4 traffic, and mitmproxy answers DNS at 10.0.0.53."""
    return "\n".join([
        "[Interface]",
        f"PrivateKey = {client_key}",
        "Address = 10.0.0.1/32",
        "DNS = 10.0.0.53",
        "",
        "[Peer]",
        f"PublicKey = {public_key(server_key)}",
        "AllowedIPs = 0.0.0.0/0",
        f"Endpoint = {endpoint}",
    ])


def qr_svg(text: str) -> str:
    """An inline SVG QR code; dark on white whatever the page's colours, so phones can scan it."""
    return segno.make(text, error="l", micro=False).svg_inline(scale=4, border=4, dark="#000", light="#fff")


def default_endpoint() -> str:
    host, port = proxy_address()
    return f"{host}:{port}"


@bp.get("/setup/wireguard")
@owner_required
def index():
    endpoint = request.args.get("endpoint", "").strip() or default_endpoint()
    keys_path = home().ca_dir / KEYS_FILE
    config = svg = damaged = None
    error = None if HOST_PORT.match(endpoint) else _("Write the address as host:port, for example 192.168.1.10:8080.")
    if error is None and keys_path.exists():
        try:
            config = client_config(*read_keys(keys_path), endpoint)
            svg = qr_svg(config)
        except KeysError as exc:
            damaged = str(exc)
    page = render_template("wireguard.html", endpoint=endpoint, error=error, damaged=damaged,
                           config=config, qr_svg=svg)
    status = 400 if error else 500 if damaged else 200
    # The private key must not stay in a browser or proxy cache.
    return page, status, {"Cache-Control": "no-store"}
