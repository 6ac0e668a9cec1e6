"""The staff console: server-rendered pages over the same services as the staff API.

Cookie sessions hold a staff bearer token (so lockout, expiry and revocation are the API's own rules),
every POST carries a CSRF token, and pages answer another centre's records with 404 like the API.
The pages put their routes on one blueprint (`blueprint.py`); importing them here registers them.
"""

from __future__ import annotations

from flask import Flask

from miniapp_api.console import (  # noqa: F401  (routes on bp)
    admin,
    batches,
    businesses,
    casework,
    certificates,
    counter,
    dashboard,
    guidance,
    identity,
    inspections,
    policies,
    views,
)
from miniapp_api.console.blueprint import bp, csrf

__all__ = ["bp", "init_console"]


def init_console(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the JSON API uses bearer tokens, not cookies
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)      # the token lives as long as the session
    csrf.init_app(app)
    app.register_blueprint(bp)
