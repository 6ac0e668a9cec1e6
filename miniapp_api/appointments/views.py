from __future__ import annotations

from flask import current_app, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.appointments import queue, reads, services, waitlist
from miniapp_api.appointments.schemas import (
    AppointmentList,
    AppointmentOut,
    AppointmentPath,
    BookIn,
    CheckInQuery,
    OfferOut,
    OfferPath,
    QueueOut,
    RescheduleIn,
    SlotList,
    SlotOut,
    SlotQuery,
    TicketOut,
    WaitlistIn,
    WaitlistList,
    WaitlistOut,
    WaitlistPath,
    WalkInIn,
    WindowQueueOut,
)
from miniapp_api.appointments.slots import closures_on, opening_periods, slots_for_item
from miniapp_api.authority.services import Act
from miniapp_api.centres.schemas import CentrePath, ClosureNotice
from miniapp_api.centres.services import get_centre, get_item
from miniapp_api.identity.models import Scope
from miniapp_api.identity.schemas import RelativePath
from miniapp_api.identity.services import principal_for
from miniapp_api.platform import fast_json
from miniapp_api.platform.auth import citizen_required, field_cipher
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.idempotency import idempotent
from miniapp_api.platform.rate_limits import (
    BOOKING_PER_CITIZEN,
    BOOKING_PER_IP,
    WALK_IN_PER_CITIZEN,
    limiter,
    per_citizen,
)
from miniapp_api.platform.schemas import ERROR_RESPONSES, IdempotencyHeader
from miniapp_api.platform.unit_of_work import read_only, stale_read

bp = APIBlueprint("appointments", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="预约与排队", description="Slots, appointments, check-in and queue tickets")])
BEARER = [{"bearer": []}]


def _appointment_out(appointment, booked_by: str | None = None) -> dict:
    return AppointmentOut.of(appointment, field_cipher(), booked_by).model_dump(mode="json")


def _appointments_out(appointments) -> list[dict]:
    """As the caller sees them: those someone else booked for them say who (王* 为您预约)."""
    bookers = services.bookers_for(db.session, g.citizen.id, appointments)
    return [_appointment_out(a, bookers.get(a.id)) for a in appointments]


@bp.get("/centres/<int:centre_id>/slots", responses={200: SlotList})
@stale_read
@public_cached
def list_slots(path: CentrePath, query: SlotQuery):
    """A day's slots at the centre's windows for an item, with remaining seats."""
    centre = get_centre(db.session, path.centre_id)
    item = get_item(db.session, query.item)
    slots = slots_for_item(db.session, centre, item.id, query.date)
    windows = {w.id: w.name for w in centre.windows}
    return SlotList(date=query.date.isoformat(), centre_open=bool(opening_periods(db.session, centre, query.date)),
                    slots=[SlotOut.of(slot) for slot in slots],
                    closures=[ClosureNotice.of(c, windows) for c in closures_on(db.session, centre.id, query.date)]
                    ).model_dump(mode="json")


@bp.post("/appointments", responses={201: AppointmentOut}, security=BEARER)
@citizen_required
@limiter.limit(BOOKING_PER_CITIZEN, key_func=per_citizen)
@limiter.limit(BOOKING_PER_IP)
@idempotent
def book(body: BookIn, header: IdempotencyHeader):
    """Book a slot (and the consecutive ones the items need), for oneself or for someone else."""
    if body.for_relative is not None:
        person = services.person_for_relative(
            db.session, g.citizen, principal_for(db.session, g.citizen, body.for_relative, Scope.BOOK, utcnow()))
    elif body.for_person is not None:
        person = services.person_for_other(db.session, field_cipher(), g.citizen, **body.for_person.model_dump())
    else:
        person = services.person_for_self(g.citizen, field_cipher())
    appointment = services.book_appointment(db.session, citizen_id=g.citizen.id, person=person,
                                            slot_id=body.slot_id, item_codes=body.item_codes, now=utcnow())
    return _appointment_out(appointment), 201


@bp.get("/appointments", responses={200: AppointmentList}, security=BEARER)
@citizen_required
@read_only
def list_appointments():
    """The caller's appointments, newest first: their own, those they booked for others (under an authorisation
    still in force, or by name), and those someone booked for them (王某 为您预约)."""
    rows = reads.list_rows(db.session, g.citizen.id, utcnow())
    bookers, cipher = services.bookers_for(db.session, g.citizen.id, rows), field_cipher()
    return fast_json.response({"appointments": [AppointmentOut.values(row, cipher, bookers.get(row.id))
                                                for row in rows]})


@bp.get("/relatives/<int:authorisation_id>/appointments", responses={200: AppointmentList}, security=BEARER)
@citizen_required
def list_relative_appointments(path: RelativePath):
    """An authorised relative's appointments (needs the view scope), whoever booked them."""
    principal = principal_for(db.session, g.citizen, path.authorisation_id, Scope.VIEW, utcnow())
    return {"appointments": [_appointment_out(a) for a in services.relative_appointments(db.session, principal)]}


@bp.get("/appointments/<int:appointment_id>", responses={200: AppointmentOut}, security=BEARER)
@citizen_required
@read_only
def show_appointment(path: AppointmentPath):
    appointment, _ = services.appointment_for(db.session, g.citizen, path.appointment_id, Act.VIEW, utcnow())
    shown = _appointments_out([appointment])[0]
    if appointment.ticket is not None:   # 前面还有 N 人, as of this read (the page is pulled down to read it again)
        shown["ticket"]["waiting_ahead"] = queue.waiting_ahead(db.session, appointment.ticket)
    return shown


@bp.post("/appointments/<int:appointment_id>/cancel", responses={200: AppointmentOut}, security=BEARER)
@citizen_required
def cancel(path: AppointmentPath):
    """Cancel before the cut-off; the seat goes back at once."""
    appointment = services.cancel_appointment(db.session, citizen_id=g.citizen.id,
                                              appointment_id=path.appointment_id, now=utcnow())
    return _appointments_out([appointment])[0]


@bp.post("/appointments/<int:appointment_id>/reschedule", responses={201: AppointmentOut}, security=BEARER)
@citizen_required
@limiter.limit(BOOKING_PER_CITIZEN, key_func=per_citizen)
def reschedule(path: AppointmentPath, body: RescheduleIn):
    """Move to another slot: the old seat is given back only if the new one is taken."""
    appointment = services.reschedule_appointment(db.session, citizen_id=g.citizen.id,
                                                  appointment_id=path.appointment_id, slot_id=body.slot_id,
                                                  now=utcnow())
    return _appointment_out(appointment), 201


@bp.post("/appointments/<int:appointment_id>/check-in", responses={200: TicketOut}, security=BEARER)
@citizen_required
def check_in(path: AppointmentPath, query: CheckInQuery):
    """Check in at the hall and get a queue ticket (with the call screen's code where the centre asks for it)."""
    ticket = queue.check_in(db.session, citizen_id=g.citizen.id, appointment_id=path.appointment_id, now=utcnow(),
                            presence=query.presence(), presence_key=current_app.config["PRESENCE_KEY"])
    return TicketOut.of(ticket, queue.waiting_ahead(db.session, ticket)).model_dump(mode="json")


@bp.post("/centres/<int:centre_id>/tickets", responses={201: TicketOut}, security=BEARER)
@citizen_required
@limiter.limit(WALK_IN_PER_CITIZEN, key_func=per_citizen)
def take_ticket(path: CentrePath, body: WalkInIn):
    """A walk-in queue ticket during opening hours."""
    ticket = queue.walk_in_ticket(db.session, citizen_id=g.citizen.id, centre_id=path.centre_id,
                                  item_code=body.item_code, now=utcnow(), presence=body.presence(),
                                  presence_key=current_app.config["PRESENCE_KEY"])
    return TicketOut.of(ticket, queue.waiting_ahead(db.session, ticket)).model_dump(mode="json"), 201


@bp.get("/centres/<int:centre_id>/queue", responses={200: QueueOut})
@stale_read
def show_queue(path: CentrePath):
    """People waiting per window and an estimated wait from recent service times."""
    windows = queue.queue_overview(db.session, path.centre_id, utcnow())
    return QueueOut(windows=[WindowQueueOut.of(w) for w in windows]).model_dump(mode="json")


# --- the waitlist (候补) ----------------------------------------------------------------------------------------


def _entries_out(entries) -> dict:
    ahead = waitlist.people_ahead(db.session, entries)
    offers = waitlist.held_offers(db.session, [e.id for e in entries])
    return WaitlistList(entries=[WaitlistOut.of(e, ahead.get(e.id), offers.get(e.id)) for e in entries]
                        ).model_dump(mode="json")


@bp.post("/waitlist", responses={201: WaitlistOut}, security=BEARER)
@citizen_required
@limiter.limit(BOOKING_PER_CITIZEN, key_func=per_citizen)
@idempotent
def join_waitlist(body: WaitlistIn, header: IdempotencyHeader):
    """Wait for a full item at a centre over some days (and times of day): a freed seat is held for the first
    in line (候补成功), who confirms it in one tap. Face-verified citizens only, while those days are full."""
    entry = waitlist.join(db.session, g.citizen, waitlist.Wanted(**body.model_dump()), utcnow())
    return WaitlistOut.of(entry, waitlist.people_ahead(db.session, [entry]).get(entry.id), None
                          ).model_dump(mode="json"), 201


@bp.get("/waitlist", responses={200: WaitlistList}, security=BEARER)
@citizen_required
@read_only
def list_waitlist():
    """The caller's waitlist entries, newest first, with their place in line and any seat held for them."""
    return _entries_out(waitlist.my_entries(db.session, g.citizen.id))


@bp.post("/waitlist/<int:entry_id>/cancel", responses={200: WaitlistOut}, security=BEARER)
@citizen_required
def cancel_waitlist(path: WaitlistPath):
    """Leave the line; a seat held for the entry passes to the next person."""
    entry = waitlist.cancel_entry(db.session, g.citizen.id, path.entry_id, utcnow())
    return WaitlistOut.of(entry, None, None).model_dump(mode="json")


@bp.post("/waitlist/offers/<int:offer_id>/confirm", responses={201: AppointmentOut}, security=BEARER)
@citizen_required
@idempotent
def confirm_offer(path: OfferPath, header: IdempotencyHeader):
    """Book the seat held for the caller, before the hold runs out."""
    appointment = waitlist.confirm_offer(db.session, g.citizen, path.offer_id, utcnow())
    return _appointment_out(appointment), 201


@bp.post("/waitlist/offers/<int:offer_id>/decline", responses={200: OfferOut}, security=BEARER)
@citizen_required
def decline_offer(path: OfferPath):
    """不需要了: the seat goes to the next in line at once, and the entry leaves the line."""
    return OfferOut.of(waitlist.decline_offer(db.session, g.citizen, path.offer_id, utcnow())).model_dump(mode="json")
