"""Console sign-in: the Flask session cookie carries a staff session token, never the staff id alone."""

from __future__ import annotations

from flask import session

from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.staff import services as staff_services
from miniapp_api.staff.models import Staff

TOKEN_KEY = "staff_token"


def sign_in(username: str, password: str) -> Staff:
    """Password check with the API's lockout and audit; the token goes into a fresh session (no fixation)."""
    issued = staff_services.log_in(db.session, username=username, password=password, now=utcnow())
    session.clear()
    session[TOKEN_KEY] = issued.token
    session.permanent = True
    return issued.staff


def signed_in_staff() -> Staff:
    """The staff member of this cookie; raises StaffAuthFailed when absent, expired or revoked."""
    return staff_services.authenticate(db.session, session.get(TOKEN_KEY), now=utcnow())


def sign_out() -> None:
    token = session.get(TOKEN_KEY)
    if token:
        staff_services.log_out(db.session, token, now=utcnow())
    session.clear()
