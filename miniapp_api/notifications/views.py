from __future__ import annotations

from flask import current_app, g, request
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.notifications import kinds, services
from miniapp_api.notifications.schemas import (
    ConsentList,
    ConsentOut,
    ConsentsIn,
    MarkedOut,
    MessageList,
    MessageOut,
    MessagePath,
    MessageQuery,
    ReadAllIn,
    SmsKindOut,
    SmsPreferencesIn,
    SmsPreferencesOut,
)
from miniapp_api.notifications.sms import sms_kinds
from miniapp_api.notifications.templates import load_templates
from miniapp_api.platform import fast_json
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES

bp = APIBlueprint("notifications", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_security=[{"bearer": []}],
                  abp_tags=[Tag(name="消息与订阅", description="Subscribe-message consents and the message centre")])


def _consent_list(citizen_id: int) -> dict:
    granted = services.consents_of(db.session, citizen_id)
    rows = []
    for group, template in load_templates().items():
        consent = granted.get(template.template_id)
        rows.append(ConsentOut(template_id=template.template_id, group=group, purpose=kinds.purpose(group),
                               subscription="long_term" if template.long_term else "one_time",
                               status=consent.last_result if consent else "not_asked",
                               remaining_one_time=consent.one_time_balance if consent else 0))
    return ConsentList(subscriptions=rows).model_dump(mode="json")


@bp.post("/subscriptions", responses={200: ConsentList})
@citizen_required
def record_consents(body: ConsentsIn):
    """Record what wx.requestSubscribeMessage returned; each one-time accept allows one message."""
    services.record_consents(db.session, g.citizen.id, body.results, utcnow())
    return _consent_list(g.citizen.id)


@bp.get("/subscriptions", responses={200: ConsentList})
@citizen_required
def list_consents():
    """Which message templates the citizen has granted, and how many one-time sends remain."""
    return _consent_list(g.citizen.id)


@bp.get("/messages", responses={200: MessageList})
@citizen_required
def list_messages(query: MessageQuery):
    """The in-app message centre: every notification, pushed to WeChat or not."""
    now = utcnow()
    rows, unread = services.list_messages(db.session, g.citizen.id, now, limit=query.limit, before_id=query.before_id)
    return fast_json.response({"unread_count": unread, "messages": [MessageOut.values(r) for r in rows],
                               "as_of": local_iso(now)})


@bp.post("/messages/<int:message_id>/read", responses={200: MarkedOut})
@citizen_required
def mark_read(path: MessagePath):
    marked = services.mark_read(db.session, g.citizen.id, path.message_id, utcnow())
    return MarkedOut(marked=marked, unread_count=services.unread_count(db.session, g.citizen.id, utcnow())).model_dump()


@bp.post("/messages/read-all", responses={200: MarkedOut})
@citizen_required
def mark_all_read():
    """Mark read every message delivered by the list's `as_of` (JSON `{"as_of": …}`, ReadAllIn), or with no body, as
    the mini-programs already in people's hands send it, every message delivered by now."""
    sent = request.get_json(silent=True)
    body = ReadAllIn.model_validate({} if sent is None else sent)   # anything else is refused with the envelope
    now = utcnow()
    marked = services.mark_read(db.session, g.citizen.id, None, now, until=body.as_of)
    return MarkedOut(marked=marked, unread_count=services.unread_count(db.session, g.citizen.id, now)).model_dump()


def _sms_preferences(citizen) -> dict:
    off = services.sms_opt_outs(db.session, citizen.id)
    return SmsPreferencesOut(
        available=current_app.extensions["banshi.sms"]() is not None,
        phone_verified=citizen.phone_verified_at is not None and citizen.phone_enc is not None,
        daily_cap=current_app.config["BANSHI_SETTINGS"].sms_daily_cap,
        kinds=[SmsKindOut(kind=kind, name=kinds.kind(kind).title, enabled=kind not in off)
               for kind in sms_kinds()]).model_dump(mode="json")


@bp.get("/me/sms", responses={200: SmsPreferencesOut})
@citizen_required
def sms_preferences():
    """短信提醒: which important messages may come by SMS when WeChat cannot deliver them (a verified phone,
    no WeChat consent), at most `daily_cap` a day."""
    return _sms_preferences(g.citizen)


@bp.put("/me/sms", responses={200: SmsPreferencesOut})
@citizen_required
def set_sms_preferences(body: SmsPreferencesIn):
    """Turn SMS off (or back on) per kind; in-app messages and WeChat are unaffected."""
    services.set_sms_opt_outs(db.session, g.citizen.id, body.opted_out)
    return _sms_preferences(g.citizen)
