from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from miniapp_api.platform.auth import STAFF_BEARER, bearer_token, staff_required
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.rate_limits import STAFF_LOGIN_PER_IP, STAFF_LOGIN_PER_USERNAME, limiter, per_username
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.staff import services
from miniapp_api.staff.models import StaffNotice
from miniapp_api.staff.schemas import NoticeList, NoticeOut, StaffLoginIn, StaffLoginOut, StaffOut

bp = APIBlueprint("staff", __name__, url_prefix="/api/staff/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="工作人员登录", description="Staff accounts and sessions")])


def staff_out(staff) -> StaffOut:
    return StaffOut(id=staff.id, username=staff.username, display_name=staff.display_name, roles=staff.roles,
                    centre_ids=sorted(services.visible_centre_ids(db.session, staff)))


@bp.post("/auth/login", responses={200: StaffLoginOut})
@limiter.limit(STAFF_LOGIN_PER_USERNAME, key_func=per_username)
@limiter.limit(STAFF_LOGIN_PER_IP)
def log_in(body: StaffLoginIn):
    """Password login; five wrong passwords lock the account for 15 minutes."""
    issued = services.log_in(db.session, username=body.username, password=body.password, now=utcnow())
    return StaffLoginOut(token=issued.token, expires_at=issued.expires_at,
                         staff=staff_out(issued.staff)).model_dump(mode="json")


@bp.post("/auth/logout", responses={204: None}, security=STAFF_BEARER)
@staff_required
def log_out():
    services.log_out(db.session, bearer_token() or "", now=utcnow())
    return "", 204


@bp.get("/me", responses={200: StaffOut}, security=STAFF_BEARER)
@staff_required
def show_me():
    return staff_out(g.staff).model_dump(mode="json")


@bp.get("/notices", responses={200: NoticeList}, security=STAFF_BEARER)
@staff_required
def list_notices():
    """催办 and 督办 addressed to the caller, newest first."""
    rows = db.session.scalars(select(StaffNotice).where(StaffNotice.staff_id == g.staff.id)
                              .order_by(StaffNotice.id.desc()).limit(100))
    return {"notices": [NoticeOut(id=n.id, kind=n.kind, subject_type=n.subject_type, subject_id=n.subject_id,
                                  text=n.text, created_at=n.created_at, read=n.read_at is not None
                                  ).model_dump(mode="json") for n in rows]}
