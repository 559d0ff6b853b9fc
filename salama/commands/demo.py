"""`salama demo`: the trainer's offline demonstration.

Runs the proxy and the dashboard exactly as `salama run` does, on a
throw-away home, with the simulated web of `proxy.demo.web` mapped by
`--resolve` entries so everything stays on 127.0.0.1.  With `--scenario`,
a scripted browsing session (`proxy.demo.scenarios`) plays in a background
thread once the proxy listens, so blocks and alerts appear live in the
dashboard while the trainer talks.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from proxy.demo import scenarios
from salama.home import Home

LISTEN_HOST = "127.0.0.1"
ADMIN = "admin"
STARTUP_TIMEOUT = 300  # a first run may train the model (about a minute)


def register(sub) -> None:
    p = sub.add_parser(
        "demo", help="trainer mode: an offline demo with simulated sites and scripted scenarios",
        description="Start the proxy and the dashboard on a throw-away home with a simulated web of local "
        "sites (school, news, prevention, and one page per online risk) and a fake search engine. "
        "Nothing leaves the computer. Set a browser's proxy to the address printed, or play a scenario.")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--scenario", metavar="NAME|all", help="play a scripted browsing session (see --list)")
    p.add_argument("--proxy-port", type=int, default=8080, metavar="N", help="proxy port (default 8080)")
    p.add_argument("--dashboard-port", type=int, default=8081, metavar="N", help="dashboard port (default 8081)")
    p.add_argument("--admin-password", metavar="PW",
                   help="dashboard password for 'admin' (default: a random one, printed)")
    p.add_argument("--pause", type=float, default=scenarios.DEFAULT_PAUSE, metavar="SECONDS",
                   help=f"pause between scenario steps (default {scenarios.DEFAULT_PAUSE:g})")
    p.add_argument("--exit-after-scenario", action="store_true",
                   help="stop once the scenario has played; exit status 1 if a step broke its promise (tests)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    if args.list:
        print("\n\n".join(scenarios.listing()))
        return 0
    chosen = scenarios.select(args.scenario) if args.scenario else []
    if args.exit_after_scenario and not chosen:
        raise ValueError("--exit-after-scenario needs --scenario")
    # The demo must never write into a real installation's database.
    os.environ.pop("SALAMA_DATABASE_URL", None)
    root = Path(tempfile.mkdtemp(prefix="salama-demo-"))
    try:
        return run_demo(Home.resolve(root), args, chosen)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_demo(home: Home, args, chosen: list[scenarios.Scenario]) -> int:
    from proxy.demo.web import DemoWebServer, demo_hosts, tls_context
    from salama.bootstrap import initialise
    from salama.commands.service import report_init, run_salama

    password = args.admin_password or secrets.token_urlsafe(9)
    report_init(initialise(home, ADMIN, password), ADMIN, home)
    web = DemoWebServer(tls_context(home.ca_dir, demo_hosts())).start()
    player = ScenarioPlayer(chosen, args, ca_cert(home)) if chosen else None
    try:
        print_banner(home, args, password)
        if player:
            player.start()
        # The demo's sites present a certificate from Salama's own CA, which
        # mitmproxy's upstream check does not know: the upstreams are all local.
        # Quiet: the terminal tells the scenario's story, not every connection.
        run_salama(home, LISTEN_HOST, args.proxy_port, args.dashboard_port,
                   resolve=[f"{host}={LISTEN_HOST}:{web.port}" for host in demo_hosts()], ssl_insecure=True,
                   quiet=True)
    finally:
        web.close()
    if player and args.exit_after_scenario:
        return 0 if player.all_as_promised() else 1
    return 0


def ca_cert(home: Home) -> Path:
    return home.ca_dir / "mitmproxy-ca-cert.pem"


def spki_sha256(cert_path: Path) -> str:
    """Base64 SHA-256 of the certificate's public key, for Chromium's
    --ignore-certificate-errors-spki-list (trust this CA without installing it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def print_banner(home: Home, args, password: str) -> None:
    proxy = f"http://{LISTEN_HOST}:{args.proxy_port}"
    dashboard = f"http://{LISTEN_HOST}:{args.dashboard_port}/"
    chromium = (f"chromium --proxy-server={proxy} --ignore-certificate-errors-spki-list={spki_sha256(ca_cert(home))} "
                f"--user-data-dir=$(mktemp -d) http://ecole.demo/")
    print(f"""
Salama – démonstration hors ligne / offline demo (rien ne quitte cet ordinateur / nothing leaves this computer)
  Proxy à régler dans le navigateur / browser proxy : {proxy}
  Tableau de bord / dashboard : {dashboard}
      utilisateur / user : {ADMIN}    mot de passe / password : {password}
  Certificat (HTTPS) / CA certificate : {ca_cert(home)}
      ou / or {dashboard}device-setup/
  Navigateur de démonstration / demo browser :
      {chromium}
  Sites : http://ecole.demo/  http://actu.demo/  http://prevention.demo/  http://jeux.demo/  http://forum.demo/ ...
  Recherche / search : https://www.google.com/  (moteur simulé / simulated)
  Scénarios / scenarios : salama demo --list      Arrêter / stop : Ctrl-C
""", flush=True)


def wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((LISTEN_HOST, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class ScenarioPlayer(threading.Thread):
    """Plays the chosen scenarios once the proxy and dashboard listen."""

    def __init__(self, chosen: list[scenarios.Scenario], args, cafile: Path):
        super().__init__(name="salama-demo-scenario", daemon=True)
        self.chosen, self.args, self.cafile = chosen, args, cafile
        self.results: list[scenarios.StepResult] = []

    def run(self) -> None:
        ready = all(wait_for_port(port, STARTUP_TIMEOUT) for port in (self.args.proxy_port, self.args.dashboard_port))
        if not ready:
            print("salama demo: the proxy or the dashboard did not start; no scenario played", file=sys.stderr, flush=True)
        else:
            for scenario in self.chosen:
                self.results += scenarios.play(scenario, self.args.proxy_port, log=lambda line: print(line, flush=True),
                                               pause=self.args.pause, cafile=self.cafile)
            self.report()
        if self.args.exit_after_scenario:
            os.kill(os.getpid(), signal.SIGINT)  # stops the proxy as the trainer's Ctrl-C would

    def all_as_promised(self) -> bool:
        return bool(self.results) and all(r.as_promised for r in self.results)

    def report(self) -> None:
        blocked = sum(r.blocked for r in self.results)
        broken = [r for r in self.results if not r.as_promised]
        print(f"\n== Fin / done: {len(self.results)} pages, {blocked} bloquées / blocked, "
              f"{len(broken)} hors promesse / not as promised", flush=True)
        for r in broken:
            print(f"   ✗ {r.step.method} {r.step.url}: {scenarios.outcome(r)}", flush=True)
