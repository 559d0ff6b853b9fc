"""A local web site with a realistic mix of responses, for the proxy benchmark.

Serves, on 127.0.0.1 over HTTP/1.1 with keep-alive (stdlib ThreadingHTTPServer):

- /small      a 1 KB HTML page
- /page30k    a 30 KB HTML article
- /page2m     a 2 MB HTML page (a long forum thread)
- /image      a 40 KB JPEG-like binary
- /download   an 8 MB binary, written in 64 KB chunks (it must stream through)

Pages are built from fixed seeds, so every run serves the same bytes.  Run it
as its own process (`python bench/upstream_mix.py`): it prints its port on
the first line of stdout and serves until killed, so that its Python threads
never compete with the load generator's for one interpreter lock.
"""

from __future__ import annotations

import argparse
import random
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024
DOWNLOAD_BYTES = 8 * 1024 * 1024

_WORDS = (
    "the school homework garden river football music library teacher friends weekend holiday science "
    "history map city market bread family football team match goal summer train station museum book "
    "la maison ecole devoirs jardin riviere musique bibliotheque professeur amis semaine vacances "
    "histoire carte ville marche pain famille equipe but ete gare musee livre cuisine recette"
).split()


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def html_page(size: int, seed: int) -> bytes:
    """An HTML page of about `size` bytes: headings, paragraphs, links, a little markup noise."""
    rng = random.Random(seed)
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>",
             paragraph(rng, 6), "</title></head><body><nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"]
    length = sum(map(len, parts))
    while length < size:
        block = (f"<h2>{paragraph(rng, 5)}</h2><div class='post'><p>{paragraph(rng, 60)}</p>"
                 f"<p><a href='/item/{rng.randrange(10**6)}'>{paragraph(rng, 3)}</a></p></div>")
        parts.append(block)
        length += len(block)
    parts.append("</body></html>")
    return "".join(parts).encode()


def build_pages() -> dict[str, tuple[str, bytes]]:
    html = "text/html; charset=utf-8"
    return {
        "/small": (html, html_page(1024, 1)),
        "/page30k": (html, html_page(30 * 1024, 2)),
        "/page2m": (html, html_page(2 * 1024 * 1024, 3)),
        "/image": ("image/jpeg", b"\xff\xd8\xff\xe0" + random.Random(4).randbytes(40 * 1024)),
    }


def make_handler(pages: dict[str, tuple[str, bytes]]):
    filler = random.Random(5).randbytes(CHUNK)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: with Nagle on, each response would wait
        # for the proxy's delayed ACK (40 ms) and hide the proxies' own latency.
        disable_nagle_algorithm = True

        def log_message(self, *args):  # the bench prints JSON only
            pass

        def do_GET(self):
            # Only the last segment names the resource: any path prefix may vary.
            name = "/" + self.path.split("?")[0].rsplit("/", 1)[-1]
            if name == "/download":
                self._send_download()
                return
            ctype, body = pages.get(name, ("text/plain", b"not found"))
            self.send_response(200 if name in pages else 404)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _send_download(self):
            self.send_response(200)
            self.send_header("content-type", "application/octet-stream")
            self.send_header("content-length", str(DOWNLOAD_BYTES))
            self.end_headers()
            for _ in range(DOWNLOAD_BYTES // CHUNK):
                self.wfile.write(filler)

    return Handler


def serve(port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(build_pages()))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = serve(args.port)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
