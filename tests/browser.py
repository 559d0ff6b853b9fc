"""A small harness for browser tests: Debian's Chromium, driven by Playwright.

- `browser_page()` opens a page in a fresh headless Chromium (its own
  temporary profile), optionally with its traffic sent through a proxy and a
  CA trusted by its SPKI hash (`--ignore-certificate-errors-spki-list`), as
  tests through the Salama proxy need.
- `spki_hash()` computes that hash from a CA certificate (PEM).
- `serve_app()` serves a WSGI application (the dashboard) on 127.0.0.1 in a
  thread, for as long as the `with` block lasts.

A test using them is skipped, with the reason, when /usr/bin/chromium or the
playwright package is missing.  Never run `playwright install`: the browser
is Debian's package (`apt-get install chromium`), nothing is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")
DESKTOP = (1280, 800)
PHONE = (390, 844)


def require_browser() -> None:
    """Skip the calling test unless Debian's Chromium and playwright are both here."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is missing (pip install playwright; no `playwright install`)")


def spki_hash(cert_pem: bytes | str | Path) -> str:
    """Base64 SHA-256 of a certificate's SubjectPublicKeyInfo, for --ignore-certificate-errors-spki-list."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    data = Path(cert_pem).read_bytes() if isinstance(cert_pem, Path) else cert_pem
    cert = x509.load_pem_x509_certificate(data.encode() if isinstance(data, str) else data)
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@contextmanager
def browser_page(proxy_server: str | None = None, ca_spki: str | None = None, *, viewport: tuple[int, int] = DESKTOP,
                 locale: str = "en-US", extra_args: tuple[str, ...] = ()) -> Iterator:
    """A Playwright page in a fresh headless Chromium, closed with the `with` block.

    proxy_server: e.g. "http://127.0.0.1:8080" (Chromium still bypasses
    loopback addresses unless extra_args has "--proxy-bypass-list=<-loopback>").
    ca_spki: `spki_hash()` of a CA whose certificates Chromium must accept.
    locale: sets the browser's Accept-Language.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    args = list(CHROMIUM_ARGS) + list(extra_args)
    if proxy_server:
        args.append(f"--proxy-server={proxy_server}")
    if ca_spki:
        args.append(f"--ignore-certificate-errors-spki-list={ca_spki}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
            yield context.new_page()
        finally:
            browser.close()


@contextmanager
def serve_app(app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args) -> None:  # one line per request drowns a test's output
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
