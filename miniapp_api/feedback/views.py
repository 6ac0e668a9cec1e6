"""Citizen feedback API: file (content-checked, idempotent, rate-limited), list, read the public timeline."""

from __future__ import annotations

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.applications.services import today_in_shanghai
from miniapp_api.appointments.schemas import IdempotencyHeader
from miniapp_api.auth import citizen_required
from miniapp_api.clock import utcnow
from miniapp_api.extensions import db, limiter
from miniapp_api.feedback import services
from miniapp_api.feedback.schemas import FeedbackList, FeedbackOut, FeedbackPath, FileFeedbackIn
from miniapp_api.idempotency import idempotent
from miniapp_api.rate_limits import FEEDBACK_PER_CITIZEN, per_citizen
from miniapp_api.schemas import ERROR_RESPONSES
from miniapp_api.wechat import gateway

bp = APIBlueprint("feedback", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="诉求与吐槽找茬", description="File feedback and follow it to the answer")])
BEARER = [{"bearer": []}]


@bp.post("/feedback", responses={201: FeedbackOut}, security=BEARER)
@citizen_required
@limiter.limit(FEEDBACK_PER_CITIZEN, key_func=per_citizen)
@idempotent
def file_feedback(body: FileFeedbackIn, header: IdempotencyHeader):
    """居民点单: a complaint, suggestion, consultation, praise or report; the text is checked by WeChat first."""
    now = utcnow()
    feedback = services.file_feedback(db.session, gateway(), g.citizen, body.to_input(), now)
    return FeedbackOut.of(feedback, today_in_shanghai(now)), 201


@bp.get("/feedback", responses={200: FeedbackList}, security=BEARER)
@citizen_required
def list_feedback():
    today = today_in_shanghai(utcnow())
    return {"feedback": [FeedbackOut.of(f, today) for f in services.citizen_feedback_list(db.session, g.citizen.id)]}


@bp.get("/feedback/<int:feedback_id>", responses={200: FeedbackOut}, security=BEARER)
@citizen_required
def show_feedback(path: FeedbackPath):
    """The public timeline: filed, taken, answered, rated, reopened, 督办."""
    feedback = services.citizen_feedback(db.session, g.citizen.id, path.feedback_id)
    return FeedbackOut.of(feedback, today_in_shanghai(utcnow()))
