"""`salama ca show` and `salama ca rotate`: the installation's own certificate authority.

Each installation makes its own CA (`salama init`, in the home's `ca/`
folder, mitmproxy's file names).  Devices trust it so that the filter can
read HTTPS pages.  Rotating it moves the old files aside (kept, dated, in
`ca/retired/`) and makes a new CA, which every device must then install again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from salama.bootstrap import CA_CERTIFICATE, ensure_ca
from salama.commands import add_home_argument
from salama.home import Home


def register(sub) -> None:
    p = sub.add_parser("ca", help="show or replace the certificate authority devices trust",
                       description="The installation's own certificate authority (CA), which devices "
                       "install so that Salama can check secure (HTTPS) pages.")
    ca_sub = p.add_subparsers(dest="ca_command", metavar="ACTION", required=True)
    s = ca_sub.add_parser("show", help="certificate path, SHA-256 fingerprint and expiry")
    add_home_argument(s)
    s.set_defaults(func=cmd_show)
    r = ca_sub.add_parser("rotate", help="retire the CA and make a new one (every device must install it again)",
                          description="Move the current CA aside (ca/retired/<time>/) and create a new one. "
                          "Restart Salama afterwards, and install the new certificate on every device.")
    add_home_argument(r)
    r.set_defaults(func=cmd_rotate)


@dataclass(frozen=True)
class CaInfo:
    path: Path
    subject: str
    sha256: str  # colon-separated upper-case hex, as browsers and OSes show it
    not_after: datetime.datetime


def ca_info(home: Home) -> CaInfo:
    path = home.ca_dir / CA_CERTIFICATE
    if not path.is_file():
        raise ValueError(f"no certificate at {path}: run `salama init` first")
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return CaInfo(path=path, subject=cert.subject.rfc4514_string(),
                  sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
                  not_after=cert.not_valid_after_utc)


def print_info(info: CaInfo) -> None:
    print(f"certificate: {info.path}")
    print(f"subject: {info.subject}")
    print(f"SHA-256 fingerprint: {info.sha256}")
    print(f"expires: {info.not_after:%Y-%m-%d %H:%M} UTC")


def cmd_show(args) -> int:
    print_info(ca_info(Home.resolve(args.home)))
    return 0


def retire_ca(home: Home, now: datetime.datetime) -> Path:
    """Move the CA's files (certificate and key, every format) into a dated folder."""
    files = sorted(home.ca_dir.glob("mitmproxy-ca*"))
    if not files:
        raise ValueError(f"no CA in {home.ca_dir}: run `salama init` first")
    (home.ca_dir / "retired").mkdir(mode=0o700, exist_ok=True)
    retired = home.ca_dir / "retired" / now.strftime("%Y%m%dT%H%M%S.%fZ")
    retired.mkdir(mode=0o700)
    for f in files:
        f.rename(retired / f.name)
    return retired


def cmd_rotate(args) -> int:
    home = Home.resolve(args.home)
    old = ca_info(home)
    retired = retire_ca(home, datetime.datetime.now(datetime.timezone.utc))
    ensure_ca(home)
    print(f"old CA (SHA-256 {old.sha256}) moved to {retired}")
    print_info(ca_info(home))
    print("Restart Salama (salama run, or systemctl restart salama) so that the proxy uses the new CA.")
    print("Then install the new certificate on every device again (dashboard: /device-setup/) "
          "and remove the old one: until then those devices will refuse secure pages.")
    return 0
