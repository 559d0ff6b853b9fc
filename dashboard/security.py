"""Transport security: session cookie flags, reverse-proxy trust, HTTP headers.

The session cookie is always HttpOnly and SameSite=Lax.  Its Secure flag
follows SALAMA_SECURE_COOKIES: "auto" (default) sets it when the request came
over HTTPS, "always" and "never" force it.  Behind a TLS-terminating reverse
proxy (a school's nginx, Caddy), set SALAMA_PROXY_HOPS to the number of
proxies in front so that their X-Forwarded-Proto/For/Host are believed: the
request then counts as HTTPS and the login rate limit sees the real client.
Never set it when clients reach the dashboard directly: they could forge
those headers.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

SECURE_COOKIE_MODES = ("auto", "always", "never")

CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag chosen per request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config["SALAMA_SECURE_COOKIES"]
        if mode == "auto":
            return request.is_secure
        return mode == "always"


def _check_settings(app: Flask) -> None:
    if app.config["SALAMA_SECURE_COOKIES"] not in SECURE_COOKIE_MODES:
        raise ValueError(f"SALAMA_SECURE_COOKIES must be one of {', '.join(SECURE_COOKIE_MODES)}")
    hops = app.config["SALAMA_PROXY_HOPS"]
    if not isinstance(hops, int) or hops < 0:
        raise ValueError("SALAMA_PROXY_HOPS must be a whole number, 0 or more")


def _security_headers(response):
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.is_secure and current_app.config["SALAMA_SECURE_COOKIES"] != "never":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def install(app: Flask) -> None:
    _check_settings(app)
    app.session_interface = SessionInterface()
    hops = app.config["SALAMA_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(_security_headers)
