"""Booking, cancelling, rescheduling and no-shows. No overbooking, ever.

A seat is taken with one conditional UPDATE (`booked < capacity`) inside the
booking transaction; the slot's CHECK constraint turns any bug into an error
instead of an overbooking. Per-person rules (quota, duplicates, suspension)
run under a transaction-scoped advisory lock on the person, so two bookings by
one person cannot both pass the quota check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached, selectinload

from miniapp_api.appointments import messages, seats
from miniapp_api.appointments.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentItem,
    AppointmentStatus,
    BookingSuspension,
    Slot,
)
from miniapp_api.appointments.slots import slots_needed
from miniapp_api.centres.calendar import status_from
from miniapp_api.centres.models import CalendarOverride, Centre, CentreClosure, ServiceItem, Window, window_item
from miniapp_api.centres.services import ITEM_NOT_AT_CENTRE, UNKNOWN_ITEM
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.identity import messages as identity_messages
from miniapp_api.identity.services import IDENTITY_UNVERIFIED, Principal
from miniapp_api.notifications import appointments as notices
from miniapp_api.notifications.services import OUTBOX_INSERT, enqueue_sends, outbox_rows
from miniapp_api.platform.clock import local, local_date
from miniapp_api.platform.db import lock_for_transaction, transaction_lock
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.models import AuditLog
from miniapp_api.platform.privacy import FieldCipher

SLOT_NOT_FOUND = "slot_not_found"
SLOT_FULL = "slot_full"
NOT_ENOUGH_TIME = "not_enough_time"
OUTSIDE_HORIZON = "outside_horizon"
TOO_LATE_TO_BOOK = "too_late_to_book"
TOO_LATE_TO_CANCEL = "too_late_to_cancel"
QUOTA_EXCEEDED = "quota_exceeded"
DUPLICATE_BOOKING = "duplicate_booking"
BOOKING_SUSPENDED = "booking_suspended"
CENTRE_CLOSED = "centre_closed"
PROFILE_INCOMPLETE = "profile_incomplete"
APPOINTMENT_NOT_FOUND = "appointment_not_found"
NOT_CANCELLABLE = "not_cancellable"
REASON_REQUIRED = "reason_required"


class BookingRefused(DomainError):
    status = 409


@dataclass(frozen=True)
class Person:
    """The real person an appointment is for: the account holder, or someone they book for.

    `hash` counts the person (quota, duplicates); `accountable` is whom a no-show counts
    against; `booker_verified` says whether the account booking has a face-verified identity.
    """

    hash: str
    name: str
    accountable: str
    booker_verified: bool
    id_number_enc: str | None = None
    phone_enc: str | None = None
    relation: str | None = None
    authorisation_id: int | None = None


def account_key(citizen: Citizen) -> str:
    """Whom an account's own actions count against: the verified person, else the account itself
    (never a typed-in ID number, which anyone can type)."""
    return citizen.verified_id_hash or f"account:{citizen.id}"


def person_for_self(citizen: Citizen, cipher: FieldCipher) -> Person:
    if not citizen.real_name or not (citizen.verified_id_hash or citizen.id_number_hash):
        raise DomainError(messages.PROFILE_INCOMPLETE, code=PROFILE_INCOMPLETE, status=422)
    key = account_key(citizen)
    return Person(hash=key, name=citizen.real_name, accountable=key, booker_verified=citizen.verified)


def person_for_other(cipher: FieldCipher, booker: Citizen, *, name: str, id_number: str, phone: str,
                     relation: str) -> Person:
    """代预约 without an authorisation: counted by the other person's ID number (one account cannot
    hoard seats), but a no-show counts against the booker, never against the person named."""
    return Person(hash=cipher.lookup_hash(id_number, context=ID_NUMBER_CONTEXT), name=name,
                  accountable=account_key(booker), booker_verified=booker.verified,
                  id_number_enc=cipher.encrypt(id_number, context=ID_NUMBER_CONTEXT),
                  phone_enc=cipher.encrypt(phone, context=PHONE_CONTEXT), relation=relation)


def person_for_relative(principal: Principal) -> Person:
    """亲友代办 under an authorisation in force: the relative's own record, as if they had booked."""
    return Person(hash=principal.id_hash, name=principal.name, accountable=principal.id_hash, booker_verified=True,
                  id_number_enc=principal.id_number_enc, relation=principal.relation,
                  authorisation_id=principal.authorisation_id)


def person_of(appointment: Appointment) -> Person:
    return Person(hash=appointment.person_hash, name=appointment.person_name,
                  accountable=appointment.accountable_hash, booker_verified=True,
                  id_number_enc=appointment.proxy_id_number_enc, phone_enc=appointment.proxy_phone_enc,
                  relation=appointment.proxy_relation, authorisation_id=appointment.authorisation_id)


def _load_items(session: Session, codes: list[str], window_id: int) -> tuple[list[ServiceItem], bool]:
    """The items by code, and whether the window handles all of them (one query)."""
    unique_codes = list(dict.fromkeys(codes))
    rows = session.execute(
        select(ServiceItem, window_item.c.window_id)
        .outerjoin(window_item, and_(window_item.c.item_id == ServiceItem.id, window_item.c.window_id == window_id))
        .where(ServiceItem.code.in_(unique_codes))).all()
    items = {item.code: item for item, _ in rows}
    missing = [code for code in unique_codes if code not in items]
    if missing:
        raise DomainError(messages.UNKNOWN_ITEM.format(codes="、".join(missing)), code=UNKNOWN_ITEM, status=422,
                          fields={"item_codes": messages.UNKNOWN_ITEM.format(codes="、".join(missing))})
    return [items[code] for code in unique_codes], all(served is not None for _, served in rows)


def _check_timing(centre: Centre, starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise BookingRefused(messages.SLOT_IN_PAST, code=TOO_LATE_TO_BOOK)
    if starts_at < now + timedelta(minutes=centre.min_notice_minutes):
        raise BookingRefused(messages.TOO_LATE_TO_BOOK.format(minutes=centre.min_notice_minutes),
                             code=TOO_LATE_TO_BOOK)
    last_day = local_date(now) + timedelta(days=centre.booking_horizon_days)
    if local_date(starts_at) > last_day:
        raise BookingRefused(messages.OUTSIDE_HORIZON.format(days=centre.booking_horizon_days),
                             code=OUTSIDE_HORIZON, status=422)


def active_suspension(session: Session, person_hash: str, now: datetime) -> BookingSuspension | None:
    return session.scalars(select(BookingSuspension).where(
        BookingSuspension.person_hash == person_hash, BookingSuspension.until > now,
        BookingSuspension.lifted_at.is_(None)).order_by(BookingSuspension.until.desc())).first()


def _refusal(centre: Centre, until: datetime | None, duplicate: int, active_count: int) -> BookingRefused | None:
    """The person rules, in one place: suspension (of the person or of whoever answers for the booking),
    a duplicate booking of an item that day, and the centre's quota of active bookings."""
    if until is not None:
        shown = local(until).strftime("%Y年%m月%d日")
        return BookingRefused(messages.BOOKING_SUSPENDED.format(until=shown), code=BOOKING_SUSPENDED, status=403,
                              until=until.isoformat())
    if duplicate:
        return BookingRefused(messages.DUPLICATE_BOOKING, code=DUPLICATE_BOOKING)
    if active_count >= centre.max_active_per_person:
        return BookingRefused(messages.QUOTA_EXCEEDED.format(limit=centre.max_active_per_person), code=QUOTA_EXCEEDED)
    return None


# The person rules and the seat, in one statement run after the person's advisory lock (so its snapshot sees
# every earlier booking of that person): a suspension of the person or of whoever answers for the booking, an
# active booking of one of the items that day, and the number of active bookings. With :seat_id, that slot's
# seat is taken in the same statement only when the rules all pass; `taken` says whether it was.
PERSON_RULES_AND_SEAT = """
WITH rules AS (
    SELECT (SELECT max(until) FROM booking_suspension
            WHERE person_hash = ANY(CAST(:answerable AS varchar[])) AND until > :now AND lifted_at IS NULL)
               AS suspended_until,
           (SELECT count(*) FROM appointment_item
            WHERE person_hash = :person AND item_id = ANY(CAST(:item_ids AS bigint[]))
              AND service_date = :service_date AND active) AS duplicates,
           (SELECT count(*) FROM appointment
            WHERE person_hash = :person AND status = ANY(CAST(:active_statuses AS varchar[])) AND ends_at > :now)
               AS active_count),
taken AS (
    UPDATE slot SET booked = booked + 1
    WHERE id = :seat_id AND booked < capacity
      AND (SELECT suspended_until IS NULL AND duplicates = 0 AND active_count < :quota FROM rules)
    RETURNING id)
SELECT suspended_until, duplicates, active_count, EXISTS (SELECT FROM taken) AS taken FROM rules"""


_ACTIVE_STATUS_NAMES = [str(status) for status in ACTIVE_STATUSES]


def _check_person_and_take_seat(session: Session, centre: Centre, person: Person, item_ids: list[int],
                                service_date, now: datetime, seat: Slot | None) -> None:
    """One round trip for every booking: the person rules, and with `seat` that slot's seat (see above)."""
    row = session.execute(text(PERSON_RULES_AND_SEAT), dict(
        answerable=sorted({person.hash, person.accountable}), now=now, person=person.hash, item_ids=item_ids,
        service_date=service_date, active_statuses=_ACTIVE_STATUS_NAMES,
        seat_id=seat.id if seat is not None else None, quota=centre.max_active_per_person)).one()
    refusal = _refusal(centre, row.suspended_until, row.duplicates, row.active_count)
    if refusal is not None:
        raise refusal
    if seat is not None and not row.taken:
        raise BookingRefused(messages.SLOT_FULL, code=SLOT_FULL)


def _consecutive_slots(session: Session, first: Slot, count: int) -> list[Slot]:
    """`count` back-to-back slots at the first slot's window, starting with it."""
    if count == 1:
        return [first]
    candidates = list(session.scalars(select(Slot).where(Slot.window_id == first.window_id,
                                                         Slot.starts_at >= first.starts_at)
                                      .order_by(Slot.starts_at).limit(count)))
    run = candidates[:1]
    for slot in candidates[1:]:
        if slot.starts_at != run[-1].ends_at:
            break
        run.append(slot)
    if len(run) < count:
        raise BookingRefused(messages.NOT_ENOUGH_TIME, code=NOT_ENOUGH_TIME)
    return run


def _lock_slots(session: Session, slot_ids: list[int]) -> None:
    """Row-lock slots in id order: every path that touches several slots locks them in this
    one global order, so concurrent bookings, cancels and reschedules cannot deadlock."""
    session.execute(select(Slot.id).where(Slot.id.in_(slot_ids)).order_by(Slot.id).with_for_update())


def take_seats(session: Session, slots: list[Slot]) -> None:
    """All or nothing, one conditional UPDATE per slot, in id order (see _lock_slots)."""
    for slot in sorted(slots, key=lambda s: s.id):
        taken = session.execute(update(Slot).where(Slot.id == slot.id, Slot.booked < Slot.capacity)
                                .values(booked=Slot.booked + 1).returning(Slot.id)
                                .execution_options(synchronize_session=False)).first()
        if taken is None:
            raise BookingRefused(messages.SLOT_FULL, code=SLOT_FULL)


def give_up_seats(session: Session, appointment: Appointment, now: datetime) -> None:
    """The appointment's seats go to the waitlist (held for the first in line) or back to the pool: the centre's
    line first, then the slots in id order."""
    seats.lock_line(session, appointment.centre_id)
    _lock_slots(session, [slot.id for slot in appointment.slots])
    seats.free_seats(session, appointment, now)


def book_appointment(session: Session, *, citizen_id: int, person: Person, slot_id: int, item_codes: list[str],
                     now: datetime, confirm: bool = True, seat_held: bool = False) -> Appointment:
    """Book; with `confirm`, the confirmation and reminders go into the outbox in this transaction.
    `seat_held`: the first slot's seat is already the person's (a waitlist offer), only the rules are checked.

    The hot path of the 08:00 rush, in five statements (seven round trips with BEGIN and COMMIT): the slot
    with its window and centre; the items; the person's lock with the calendar and a new appointment id; the
    person rules with the seat; every row the booking writes (bench/booking.py measures it)."""
    slot = session.scalars(select(Slot).where(Slot.id == slot_id).options(
        joinedload(Slot.window), joinedload(Slot.centre))).one_or_none()
    if slot is None:
        raise NotFound(messages.SLOT_NOT_FOUND, code=SLOT_NOT_FOUND)
    centre = slot.centre
    if not person.booker_verified and not centre.allow_unverified_booking:
        raise DomainError(identity_messages.IDENTITY_REQUIRED, code=IDENTITY_UNVERIFIED, status=403)
    items, all_served = _load_items(session, item_codes, slot.window_id)
    if not all_served:
        raise BookingRefused(messages.ITEM_NOT_AT_CENTRE, code=ITEM_NOT_AT_CENTRE, status=422)
    _check_timing(centre, slot.starts_at, now)
    service_date = local_date(slot.starts_at)
    # Slots exist only inside opening hours; what can change after they were made is the calendar (an
    # override) or a closure. They are read with the person's lock (writers that touch one person queue
    # behind each other until commit) and the new appointment's id, so the rows below can name it.
    _, override_workday, override_note, closure, appointment_id = session.execute(select(
        transaction_lock(person.hash),
        select(CalendarOverride.is_workday).where(CalendarOverride.day == service_date).scalar_subquery(),
        select(CalendarOverride.note).where(CalendarOverride.day == service_date).scalar_subquery(),
        select(CentreClosure.id).where(CentreClosure.centre_id == centre.id, CentreClosure.day == service_date)
        .limit(1).scalar_subquery(),
        func.nextval(func.pg_get_serial_sequence(Appointment.__tablename__, "id")))).one()
    day = status_from(session, service_date, override_workday, override_note)
    if closure is not None or day.schedule_weekday is None:
        raise BookingRefused(messages.CENTRE_CLOSED, code=CENTRE_CLOSED)

    slots = _consecutive_slots(session, slot, slots_needed(items, slot.window))
    # One slot (nearly every booking): its seat goes with the rules. Several: the rules, then each seat in id order.
    single = len(slots) == 1
    _check_person_and_take_seat(session, centre, person, [item.id for item in items], service_date, now,
                                slot if single and not seat_held else None)
    if not single:
        take_seats(session, slots[1:] if seat_held else slots)
    return _write_appointment(session, appointment_id, citizen_id, person, centre, slot.window, slots, items,
                              service_date, now, confirm)


# Everything a booking writes, in one statement: the appointment (its id taken from the sequence beforehand,
# so the rows below and the messages' links can name it), its item lines, its slot links and its outbox rows
# (none when :outbox is an empty array). Returns when it was created and the outbox ids due now.
WRITE_BOOKING = f"""
WITH written AS (
    INSERT INTO appointment (id, citizen_id, person_hash, person_name, accountable_hash, authorisation_id,
                             proxy_id_number_enc, proxy_phone_enc, proxy_relation, centre_id, window_id,
                             service_date, starts_at, ends_at, status)
    VALUES (:id, :citizen_id, :person_hash, :person_name, :accountable_hash, :authorisation_id,
            :proxy_id_number_enc, :proxy_phone_enc, :proxy_relation, :centre_id, :window_id,
            :service_date, :starts_at, :ends_at, :status)
    RETURNING created_at),
lines AS (
    INSERT INTO appointment_item (appointment_id, item_id, person_hash, service_date, active)
    SELECT :id, item_id, :person_hash, :service_date, true FROM unnest(CAST(:item_ids AS bigint[])) AS item_id),
links AS (
    INSERT INTO appointment_slot (appointment_id, slot_id)
    SELECT :id, slot_id FROM unnest(CAST(:slot_ids AS bigint[])) AS slot_id),
outbox AS ({OUTBOX_INSERT})
SELECT created_at, (SELECT array_agg(id) FILTER (WHERE enqueued_at IS NOT NULL) FROM outbox) AS due_now
FROM written"""


def _write_appointment(session: Session, appointment_id: int, citizen_id: int, person: Person, centre: Centre,
                       window: Window, slots: list[Slot], items: list[ServiceItem], service_date, now: datetime,
                       confirm: bool) -> Appointment:
    """The appointment, its item lines, its slot links and (with `confirm`) its outbox rows in one
    statement; the appointment then joins the session as if it had been loaded, relationships and all."""
    values = dict(
        id=appointment_id, citizen_id=citizen_id, person_hash=person.hash, person_name=person.name,
        accountable_hash=person.accountable, authorisation_id=person.authorisation_id,
        proxy_id_number_enc=person.id_number_enc, proxy_phone_enc=person.phone_enc, proxy_relation=person.relation,
        centre_id=centre.id, window_id=window.id, service_date=service_date,
        starts_at=slots[0].starts_at, ends_at=slots[-1].ends_at, status=str(AppointmentStatus.BOOKED))
    appointment = Appointment(**values, cancel_reason=None, rescheduled_to_id=None, checked_in_at=None,
                              updated_at=None)
    # Relationships set on the transient object reach no session: none of them has a backref.
    appointment.centre, appointment.window, appointment.slots, appointment.ticket = centre, window, slots, None
    appointment.lines = [AppointmentItem(appointment_id=appointment_id, item_id=item.id, person_hash=person.hash,
                                         service_date=service_date, active=True, item=item) for item in items]
    drafts = notices.booked_drafts(appointment, now) if confirm else []
    try:
        with session.no_autoflush:
            row = session.execute(text(WRITE_BOOKING), dict(
                values, item_ids=[item.id for item in items], slot_ids=[s.id for s in slots],
                outbox=outbox_rows(drafts, now))).one()
    except IntegrityError as exc:
        # The partial unique index is the last line behind the person lock; the caller rolls the whole
        # transaction back.
        if getattr(exc.orig, "sqlstate", None) != "23505":
            raise
        raise BookingRefused(messages.DUPLICATE_BOOKING, code=DUPLICATE_BOOKING) from exc
    appointment.created_at = row[0]
    for line in appointment.lines:
        make_transient_to_detached(line)
    make_transient_to_detached(appointment)
    session.add(appointment)
    enqueue_sends(session, row.due_now or [], now)
    return appointment


def own_appointment(session: Session, citizen_id: int, appointment_id: int, *, lock: bool = False) -> Appointment:
    """The caller's appointment, or 404 whether it does not exist or belongs to someone else."""
    statement = select(Appointment).where(Appointment.id == appointment_id, Appointment.citizen_id == citizen_id)
    if lock:
        statement = statement.with_for_update()
    appointment = session.scalars(statement).one_or_none()
    if appointment is None:
        raise NotFound(messages.APPOINTMENT_NOT_FOUND, code=APPOINTMENT_NOT_FOUND)
    return appointment


def _ensure_changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingRefused(messages.NOT_CANCELLABLE.format(status=messages.STATUS_NAMES[appointment.status]),
                             code=NOT_CANCELLABLE)
    cutoff = appointment.centre.cancel_cutoff_minutes
    if now > appointment.starts_at - timedelta(minutes=cutoff):
        raise BookingRefused(messages.TOO_LATE_TO_CANCEL.format(minutes=cutoff), code=TOO_LATE_TO_CANCEL)


def end_appointment(appointment: Appointment, status: AppointmentStatus, now: datetime,
                    reason: str | None = None) -> None:
    """Leave the active states: its items no longer count against the one-per-day index."""
    appointment.status = status
    appointment.cancel_reason = reason
    appointment.updated_at = now
    for line in appointment.lines:
        line.active = False


def cancel_appointment(session: Session, *, citizen_id: int, appointment_id: int, now: datetime,
                       reason: str | None = None) -> Appointment:
    appointment = own_appointment(session, citizen_id, appointment_id, lock=True)
    _ensure_changeable(appointment, now)
    give_up_seats(session, appointment, now)
    end_appointment(appointment, AppointmentStatus.CANCELLED, now, reason or messages.CANCELLED_BY_CITIZEN)
    session.flush()
    notices.appointment_cancelled(session, appointment, now, reason)
    return appointment


def reschedule_appointment(session: Session, *, citizen_id: int, appointment_id: int, slot_id: int,
                           now: datetime) -> Appointment:
    """Cancel and book in one transaction: if the new seat cannot be had, nothing changes."""
    old = own_appointment(session, citizen_id, appointment_id, lock=True)
    _ensure_changeable(old, now)
    # Lock order: the old centre's waitlist line (seats.py), then as in booking the person, then every slot
    # involved by id.
    seats.lock_line(session, old.centre_id)
    lock_for_transaction(session, old.person_hash)
    target = session.scalars(select(Slot).where(Slot.id == slot_id).options(selectinload(Slot.window))).one_or_none()
    if target is None:
        raise NotFound(messages.SLOT_NOT_FOUND, code=SLOT_NOT_FOUND)
    wanted = _consecutive_slots(session, target, slots_needed([line.item for line in old.lines], target.window))
    _lock_slots(session, [s.id for s in old.slots] + [s.id for s in wanted])
    seats.free_seats(session, old, now)
    end_appointment(old, AppointmentStatus.CANCELLED, now, messages.CANCELLED_BY_RESCHEDULE)
    session.flush()
    new = book_appointment(session, citizen_id=citizen_id, person=person_of(old), slot_id=slot_id,
                           item_codes=[line.item.code for line in old.lines], now=now, confirm=False)
    old.rescheduled_to_id = new.id
    session.flush()
    notices.appointment_rescheduled(session, old, new, now)
    return new


def list_appointments(session: Session, citizen_id: int, *, limit: int = 50) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.citizen_id == citizen_id)
                                .order_by(Appointment.starts_at.desc()).limit(limit)))


def relative_appointments(session: Session, principal: Principal, *, limit: int = 50) -> list[Appointment]:
    """A relative's appointments, whoever booked them: by their verified ID, or made by their own account."""
    mine = Appointment.person_hash == principal.id_hash
    if principal.citizen_id is not None:
        mine = mine | (Appointment.citizen_id == principal.citizen_id)
    return list(session.scalars(select(Appointment).where(mine).order_by(Appointment.starts_at.desc()).limit(limit)))


def mark_no_shows(session: Session, now: datetime) -> int:
    """Booked and never checked in by the end of the last slot plus the centre's grace: no_show.

    Safe to run twice (only `booked` rows move); each no-show may suspend booking for the person.
    """
    overdue = list(session.scalars(
        select(Appointment).join(Centre, Centre.id == Appointment.centre_id)
        .where(Appointment.status == AppointmentStatus.BOOKED,
               Appointment.ends_at + func.make_interval(0, 0, 0, 0, 0, Centre.no_show_grace_minutes) < now)
        .with_for_update(of=Appointment, skip_locked=True)))
    for appointment in overdue:
        end_appointment(appointment, AppointmentStatus.NO_SHOW, now)
        session.flush()
        _suspend_if_over_limit(session, appointment, now)
    return len(overdue)


def _suspend_if_over_limit(session: Session, appointment: Appointment, now: datetime) -> None:
    """No-shows count against the accountable key: the person when they (or their authorised relative)
    booked, the booking account when someone was named without authorisation."""
    centre, key = appointment.centre, appointment.accountable_hash
    since = now - timedelta(days=centre.no_show_window_days)
    no_shows = session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.accountable_hash == key, Appointment.status == AppointmentStatus.NO_SHOW,
        Appointment.starts_at >= since))
    if no_shows >= centre.no_show_limit and active_suspension(session, key, now) is None:
        session.add(BookingSuspension(
            person_hash=key, centre_id=centre.id,
            until=now + timedelta(days=centre.suspension_days),
            reason=messages.SUSPENDED_FOR_NO_SHOWS.format(days=centre.no_show_window_days, count=no_shows)))


def lift_suspension(session: Session, *, suspension_id: int, actor: str, reason: str, now: datetime) -> BookingSuspension:
    """Staff lift a suspension early; the reason is kept and the action audit-logged."""
    suspension = session.get(BookingSuspension, suspension_id, with_for_update=True)
    if suspension is None or suspension.lifted_at is not None:
        raise NotFound()
    if not reason.strip():
        raise DomainError(messages.LIFT_REASON_REQUIRED, code=REASON_REQUIRED, status=422,
                          fields={"reason": messages.FIELD_REQUIRED})
    suspension.lifted_at, suspension.lifted_by, suspension.lift_reason = now, actor, reason.strip()
    session.add(AuditLog(actor=actor, action="booking_suspension.lift", subject_type="booking_suspension",
                         subject_id=str(suspension.id), detail={"reason": reason.strip()}))
    session.flush()
    return suspension


def active_suspensions(session: Session, centre_id: int, now: datetime) -> list[BookingSuspension]:
    return list(session.scalars(select(BookingSuspension).where(
        BookingSuspension.centre_id == centre_id, BookingSuspension.lifted_at.is_(None),
        BookingSuspension.until > now).order_by(BookingSuspension.until)))


def gone_reminders(session: Session, rows: list) -> set[int]:
    """The outbox asks before sending: reminder rows whose appointment was cancelled, moved or already handled."""
    reminders = [r for r in rows if r.kind.startswith("appointment_reminder")]
    if not reminders:
        return set()
    appointments = {a.id: a for a in session.scalars(select(Appointment).where(
        Appointment.id.in_({r.subject_id for r in reminders})))}
    return {row.id for row in reminders
            if (appointment := appointments.get(row.subject_id)) is None
            or appointment.status != AppointmentStatus.BOOKED or notices.cause_marker(appointment) != row.cause_marker}
