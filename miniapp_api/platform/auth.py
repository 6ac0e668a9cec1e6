"""Bearer-token guards for citizen and staff endpoints.

Authentication runs before request validation, so a caller without a valid
token learns nothing about an endpoint's body schema: the view is marked by
`citizen_required` and an app-level hook does the check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request

from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

# authenticate(session, token, *, now) -> the caller, or raises a DomainError (401)
Authenticator = Callable[..., Any]


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def citizen_required(view):
    """Mark a view as needing a logged-in citizen (loaded into g.citizen)."""
    view.requires_citizen = True
    return view


STAFF_BEARER = [{"staff_bearer": []}]


def staff_required(view):
    """Mark a view as needing a logged-in staff member (loaded into g.staff)."""
    view.requires_staff = True
    return view


def init_auth(app: Flask, *, citizen: Authenticator, staff: Authenticator) -> None:
    """The app-level check of marked views; the domains that know citizens and staff supply `citizen`/`staff`."""

    @app.before_request
    def _load_caller() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "requires_citizen", False):
            g.citizen = citizen(db.session, bearer_token(), now=utcnow())
        elif getattr(view, "requires_staff", False):
            g.staff = staff(db.session, bearer_token(), now=utcnow())


def field_cipher():
    return current_app.extensions["banshi.cipher"]


def signing_keys():
    """The organisation's certificate key ring (certificates/signing.py), built by create_app."""
    return current_app.extensions["banshi.keyring"]
