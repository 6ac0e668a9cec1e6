"""Console pages for 帮办代办: the centre's list with its first-contact SLA, a request's page (take, assign,
contact, ask for a grant, 代为预约 under it, close), and a centre's own first-contact limit."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for

from miniapp_api.appointments.schemas import SlotOut
from miniapp_api.appointments.slots import slots_for_item
from miniapp_api.assistance import messages as assistance_messages
from miniapp_api.assistance import services
from miniapp_api.assistance.models import GrantStatus
from miniapp_api.assistance.schemas import (
    AssistanceAssignForm,
    AssistanceBookForm,
    AssistanceCloseForm,
    AssistanceContactForm,
    AssistanceGrantForm,
    AssistanceOut,
    AssistanceReassignForm,
    AssistanceSlaForm,
)
from miniapp_api.centres.models import Centre
from miniapp_api.centres.services import get_centre, items_served
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import PHONE_CONTEXT
from miniapp_api.console import messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.console.casework import form_data
from miniapp_api.console.forms import keeps_input
from miniapp_api.platform.auth import field_cipher
from miniapp_api.platform.clock import local_date, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.privacy import mask_phone
from miniapp_api.platform.schemas import QueryModel
from miniapp_api.ratings.services import is_rated
from miniapp_api.staff.services import audit, require_centre

SLA_ROLES = services.ASSIGN_ROLES


class AssistancePageQuery(QueryModel):
    day: date | None = None


def _done(message: str, request_id: int):
    flash(message, "info")
    return redirect(url_for("console.assistance_page", request_id=request_id), code=303)


@bp.get("/assistance")
@page()
def assistance_list():
    """帮办代办: open requests of the caller's centres, soonest first contact first; overdue ones marked."""
    now = utcnow()
    mine = request.args.get("mine") == "true"
    rows = [AssistanceOut.of(r, now=now, today=local_date(now), names=services.display_names(db.session, r))
            for r in services.staff_requests(db.session, g.staff, mine=mine)]
    centres = queries.centres_of(db.session, g.staff) if g.staff.has_role(*SLA_ROLES) else []
    limits = {c.id: services.contact_days(db.session, c.id) for c in centres}
    return render_template("console/assistance_list.html", rows=rows, mine=mine, centres=centres, limits=limits)


@bp.post("/assistance/sla")
@page(*SLA_ROLES)
@keeps_input("console.assistance_list")
def assistance_sla():
    """A centre's own first-contact limit in working days (for requests made afterwards)."""
    form = AssistanceSlaForm.model_validate(form_data())
    require_centre(db.session, g.staff, form.centre_id)
    services.set_contact_days(db.session, g.staff, form.centre_id, form.contact_days)
    flash(messages.ASSISTANCE_SLA_SAVED.format(days=form.contact_days), "info")
    return redirect(url_for("console.assistance_list"), code=303)


def _requester(item) -> tuple[str, str | None, str | None]:
    """Whom the helper calls: the account's verified name and phone, or, for a request taken at a 代办点's desk,
    the name and phone the desk wrote down (and the site's name)."""
    if item.citizen_id is None:
        site = db.session.get(Centre, item.site_id)
        return item.contact_name, item.contact_phone_enc, messages.SITE_TAKEN_AT.format(site=site.name)
    citizen = db.session.get(Citizen, item.citizen_id)
    return citizen.real_name or messages.ASSISTANCE_WECHAT_USER, citizen.phone_enc, None


@bp.get("/assistance/<int:request_id>")
@page()
def assistance_page(request_id: int):
    item = services.staff_request(db.session, g.staff, request_id)
    now = utcnow()
    is_helper = item.helper_staff_id == g.staff.id
    requester, sealed_phone, site = _requester(item)
    phone = field_cipher().decrypt(sealed_phone, context=PHONE_CONTEXT) if sealed_phone else None
    audit(db.session, g.staff, "assistance.view", services.AUDIT_SUBJECT, item.id)
    names = services.display_names(db.session, item)
    document = AssistanceOut.of(item, now=now, today=local_date(now), names=names, staff_view=True,
                             rated=is_rated(db.session, "assistance", item.id))
    live = [grant for grant in item.grants if services.grant_state(grant, now) == GrantStatus.ACTIVE]
    slots, day = [], None
    grant_item = live[0].item if live else None     # the one item the requester agreed to
    pending = [grant for grant in item.grants if services.grant_state(grant, now) == GrantStatus.PENDING]
    if is_helper and grant_item is not None:
        centre = get_centre(db.session, item.centre_id)
        day = AssistancePageQuery.model_validate(request.args.to_dict()).day or queries.next_open_day(db.session, centre,
                                                                                            today())
        slots = [SlotOut.of(s) for s in slots_for_item(db.session, centre, grant_item.id, day) if s.remaining > 0]
    return render_template(
        "console/assistance.html", r=document, is_helper=is_helper, live_grant=live[0] if live else None,
        grant_item=grant_item, grant_no_item=assistance_messages.GRANT_NO_ITEM,
        pending_grant=pending[0] if pending else None,
        requester=requester, site=site, no_account_grant=assistance_messages.NO_ACCOUNT_GRANT,
        grant_items=items_served(db.session, {item.centre_id}) if is_helper and not names["item"] else [],
        phone=(phone if is_helper else mask_phone(phone)) if phone else None,
        content_review=item.content_check != "pass", helpers=services.helpers_of(db.session, item.centre_id),
        slots=slots, day=day, can_assign=g.staff.has_role(*services.ASSIGN_ROLES), helper_id=item.helper_staff_id)


@bp.post("/assistance/<int:request_id>/take")
@page()
@keeps_input("console.assistance_page")
def assistance_take(request_id: int):
    """接手: the first of two staff taking it at once wins; the other is told it is taken."""
    services.assign(db.session, g.staff, request_id, g.staff.id, utcnow())
    return _done(messages.ASSISTANCE_TAKEN, request_id)


@bp.post("/assistance/<int:request_id>/assign")
@page(*services.ASSIGN_ROLES)
@keeps_input("console.assistance_page")
def assistance_assign(request_id: int):
    form = AssistanceAssignForm.model_validate(form_data())
    services.assign(db.session, g.staff, request_id, form.staff_id, utcnow())
    return _done(messages.ASSISTANCE_ASSIGNED, request_id)


@bp.post("/assistance/<int:request_id>/reassign")
@page(*services.ASSIGN_ROLES)
@keeps_input("console.assistance_page")
def assistance_reassign(request_id: int):
    """改派: from the helper the page showed to another; the old helper's grants end."""
    form = AssistanceReassignForm.model_validate(form_data())
    services.reassign(db.session, g.staff, request_id, form.staff_id, form.expected_staff_id, utcnow())
    return _done(messages.ASSISTANCE_REASSIGNED, request_id)


def _helper_act(request_id: int, act, message: str):
    item = services.staff_request(db.session, g.staff, request_id, lock=True)
    act(item)
    return _done(message, request_id)


@bp.post("/assistance/<int:request_id>/contact")
@page()
@keeps_input("console.assistance_page")
def assistance_contact(request_id: int):
    form = AssistanceContactForm.model_validate(form_data())
    return _helper_act(request_id, lambda r: services.record_contact(db.session, g.staff, r, form.note, utcnow()),
                       messages.ASSISTANCE_CONTACTED)


@bp.post("/assistance/<int:request_id>/grant")
@page()
@keeps_input("console.assistance_page")
def assistance_grant(request_id: int):
    """Ask the requester for a time-limited grant to act for them (they confirm in the mini-program)."""
    form = AssistanceGrantForm.model_validate({**form_data(), "scopes": request.form.getlist("scopes") or ["book"]})
    return _helper_act(request_id, lambda r: services.ask_to_act(
        db.session, g.staff, r, scopes=[s.value for s in form.scopes], purpose=form.purpose,
        valid_hours=form.valid_hours, now=utcnow(), item_code=form.item_code or None), messages.ASSISTANCE_GRANT_ASKED)


@bp.post("/assistance/<int:request_id>/book")
@page()
@keeps_input("console.assistance_page")
def assistance_book(request_id: int):
    """代为预约 under the requester's grant in force (checked now, under a share lock)."""
    form = AssistanceBookForm.model_validate(form_data())
    return _helper_act(request_id, lambda r: services.book_for_requester(
        db.session, field_cipher(), g.staff, r, slot_id=form.slot_id, item_codes=[form.item_code], now=utcnow()),
        messages.ASSISTANCE_BOOKED)


@bp.post("/assistance/<int:request_id>/close")
@page()
@keeps_input("console.assistance_page")
def assistance_close(request_id: int):
    form = AssistanceCloseForm.model_validate(form_data())
    return _helper_act(request_id, lambda r: services.close(db.session, g.staff, r, form.summary, utcnow()),
                       messages.ASSISTANCE_CLOSED)
