"""The parents' and schools' dashboard: a Flask application factory.

`create_app()` reads the Salama home (argument, `$SALAMA_HOME`, or the
per-user default), so `flask --app dashboard run` works as well as
`salama run`.  Blueprints by feature: `auth` (login, first-run set-up, own
password), `accounts` and `audit` (owners), `alerts` (review pages),
`activity` (charts, weekly summary), `device_setup` (public: how to point a
device at Salama, the CA certificate, the PAC file), `language` (the picker),
`rules` (the rules editor, owners), `requests` (children's access requests)
and `api` (JSON under /api/, HTTP Basic or session).  The dashboard reads
the stored events and the policy; it never talks to mitmproxy.

Settings (the instance folder's `dashboard.cfg`, or `config=`) beyond
Flask's own are described in docs/dashboard.md: SALAMA_PROXY_ADDRESS,
SALAMA_SECURE_COOKIES, SALAMA_PROXY_HOPS, BABEL_DEFAULT_LOCALE.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from salama.home import Home
from storage.access import AccessStore
from storage.accounts import AccountStore
from storage.audit import AuditLog
from storage.database import open_engine
from storage.events import EventStore

csrf = CSRFProtect()


def create_app(home: str | os.PathLike | None = None, config: dict | None = None) -> Flask:
    salama_home = Home.resolve(home).ensure()
    app = Flask(__name__, instance_path=str(salama_home.root))
    app.config.update(
        SECRET_KEY=salama_home.secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="salama_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        SALAMA_HOME=salama_home,
        SALAMA_PROXY_ADDRESS=None,  # "host:port" for the PAC file; None: this host, port 8080
        SALAMA_SECURE_COOKIES="auto",  # auto (when the request is HTTPS) | always | never
        SALAMA_PROXY_HOPS=0,  # reverse proxies (TLS terminators) whose X-Forwarded-* to trust
        BABEL_DEFAULT_LOCALE="en",
    )
    app.config.from_pyfile(str(Path(salama_home.root) / "dashboard.cfg"), silent=True)
    if config:
        app.config.update(config)
    engine = open_engine(salama_home.database_url)
    app.extensions["salama.engine"] = engine
    app.extensions["salama.events"] = EventStore(engine)
    app.extensions["salama.accounts"] = AccountStore(engine)
    app.extensions["salama.audit"] = AuditLog(engine)
    app.extensions["salama.access"] = AccessStore(engine)
    csrf.init_app(app)

    from dashboard import access, accounts, activity, alerts, api, audit, auth, device_setup, i18n, requests, rules_editor, security
    from dashboard import export, inspect, wireguard

    security.install(app)
    i18n.install(app)
    for blueprint in (auth.bp, accounts.bp, audit.bp, alerts.bp, activity.bp, device_setup.bp, i18n.bp, api.bp,
                      rules_editor.bp, requests.bp, export.bp, inspect.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(wireguard.bp)  # owners: a phone's WireGuard configuration and QR code
    csrf.exempt(api.bp)  # the API checks Basic auth itself, and the CSRF token for session writes
    access.install(app)
    return app
