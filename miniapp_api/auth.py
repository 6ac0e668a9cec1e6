"""Bearer-token guards for citizen and staff endpoints.

Authentication runs before request validation, so a caller without a valid
token learns nothing about an endpoint's body schema: the view is marked by
`citizen_required` and an app-level hook does the check.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from miniapp_api.citizens import services
from miniapp_api.clock import utcnow
from miniapp_api.extensions import db


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


def init_auth(app: Flask) -> None:
    @app.before_request
    def _load_caller() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "requires_citizen", False):
            g.citizen = services.authenticate(db.session, bearer_token(), now=utcnow())
        elif getattr(view, "requires_staff", False):
            from miniapp_api.staff import services as staff_services

            g.staff = staff_services.authenticate(db.session, bearer_token(), now=utcnow())


def field_cipher():
    return current_app.extensions["banshi.cipher"]
