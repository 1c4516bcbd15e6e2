"""Security headers on every response, and trusting a reverse proxy's headers.

- ``Content-Security-Policy``: scripts only from the panel's own files (there is no
  inline script or event handler in any template), nothing may frame the panel, forms
  post only to the panel. Styles: the panel's stylesheet plus inline ``style`` (a few
  templates set a bar's width or a route's colour, and the printable sheets embed their
  CSS in a ``<style>`` element).
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``; ``Strict-Transport-Security`` when the cookies are
  secure (``MEALPLAN_SECURE_COOKIES``: the panel is served over HTTPS).
- ``Cache-Control: no-store`` on what a logged-in user sees (elders' names, addresses,
  phone numbers stay out of a shared device's cache).

``MEALPLAN_PROXY_HOPS=N`` (default 0) wraps the app in werkzeug's ``ProxyFix`` trusting
the last N proxies' ``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Prefix`` headers:
set it to 1 behind one reverse proxy (nginx, Caddy) and never when clients reach the
panel directly (they could then forge their address).
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def proxy_hops(env: dict[str, str] | None = None) -> int:
    """``MEALPLAN_PROXY_HOPS`` as a number of trusted proxies (0: none)."""
    raw = (os.environ if env is None else env).get("MEALPLAN_PROXY_HOPS", "").strip() or "0"
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 5:
        raise ValueError(f"MEALPLAN_PROXY_HOPS must be a whole number 0-5, got {raw!r}")
    return int(raw)


def init_app(app: Flask) -> None:
    hops = proxy_hops()
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        endpoint = request.endpoint or ""
        is_static = endpoint == "static" or endpoint.endswith(".static")
        if not is_static and current_user.is_authenticated and not response.cache_control.public:
            response.cache_control.no_store = True
        return response
