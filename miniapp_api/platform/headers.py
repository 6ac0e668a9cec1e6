"""Security headers on every answer: no MIME sniffing, no framing, a Content-Security-Policy, HSTS in production.

JSON answers get the strictest policy (they load nothing). Our pages (console, simulator) load only their own
scripts and styles; pygal's inline SVG needs inline styles. The API documentation pages load their viewer
from a CDN and the development-only rq-dashboard uses inline scripts: those two keep no CSP.
"""

from __future__ import annotations

from flask import Flask, request

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
NO_POLICY_PREFIXES = ("/api/v1/swagger", "/api/v1/redoc", "/api/v1/rapidoc", "/api/v1/rapipdf", "/api/v1/scalar",
                      "/api/v1/elements", "/rq")
HSTS = "max-age=31536000; includeSubDomains"


def init_security_headers(app: Flask, *, hsts: bool) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if not request.path.startswith(NO_POLICY_PREFIXES):
            headers.setdefault("Content-Security-Policy", PAGE_POLICY if response.mimetype == "text/html"
                               else API_POLICY)
        return response
