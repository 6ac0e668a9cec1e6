"""The staff console: server-rendered pages over the same services as the staff API.

Cookie sessions hold a staff bearer token (so lockout, expiry and revocation are the API's own rules),
every POST carries a CSRF token, and pages answer another centre's records with 404 like the API.
The pages put their routes on one blueprint (`blueprint.py`): the console's own pages are imported here, a
domain's pages are named in its declaration (`console_pages`) and imported by `init_console` before the blueprint
is registered.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from flask import Flask

from miniapp_api.console import casework, dashboard, sign_in, sites  # noqa: F401  (routes on bp)
from miniapp_api.console.blueprint import bp, csrf

__all__ = ["bp", "init_console"]


def init_console(app: Flask, pages: Iterable[str] = ()) -> None:
    """`pages`: the dotted names of the domains' console modules, whose routes must be on `bp` before it is
    registered."""
    for page in pages:
        importlib.import_module(page)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the JSON API uses bearer tokens, not cookies
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)      # the token lives as long as the session
    csrf.init_app(app)
    app.register_blueprint(bp)
