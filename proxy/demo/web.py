"""The simulated web of the trainer's demo, served by Salama itself on 127.0.0.1.

Sites live in `proxy/demo/sites/<host>/`: `http://<host>/<page>` serves
`<page>.html`, `/` serves `index.html` and `/style.css` the site's style.  A POST to a page serves the
same page with the submitted form values written where the page has the
`<!--salama-demo:posted-->` marker, so the chat message or the form a child
sends shows on the page that comes back, as on a real site (and the proxy
sees it there).  Search-engine names (`www.google.com`, `www.bing.com`...)
answer with a results page over the demo sites that shows the query string
exactly as it arrived, so a safe-search parameter added by the proxy is
visible to the room.

One port speaks both HTTP and HTTPS (the first byte of a connection tells
which), because `salama run --resolve` maps a name to one address whatever
the scheme, and browsers always use HTTPS for the search engines.
"""

from __future__ import annotations

import html
import logging
import re
import socket
import ssl
import sys
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

log = logging.getLogger("salama.demo")

SITES_DIR = Path(__file__).resolve().parent / "sites"
POSTED_MARKER = "<!--salama-demo:posted-->"
MAX_FORM_BYTES = 64 * 1024
# A file name is one path segment of these characters, so a path can never leave SITES_DIR.
FILE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\.(html|css)")
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8"}

# Search engines the demo answers for, with the query parameter each uses and
# the parameters by which it is asked for safe results.
_GOOGLE = ("q", {"safe": ("active", "strict")})
_BING = ("q", {"adlt": ("strict",)})
_DUCKDUCKGO = ("q", {"kp": ("1",)})
SEARCH_ENGINES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "www.google.com": _GOOGLE,
    "google.com": _GOOGLE,
    "www.google.fr": _GOOGLE,
    "www.google.co.ma": _GOOGLE,
    "www.google.ml": _GOOGLE,
    "www.bing.com": _BING,
    "bing.com": _BING,
    "duckduckgo.com": _DUCKDUCKGO,
    "html.duckduckgo.com": _DUCKDUCKGO,
    "search.yahoo.com": ("p", {"vm": ("r",)}),
    "www.qwant.com": ("q", {"safesearch": ("2",)}),
    "search.brave.com": ("q", {"safesearch": ("strict",)}),
    "www.ecosia.org": ("q", {}),  # cannot be forced: a filter can only block it
}
# The engines' safe-search "lock" hosts: a proxy that forces safe search may
# connect there instead (keeping the Host header), so they must reach the demo too.
LOCK_HOSTS = ("forcesafesearch.google.com", "strict.bing.com", "safe.duckduckgo.com")


@lru_cache(maxsize=1)
def site_hosts() -> tuple[str, ...]:
    """The names of the demo sites (one folder each)."""
    return tuple(sorted(p.name for p in SITES_DIR.iterdir() if p.is_dir()))


def demo_hosts() -> tuple[str, ...]:
    """Every name the demo server answers for: the sites, the search engines and their lock hosts."""
    return site_hosts() + tuple(SEARCH_ENGINES) + LOCK_HOSTS


def host_of(header: str | None) -> str:
    """The bare, lower-case host name from a Host header ("Ecole.Demo:80" -> "ecole.demo")."""
    host = (header or "").strip().lower()
    if host.startswith("["):  # an IPv6 literal: not a demo name
        return host
    return host.rsplit(":", 1)[0].rstrip(".")


def site_file(host: str, path: str) -> Path | None:
    """The file behind host + path (`/x` and `/x.html` are x.html, `/` is
    index.html, `/style.css` the site's style sheet), or None: unknown hosts
    and any path that is not a single plain file name (dots, slashes,
    encoded tricks) get None."""
    if host not in site_hosts():
        return None
    name = unquote(urlsplit(path).path, errors="replace").strip("/") or "index"
    if "." not in name:
        name += ".html"
    if not FILE_NAME.fullmatch(name):
        return None
    file = SITES_DIR / host / name
    return file if file.is_file() else None


# ---------------------------------------------------------------- search

@dataclass(frozen=True)
class DemoPage:
    url: str
    title: str
    description: str


_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"', re.I)


@lru_cache(maxsize=1)
def catalogue() -> tuple[DemoPage, ...]:
    """Every demo page with its title and description, for the search engine."""
    pages = []
    for host in site_hosts():
        for file in sorted((SITES_DIR / host).glob("*.html")):
            text = file.read_text(encoding="utf-8")
            title, description = _TITLE.search(text), _DESCRIPTION.search(text)
            path = "/" if file.stem == "index" else f"/{file.stem}"
            pages.append(DemoPage(
                f"http://{host}{path}",
                html.unescape(title.group(1).strip()) if title else f"{host}{path}",
                html.unescape(description.group(1)) if description else "",
            ))
    return tuple(pages)


def folded(text: str) -> str:
    """Lower case without accents, so "Bourse d'études" matches "bourse etudes"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search(query: str) -> list[DemoPage]:
    """Demo pages sharing words with the query, best first."""
    words = {w for w in re.findall(r"\w+", folded(query)) if len(w) > 1}
    ranked = []
    for page in catalogue():
        text = set(re.findall(r"\w+", folded(f"{page.title} {page.description} {page.url}")))
        hits = len(words & text)
        if hits:
            ranked.append((-hits, page.url, page))
    return [page for *_, page in sorted(ranked)]


def safe_search_state(host: str, query_string: str) -> str | None:
    """The safe-search parameter present in the query string ("safe=active"), if any."""
    params = parse_qs(query_string)
    for name, values in SEARCH_ENGINES[host][1].items():
        for value in params.get(name, []):
            if value.lower() in values:
                return f"{name}={value}"
    return None


SEARCH_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:auto;padding:1rem;line-height:1.5;color:#222}"
    "input{width:70%;padding:.4rem}.received{background:#f4f4f4;padding:.5rem;border-radius:.4rem}"
    ".safe-on{color:#1b5e20;font-weight:bold}.safe-off{color:#b71c1c;font-weight:bold}"
    "li{margin:.7rem 0}.url{color:#1b5e20;font-size:.9rem}footer{margin-top:2rem;color:#777}"
)


def search_page(host: str, path: str, query_string: str) -> str:
    param = SEARCH_ENGINES[host][0]
    query = parse_qs(query_string).get(param, [""])[0].strip()
    results = search(query) if query else []
    items = "".join(
        f'<li><a href="{html.escape(p.url)}">{html.escape(p.title)}</a>'
        f'<br><span class="url">{html.escape(p.url)}</span><br>{html.escape(p.description)}</li>'
        for p in results
    )
    if query and not results:
        items = "<li>Aucun résultat – No results</li>"
    safe = safe_search_state(host, query_string)
    safe_line = (
        f'<p class="safe-on">SafeSearch : actif / on ({html.escape(safe)})</p>' if safe
        else '<p class="safe-off">SafeSearch : non demandé / not requested</p>'
    )
    received = html.escape(f"{path}?{query_string}" if query_string else path)
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(query or 'Recherche')} – moteur de recherche simulé</title>"
        f"<style>{SEARCH_STYLE}</style></head><body>"
        f"<h1>🔎 Moteur de recherche simulé ({html.escape(host)})</h1>"
        f'<form action="/search">'
        f'<input name="{param}" value="{html.escape(query)}"> <button>Rechercher / Search</button></form>'
        f'<p class="received">Requête reçue par le moteur / Query received: <code>{received}</code></p>'
        f"{safe_line}<ol>{items}</ol>"
        f"<footer><small>Moteur fictif de la démonstration Salama : il ne connaît que les sites de démonstration. "
        f"Rien ne quitte cet ordinateur.</small></footer></body></html>"
    )


# ---------------------------------------------------------------- pages

def with_posted(page: str, form: list[tuple[str, str]]) -> str:
    """The page with the submitted form values written at its marker."""
    values = "".join(f"<p>{html.escape(value)}</p>" for _, value in form if value.strip())
    return page.replace(POSTED_MARKER, values)


def directory_page() -> str:
    """What an unknown host or path gets: the list of demo sites."""
    links = "".join(f'<li><a href="http://{h}/">{h}</a></li>' for h in site_hosts())
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Web de démonstration Salama</title>'
        f"<style>{SEARCH_STYLE}</style></head><body><h1>Web de démonstration Salama</h1>"
        "<p>Cette page n'existe pas sur le web simulé. Les sites de démonstration / The demo sites:</p>"
        f"<ul>{links}</ul></body></html>"
    )


class DemoWebHandler(BaseHTTPRequestHandler):
    server_version = "SalamaDemoWeb"
    protocol_version = "HTTP/1.1"
    timeout = 30  # a silent client must not hold a thread for ever

    def do_GET(self) -> None:
        self._answer(form=None)

    def do_HEAD(self) -> None:
        self._answer(form=None, body=False)

    def do_POST(self) -> None:
        length = self.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_FORM_BYTES:
            self._send(413, directory_page())
            return
        raw = self.rfile.read(int(length)).decode("utf-8", "replace")
        self._answer(form=parse_qsl(raw, keep_blank_values=True))

    def _answer(self, form: list[tuple[str, str]] | None, body: bool = True) -> None:
        host = host_of(self.headers.get("host"))
        target = urlsplit(self.path)
        if host in SEARCH_ENGINES:
            self._send(200, search_page(host, target.path or "/", target.query), body)
            return
        file = site_file(host, self.path)
        if file is None:
            self._send(404, directory_page(), body)
            return
        page = file.read_text(encoding="utf-8")
        self._send(200, with_posted(page, form or []), body, CONTENT_TYPES[file.suffix])

    def _send(self, status: int, page: str, body: bool = True, content_type: str = CONTENT_TYPES[".html"]) -> None:
        data = page.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
        log.debug("demo web: " + format, *args)


def starts_with_tls(sock: socket.socket) -> bool:
    """Whether the client opened with a TLS handshake record (0x16)."""
    try:
        return sock.recv(1, socket.MSG_PEEK) == b"\x16"
    except OSError:
        return False


class DemoWebServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls_context: ssl.SSLContext | None = None):
        self.tls_context = tls_context
        super().__init__(("127.0.0.1", 0), DemoWebHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def finish_request(self, request, client_address) -> None:
        request.settimeout(DemoWebHandler.timeout)
        if self.tls_context is None or not starts_with_tls(request):
            super().finish_request(request, client_address)
            return
        with self.tls_context.wrap_socket(request, server_side=True) as tls:
            super().finish_request(tls, client_address)

    def handle_error(self, request, client_address) -> None:
        # Broken connections and failed handshakes are the client's business: note, never crash.
        log.debug("demo web: %s from %s", sys.exc_info()[1], client_address)

    def start(self) -> "DemoWebServer":
        threading.Thread(target=self.serve_forever, name="salama-demo-web", daemon=True).start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def tls_context(ca_dir: Path, hosts: tuple[str, ...]) -> ssl.SSLContext:
    """A server context with one certificate for every demo name, issued by the
    installation's CA, for the proxy's upstream TLS to https:// demo URLs."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from mitmproxy.certs import CertStore

    store = CertStore.from_store(ca_dir, "mitmproxy", 2048)
    entry = store.get_cert(hosts[0], [x509.DNSName(h) for h in hosts])
    key = entry.privatekey.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.set_alpn_protocols(["http/1.1"])
    with tempfile.TemporaryDirectory() as tmp:  # ssl loads certificates from files only
        pem = Path(tmp) / "demo.pem"
        pem.write_bytes(entry.cert.to_pem() + key)
        context.load_cert_chain(pem)
    return context
