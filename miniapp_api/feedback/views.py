"""Citizen feedback API: file (content-checked, idempotent, rate-limited), list, read the public timeline."""

from __future__ import annotations

from functools import wraps

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.feedback import services
from miniapp_api.feedback.schemas import FeedbackList, FeedbackOut, FeedbackPath, FileFeedbackIn
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_date, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.idempotency import idempotent
from miniapp_api.platform.rate_limits import FEEDBACK_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES, IdempotencyHeader
from miniapp_api.platform.unit_of_work import end_read_part
from miniapp_api.wechat import gateway

bp = APIBlueprint("feedback", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="诉求与吐槽找茬", description="File feedback and follow it to the answer")])
BEARER = [{"bearer": []}]


def content_checked_first(view):
    """WeChat's content check before the filing's transaction: no transaction stays open (no connection held,
    no row locked) for the up to FILING_CHECK_SECONDS the check may take. Safe: authentication only read, so
    ending its transaction commits nothing (end_read_part refuses otherwise); the filing (with the
    Idempotency-Key claim) then runs in its own transaction, committed once at the end as always; a retry with
    the same key is checked again, which costs one WeChat call and changes nothing."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        end_read_part(db.session)
        g.content_verdict = services.content_verdict(gateway(), g.citizen.openid, kwargs["body"].to_input())
        return view(*args, **kwargs)

    return wrapper


@bp.post("/feedback", responses={201: FeedbackOut}, security=BEARER)
@citizen_required
@limiter.limit(FEEDBACK_PER_CITIZEN, key_func=per_citizen)
@content_checked_first
@idempotent
def file_feedback(body: FileFeedbackIn, header: IdempotencyHeader):
    """居民点单: a complaint, suggestion, consultation, praise or report; the text is checked by WeChat first."""
    now = utcnow()
    feedback = services.file_feedback(db.session, g.citizen, body.to_input(), g.content_verdict, now)
    return FeedbackOut.of(feedback, local_date(now)), 201


@bp.get("/feedback", responses={200: FeedbackList}, security=BEARER)
@citizen_required
def list_feedback():
    day = today()
    return {"feedback": [FeedbackOut.of(f, day) for f in services.citizen_feedback_list(db.session, g.citizen.id)]}


@bp.get("/feedback/<int:feedback_id>", responses={200: FeedbackOut}, security=BEARER)
@citizen_required
def show_feedback(path: FeedbackPath):
    """The public timeline: filed, taken, answered, rated, reopened, 督办."""
    feedback = services.citizen_feedback(db.session, g.citizen.id, path.feedback_id)
    return FeedbackOut.of(feedback, today())
