"""`salama init`, `salama run` and `salama dashboard`: setting up and running.

`salama run --workers N` runs N proxy workers, each its own process with
its own event loop (mitmproxy uses one core per process), on consecutive
ports from --proxy-port, plus the dashboard once; they share the home's
policy file and blocklist index by path and the database (for a school,
PostgreSQL via --database-url).  See docs/scaling.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import subprocess
import sys
import time
from typing import Sequence

from salama.bootstrap import initialise
from salama.commands import add_home_argument
from salama.commands.db import add_database_argument, use_database_url
from salama.home import Home


def register(sub) -> None:
    p = sub.add_parser("init", help="create the Salama home: policy, database, admin account, CA",
                       description="Create (or complete) a Salama home. Safe to run twice: what exists is kept.")
    add_home_argument(p)
    add_database_argument(p)
    p.add_argument("--admin-user", default="admin", metavar="NAME", help="parent account name (default: admin)")
    p.add_argument("--admin-password", metavar="PW",
                   help="its password (at least 8 characters); without it a random one is generated and printed once")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("run", help="run the filtering proxy and the parents' dashboard",
                       description="Run the proxy (default 127.0.0.1:8080) and the dashboard (default 127.0.0.1:8081). "
                       "A home that was never initialised is initialised first.")
    add_home_argument(p)
    add_listen_arguments(p)
    add_database_argument(p)
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="proxy worker processes, on ports --proxy-port, --proxy-port+1, ... (default 1)")
    p.add_argument("--scoring-workers", type=int, default=None, metavar="N",
                   help="page-scoring processes per proxy worker (default: the CPUs shared among the proxy workers)")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST=IP[:PORT]",
                   help="send requests for HOST to a local address (tests, offline demo); repeatable")
    p.add_argument("--mode", action="append", default=None, metavar="MODE",
                   help="mitmproxy mode: regular (default), transparent, wireguard, local...; repeatable")
    p.add_argument("--ssl-insecure", action="store_true", help="do not verify upstream TLS certificates (tests only)")
    p.add_argument("--upstream-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="error page when a site sends no response for this long (default 60; 0: wait forever)")
    p.add_argument("--no-dashboard", action="store_true", help="run the proxy alone")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("dashboard", help="run only the parents' dashboard",
                       description="Serve the dashboard alone (salama run starts it for you).")
    add_home_argument(p)
    add_database_argument(p)
    p.add_argument("--listen-host", default="127.0.0.1", metavar="H")
    p.add_argument("--dashboard-port", type=int, default=8081, metavar="N")
    p.add_argument("--proxy-port", type=int, default=8080, metavar="N", help="the proxy's port, for the PAC file")
    p.set_defaults(func=cmd_dashboard)


def add_listen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--listen-host", default="127.0.0.1", metavar="H", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--proxy-port", type=int, default=8080, metavar="N", help="proxy port (default 8080)")
    p.add_argument("--dashboard-port", type=int, default=8081, metavar="N", help="dashboard port (default 8081)")


def report_init(result, admin_user: str, home: Home) -> None:
    if result.created_policy:
        print(f"policy: {home.policy_path}")
    if result.generated_password:
        print(f"dashboard account '{admin_user}' created; its password (shown only once): {result.generated_password}")
    elif result.created_admin:
        print(f"dashboard account '{admin_user}' created")
    if result.password_changed:
        print(f"password of '{admin_user}' changed")
    if result.model_note:
        print(f"model: {result.model_note}")


def cmd_init(args) -> int:
    use_database_url(args)
    home = Home.resolve(args.home)
    result = initialise(home, args.admin_user, args.admin_password)
    report_init(result, args.admin_user, home)
    print(f"Salama home ready: {home.root}")
    return 0


def _start_dashboard(home: Home, listen_host: str, dashboard_port: int, proxy_port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "salama", "dashboard", "--home", str(home.root), "--listen-host", listen_host,
           "--dashboard-port", str(dashboard_port), "--proxy-port", str(proxy_port)]
    return subprocess.Popen(cmd)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cmd_run(args) -> int:
    use_database_url(args)
    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    if args.scoring_workers is not None and args.scoring_workers < 1:
        raise ValueError("--scoring-workers must be at least 1")
    if not args.upstream_timeout >= 0:  # also refuses nan
        raise ValueError("--upstream-timeout must be 0 or more seconds")
    home = Home.resolve(args.home)
    # Someone at a terminal creates the parent account in the browser (set-up
    # page); a service or script gets a generated password printed once.
    interactive = sys.stdin.isatty() and not args.no_dashboard
    result = initialise(home, generate_admin=not interactive)
    report_init(result, "admin", home)
    if result.awaiting_setup:
        print(f"No parent account yet: open http://{args.listen_host}:{args.dashboard_port}/setup to create it.", flush=True)
    if args.workers > 1:
        return run_workers(home, args)
    return run_salama(home, args.listen_host, args.proxy_port, args.dashboard_port, resolve=args.resolve,
                      modes=args.mode, ssl_insecure=args.ssl_insecure, with_dashboard=not args.no_dashboard,
                      scoring_workers=args.scoring_workers, upstream_timeout=args.upstream_timeout)


def run_salama(
    home: Home,
    listen_host: str,
    proxy_port: int,
    dashboard_port: int,
    resolve: Sequence[str] = (),
    modes: list[str] | None = None,
    ssl_insecure: bool = False,
    with_dashboard: bool = True,
    quiet: bool = False,
    scoring_workers: int | None = None,
    upstream_timeout: float = 60.0,
) -> int:
    """Run the proxy in this process (and the dashboard as a child process)
    on an initialised home until interrupted; shared by `run` and `demo`.
    `quiet` logs warnings only, not every connection."""
    from proxy.runtime import Runtime
    from proxy.server import ProxySettings, serve
    from storage.retention import RetentionSchedule

    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # The dashboard is a process of its own: started first, it loads while this one loads the model.
    dashboard = _start_dashboard(home, listen_host, dashboard_port, proxy_port) if with_dashboard else None
    try:
        runtime = Runtime(
            policy_path=home.policy_path,
            index_path=home.index_path,
            model_dir=home.model_dir,
            database_url=home.database_url,
            status_dir=home.root,
            classify_in_subprocess=True,  # scoring must not hold the event loop's interpreter lock
            scoring_workers=scoring_workers,
        )
        settings = ProxySettings(
            listen_host=listen_host,
            listen_port=proxy_port,
            confdir=home.ca_dir,
            modes=modes or ["regular"],
            resolve=list(resolve),
            ssl_insecure=ssl_insecure,
            quiet=quiet,
            proxy_users=home.proxy_users_path if home.proxy_users_path.exists() else None,
            upstream_timeout=upstream_timeout,
        )
        # Every proxy process offers; the database's hourly lease lets one of them purge.
        retention = RetentionSchedule(runtime.events.engine, lambda: runtime.policy.retention).start()
        print(f"Salama proxy on {listen_host}:{proxy_port}", flush=True)
        if dashboard:
            print(f"Salama dashboard on http://{listen_host}:{dashboard_port}/", flush=True)
        try:
            asyncio.run(serve(settings, runtime))
        finally:
            retention.stop()
    finally:
        if dashboard:
            _stop(dashboard)
    return 0


def _worker_command(home: Home, args, port: int) -> list[str]:
    """`salama run` for one worker: the same options, its own port, no dashboard."""
    cmd = [sys.executable, "-m", "salama", "run", "--home", str(home.root), "--listen-host", args.listen_host,
           "--proxy-port", str(port), "--no-dashboard"]
    for r in args.resolve:
        cmd += ["--resolve", r]
    for m in args.mode or []:
        cmd += ["--mode", m]
    if args.ssl_insecure:
        cmd.append("--ssl-insecure")
    cmd += ["--upstream-timeout", str(args.upstream_timeout)]
    from proxy.cpus import usable_cpus

    # The CPUs are shared: N proxy workers each score in their share of them.
    scoring = args.scoring_workers or max(1, usable_cpus() // args.workers)
    return cmd + ["--scoring-workers", str(scoring)]


def run_workers(home: Home, args) -> int:
    """Supervise `args.workers` proxy workers and the dashboard until one of
    them exits or we are told to stop; then stop them all (a service
    manager restarts the whole set)."""
    ports = [args.proxy_port + i for i in range(args.workers)]
    children = [subprocess.Popen(_worker_command(home, args, port)) for port in ports]
    if not args.no_dashboard:
        children.append(_start_dashboard(home, args.listen_host, args.dashboard_port, args.proxy_port))
        print(f"Salama dashboard on http://{args.listen_host}:{args.dashboard_port}/", flush=True)
    print(f"Salama proxy workers on {args.listen_host}:{ports[0]}-{ports[-1]}", flush=True)
    # SIGTERM (systemd, tests) must reach the `finally` that stops the children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return next(child.returncode for child in children if child.returncode is not None)
    finally:
        for child in children:
            if child.poll() is None:
                _stop(child)


def cmd_dashboard(args) -> int:
    from waitress import serve as waitress_serve

    from dashboard import create_app

    use_database_url(args)
    home = Home.resolve(args.home)
    app = create_app(home=home.root, config={"SALAMA_PROXY_PORT": args.proxy_port})
    started = time.strftime("%H:%M:%S")
    print(f"[{started}] dashboard serving on http://{args.listen_host}:{args.dashboard_port}/", flush=True)
    waitress_serve(app, host=args.listen_host, port=args.dashboard_port, threads=8, ident="salama")
    return 0
