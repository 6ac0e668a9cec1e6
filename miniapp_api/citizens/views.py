from __future__ import annotations

from flask import current_app, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.citizens import services
from miniapp_api.citizens.schemas import LoginIn, LoginOut, ProfileOut, ProfilePatch
from miniapp_api.platform.auth import bearer_token, citizen_required, field_cipher
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform import fast_json
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import LOGIN_PER_IP, PROFILE_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import read_only
from miniapp_api.wechat import gateway

bp = APIBlueprint("citizens", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="登录与个人信息", description="WeChat login and the citizen's own profile")])
BEARER = [{"bearer": []}]


@bp.post("/auth/login", responses={200: LoginOut})
@limiter.limit(LOGIN_PER_IP)
def log_in(body: LoginIn):
    """Log in with a wx.login code (code2Session); returns our bearer token."""
    issued = services.log_in(db.session, gateway(), field_cipher(), code=body.code, now=utcnow(),
                             session_days=current_app.config["SESSION_DAYS"])
    return LoginOut(token=issued.token, expires_at=issued.expires_at, citizen_id=issued.citizen.id).model_dump(mode="json")


@bp.post("/auth/logout", responses={204: None}, security=BEARER)
@citizen_required
def log_out():
    """Revoke the token this request carries."""
    services.log_out(db.session, bearer_token() or "", now=utcnow())
    return "", 204


@bp.get("/me", responses={200: ProfileOut}, security=BEARER)
@citizen_required
@read_only
def show_profile():
    """The caller's profile, personal numbers masked."""
    return fast_json.response(ProfileOut.values(g.citizen, field_cipher()))


@bp.patch("/me", responses={200: ProfileOut}, security=BEARER)
@citizen_required
@limiter.limit(PROFILE_PER_CITIZEN, key_func=per_citizen)
def update_profile(body: ProfilePatch):
    """Set real name, ID number and phone; null clears a field. A verified name and ID number are locked
    (a new face verification changes them); a typed phone is unverified."""
    citizen = services.update_profile(db.session, field_cipher(), g.citizen,
                                      **{name: getattr(body, name) for name in body.model_fields_set})
    return ProfileOut.of(citizen, field_cipher())
