"""Setting up a device, open without login: a child's device must reach it.

One page per operating system explains how to send the device's web traffic
through Salama (the PAC file, or the proxy's address by hand) and how to trust
Salama's certificate, which lets the filter read secure (HTTPS) pages.
The certificate (never its key) is served from the home's CA folder.  The PAC
file is generated for the proxy's address: SALAMA_PROXY_ADDRESS ("host:port")
when set, else the host name this page was reached by, port 8080.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l

from dashboard.access import home, public

bp = Blueprint("device_setup", __name__)

DEFAULT_PROXY_PORT = 8080
PAC_CONTENT_TYPE = "application/x-ns-proxy-autoconfig"
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
HOST_PORT = re.compile(rf"^(?P<host>{_HOST}):(?P<port>[0-9]{{1,5}})$")
HOST = re.compile(rf"^{_HOST}$")

#: The certificate only, in the formats devices ask for (mitmproxy's names).
#: The CA's private key lives in the same folder and is never served.
CA_FILES = {
    "pem": ("mitmproxy-ca-cert.pem", "application/x-x509-ca-cert"),
    "cer": ("mitmproxy-ca-cert.cer", "application/x-x509-ca-cert"),
    "p12": ("mitmproxy-ca-cert.p12", "application/x-pkcs12"),
}


@dataclass(frozen=True)
class System:
    name: str
    certificate: str  # the CA_FILES format this system installs most easily
    proxy_steps: tuple
    certificate_steps: tuple


SYSTEMS = {
    "windows": System("Windows", "cer", (
        _l("Open Settings, then Network & Internet, then Proxy."),
        _l("Under Automatic proxy setup, turn on Use setup script, enter the PAC address above and save."),
        _l("Or, under Manual proxy setup, turn on Use a proxy server and enter the proxy address and port above."),
    ), (
        _l("Download the certificate (.cer) and open it."),
        _l("Choose Install Certificate, then Local Machine, then Place all certificates in the following store: Trusted Root Certification Authorities."),
        _l("Finish, accept the warning, and restart the browser."),
        _l("Firefox keeps its own list: Settings, Privacy & Security, Certificates, View Certificates, Authorities, Import."),
    )),
    "macos": System("macOS", "pem", (
        _l("Open System Settings, then Network, choose Wi-Fi or Ethernet, then Details, then Proxies."),
        _l("Turn on Automatic proxy configuration, enter the PAC address above, then OK."),
    ), (
        _l("Download the certificate (.pem) and open it: Keychain Access adds it to the System keychain."),
        _l("Double-click the certificate called mitmproxy, open Trust, and set When using this certificate to Always Trust."),
        _l("Close the window and confirm with your password."),
    )),
    "android": System("Android", "cer", (
        _l("Open Settings, then Network & internet, then Internet, and tap the gear beside your Wi-Fi network."),
        _l("Tap Edit, then Advanced options, then Proxy, and choose Proxy Auto-Config."),
        _l("Enter the PAC address above and save."),
    ), (
        _l("Download the certificate (.cer)."),
        _l("Open Settings, Security & privacy, More security settings, Encryption & credentials, Install a certificate, CA certificate."),
        _l("Tap Install anyway and choose the downloaded file."),
        _l("Chrome trusts it; many other apps trust only their own certificates and will not load through the filter."),
    )),
    "ios": System("iOS / iPadOS", "pem", (
        _l("Open Settings, then Wi-Fi, and tap the (i) beside your network."),
        _l("Tap Configure Proxy, choose Automatic, enter the PAC address above and save."),
    ), (
        _l("Open the certificate link (.pem) in Safari and allow the download of the profile."),
        _l("Open Settings, General, VPN & Device Management, choose the mitmproxy profile and install it."),
        _l("Then open Settings, General, About, Certificate Trust Settings, and turn on full trust for mitmproxy."),
    )),
    "chromeos": System("ChromeOS", "pem", (
        _l("Open Settings, then Network, choose your Wi-Fi network, then Proxy."),
        _l("Choose Automatic proxy configuration and enter the PAC address above."),
    ), (
        _l("Download the certificate (.pem)."),
        _l("Open Settings, Privacy and security, Security, Manage certificates, Authorities, then Import."),
        _l("Choose the file and tick Trust this certificate for identifying websites."),
    )),
    "linux": System("Linux", "pem", (
        _l("GNOME: open Settings, Network, Network Proxy, choose Automatic and enter the PAC address above."),
        _l("For command-line programs, set http_proxy and https_proxy to the proxy address above."),
    ), (
        _l("Download the certificate (.pem)."),
        _l("Debian, Ubuntu: copy it to /usr/local/share/ca-certificates/salama.crt and run: sudo update-ca-certificates"),
        _l("Chrome and Chromium: Settings, Privacy and security, Security, Manage certificates, Authorities, Import."),
        _l("Firefox keeps its own list: Settings, Privacy & Security, Certificates, View Certificates, Authorities, Import."),
    )),
}


def _check_proxy_address(state) -> None:
    configured = state.app.config.get("SALAMA_PROXY_ADDRESS")
    if configured and not HOST_PORT.match(configured):
        raise ValueError(f"SALAMA_PROXY_ADDRESS must be host:port, not {configured!r}")


bp.record_once(_check_proxy_address)


def request_host_name() -> str:
    """The host name this request was addressed to, without its port; 400 when it is not a host name."""
    name = urlsplit("//" + request.host).hostname or ""
    name = f"[{name}]" if ":" in name else name
    if not HOST.match(name):
        abort(400)
    return name


def proxy_address() -> tuple[str, int]:
    configured = current_app.config.get("SALAMA_PROXY_ADDRESS")
    if configured:
        match = HOST_PORT.match(configured)
        return match["host"], int(match["port"])
    return request_host_name(), int(current_app.config.get("SALAMA_PROXY_PORT") or DEFAULT_PROXY_PORT)


def _available_certificates() -> list[str]:
    return [fmt for fmt, (name, _) in CA_FILES.items() if (home().ca_dir / name).is_file()]


def _page(system: str | None):
    host, port = proxy_address()
    return render_template("device_setup.html", systems=SYSTEMS, slug=system,
                           system=SYSTEMS.get(system or ""), proxy_host=host, proxy_port=port,
                           pac_url=url_for("device_setup.pac", _external=True),
                           certificates=_available_certificates())


@bp.get("/device-setup/")
@public
def index():
    return _page(None)


@bp.get("/device-setup/<system>")
@public
def system_page(system: str):
    if system not in SYSTEMS:
        abort(404)
    return _page(system)


@bp.get("/ca/salama-ca.<fmt>")
@public
def certificate(fmt: str):
    if fmt not in CA_FILES:
        abort(404)
    name, mimetype = CA_FILES[fmt]
    path = home().ca_dir / name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=f"salama-ca.{fmt}", max_age=0)


@bp.get("/proxy.pac")
@bp.get("/wpad.dat", endpoint="wpad")
@public
def pac():
    """Everything through the proxy except this dashboard and local names; no DIRECT fallback."""
    host, port = proxy_address()
    body = render_template("proxy.pac", proxy=f"PROXY {host}:{port}", proxy_host=host.strip("[]"),
                           dashboard_host=request_host_name().strip("[]"))
    return Response(body, mimetype=PAC_CONTENT_TYPE, headers={"Cache-Control": "no-cache"})
