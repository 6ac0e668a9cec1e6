"""Citizen 帮办代办 API: ask for help, follow the request, confirm or revoke a helper's grant, withdraw."""

from __future__ import annotations

from functools import wraps

from flask import g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.assistance import services
from miniapp_api.assistance.schemas import (
    AskForHelpIn,
    AssistanceClaimOut,
    AssistanceGrantOut,
    AssistanceGrantPath,
    AssistanceList,
    AssistanceOut,
    AssistancePath,
)
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_date, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.idempotency import idempotent
from miniapp_api.platform.rate_limits import FEEDBACK_PER_CITIZEN, limiter, per_citizen
from miniapp_api.platform.schemas import ERROR_RESPONSES, IdempotencyHeader
from miniapp_api.platform.unit_of_work import end_read_part
from miniapp_api.ratings.services import is_rated
from miniapp_api.wechat import gateway

bp = APIBlueprint("assistance", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="帮办代办", description="Ask a centre's helpers for help and follow the request")])
BEARER = [{"bearer": []}]


def content_checked_first(view):
    """WeChat's content check before the request's transaction (as feedback does: views.content_checked_first)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        end_read_part(db.session)
        g.content_verdict = services.content_verdict(gateway(), g.citizen.openid, kwargs["body"].situation)
        return view(*args, **kwargs)

    return wrapper


def _out(request) -> dict:
    now = utcnow()
    return AssistanceOut.of(request, now=now, today=local_date(now), names=services.display_names(db.session, request),
                         rated=is_rated(db.session, "assistance", request.id))


@bp.post("/assistance", responses={201: AssistanceOut}, security=BEARER)
@citizen_required
@limiter.limit(FEEDBACK_PER_CITIZEN, key_func=per_citizen)
@content_checked_first
@idempotent
def ask_for_help(body: AskForHelpIn, header: IdempotencyHeader):
    """帮办代办: ask the chosen centre's helpers for help on an item or a situation (an agent: for a business)."""
    request = services.ask_for_help(db.session, g.citizen, body.to_input(), g.content_verdict, utcnow())
    return _out(request), 201


@bp.get("/assistance", responses={200: AssistanceList}, security=BEARER)
@citizen_required
def list_requests():
    return {"requests": [_out(r) for r in services.citizen_requests(db.session, g.citizen.id)]}


@bp.post("/assistance/claim", responses={200: AssistanceClaimOut}, security=BEARER)
@citizen_required
def claim_requests():
    """找回: take into one's account the requests 代办点 desks wrote down with the ID number this account verified
    by face (a typed, unverified one claims nothing: 403)."""
    return {"claimed": [_out(r) for r in services.claim_desk_requests(db.session, g.citizen, utcnow())]}


@bp.get("/assistance/<int:request_id>", responses={200: AssistanceOut}, security=BEARER)
@citizen_required
def show_request(path: AssistancePath):
    """The timeline, the helper, any grant asked for and whether it may be rated."""
    return _out(services.citizen_request(db.session, g.citizen.id, path.request_id))


@bp.post("/assistance/<int:request_id>/withdraw", responses={200: AssistanceOut}, security=BEARER)
@citizen_required
def withdraw_request(path: AssistancePath):
    return _out(services.withdraw(db.session, g.citizen, path.request_id, utcnow()))


@bp.post("/assistance/<int:request_id>/grants/<int:grant_id>/confirm", responses={200: AssistanceGrantOut},
         security=BEARER)
@citizen_required
def confirm_grant(path: AssistanceGrantPath):
    """确认代办授权: the helper may act for the caller, within its scopes, for its hours."""
    now = utcnow()
    return AssistanceGrantOut.of(services.confirm_grant(db.session, g.citizen, path.request_id, path.grant_id, now),
                       now).model_dump(mode="json")


@bp.post("/assistance/<int:request_id>/grants/<int:grant_id>/revoke", responses={200: AssistanceGrantOut},
         security=BEARER)
@citizen_required
def revoke_grant(path: AssistanceGrantPath):
    """撤销 (or refuse) a grant: the helper is stopped at once."""
    now = utcnow()
    return AssistanceGrantOut.of(services.revoke_grant(db.session, g.citizen, path.request_id, path.grant_id, now),
                       now).model_dump(mode="json")
