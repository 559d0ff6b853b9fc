"""A local web site with a realistic mix of responses, for the proxy benchmark.

Serves, on 127.0.0.1 over HTTP/1.1 with keep-alive (stdlib ThreadingHTTPServer):

- /small      a 1 KB HTML page
- /page30k    a 30 KB HTML article
- /page2m     a 2 MB HTML page (a long forum thread)
- /same30k    one fixed 30 KB article, the same bytes every time
- /image      a 40 KB JPEG-like binary
- /download   an 8 MB binary, written in 64 KB chunks (it must stream through)

The text of /small, /page30k and /page2m differs on every request, as real
browsing does (a proxy that remembers pages it scored must not look faster
here than it is): each page is assembled from paragraphs drawn at random
from a pool of sentences built from parts (English and French), plus a
sentence of its own.  /same30k is there to measure that memory separately.
The pool is built from fixed seeds.  Run it as its own process
(`python bench/upstream_mix.py`): it prints its port on the first line of
stdout and serves until killed, so that its Python threads never compete
with the load generator's for one interpreter lock.
"""

from __future__ import annotations

import argparse
import itertools
import random
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024
DOWNLOAD_BYTES = 8 * 1024 * 1024
POOL_PARAGRAPHS = 3000

_SENTENCE_PARTS = {
    "en": (
        ("Our class", "The school library", "My grandmother", "The football team", "A new teacher", "The city museum",
         "Every student", "The science club", "Our neighbours", "The local market", "The train to the coast"),
        ("opened", "talked about", "prepared", "visited", "is looking for", "finished", "explained", "painted",
         "borrowed", "cleaned", "organised"),
        ("a map of the river", "fresh bread and cheese", "the history homework", "a small garden", "the summer match",
         "an old photo album", "the recipe for soup", "a poem about winter", "the results of the experiment",
         "new books for the holidays"),
        ("before lunch", "on Saturday morning", "after the storm", "with the whole family", "near the station",
         "during the break", "for the school fair", "in the rain", "at the end of the term", "without any help"),
    ),
    "fr": (
        ("Notre classe", "La bibliotheque du quartier", "Ma grand-mere", "L'equipe de football", "Le nouveau professeur",
         "Le musee de la ville", "Chaque eleve", "Le club de sciences", "Nos voisins", "Le marche du samedi"),
        ("a prepare", "a visite", "cherche", "a termine", "a explique", "a peint", "a emprunte", "a range",
         "a organise", "raconte"),
        ("une carte de la riviere", "du pain frais", "les devoirs d'histoire", "un petit jardin", "le match d'ete",
         "un vieil album de photos", "la recette de la soupe", "un poeme sur l'hiver", "les resultats de l'experience",
         "des livres pour les vacances"),
        ("avant le dejeuner", "le samedi matin", "apres l'orage", "avec toute la famille", "pres de la gare",
         "pendant la recreation", "pour la fete de l'ecole", "sous la pluie", "a la fin du trimestre", "sans aide"),
    ),
}


def sentence(rng: random.Random, language: str) -> str:
    return " ".join(rng.choice(part) for part in _SENTENCE_PARTS[language]) + "."


def paragraph_pool(seed: int = 1, size: int = POOL_PARAGRAPHS) -> list[str]:
    """HTML blocks (a heading, a paragraph of 3-7 sentences, a link), in English or French."""
    rng = random.Random(seed)
    pool = []
    for _ in range(size):
        language = rng.choice(("en", "en", "fr"))
        text = " ".join(sentence(rng, language) for _ in range(rng.randint(3, 7)))
        pool.append(f"<h2>{sentence(rng, language)}</h2><div class='post'><p>{text}</p>"
                    f"<p><a href='/item/{rng.randrange(10**6)}'>{sentence(rng, language)}</a></p></div>")
    return pool


def html_page(size: int, pool: list[str], rng: random.Random, serial: int) -> bytes:
    """An HTML page of about `size` bytes, its own sentence first, then blocks from the pool."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>",
             sentence(rng, "en"), "</title></head><body><nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>",
             f"<p>Article {serial}: {sentence(rng, 'en')}</p>"]
    length = sum(map(len, parts))
    while length < size:
        block = rng.choice(pool)
        parts.append(block)
        length += len(block)
    parts.append("</body></html>")
    return "".join(parts).encode()


VARIED_SIZES = {"/small": 1024, "/page30k": 30 * 1024, "/page2m": 2 * 1024 * 1024}
HTML = "text/html; charset=utf-8"


def build_pages(pool: list[str]) -> dict[str, tuple[str, bytes]]:
    """The responses that are the same bytes every time."""
    return {
        "/same30k": (HTML, html_page(30 * 1024, pool, random.Random(2), 0)),
        "/image": ("image/jpeg", b"\xff\xd8\xff\xe0" + random.Random(4).randbytes(40 * 1024)),
    }


def make_handler(pool: list[str]):
    pages = build_pages(pool)
    filler = random.Random(5).randbytes(CHUNK)
    serials = itertools.count(1)  # next() on a count is atomic: each request its own page

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
            if name in VARIED_SIZES:
                serial = next(serials)
                ctype, body = HTML, html_page(VARIED_SIZES[name], pool, random.Random(serial), serial)
            else:
                ctype, body = pages.get(name, ("text/plain", b"not found"))
            self.send_response(200 if name in pages or name in VARIED_SIZES else 404)
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
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(paragraph_pool()))
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
