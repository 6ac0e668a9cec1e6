"""Booking, cancelling, rescheduling and no-shows. No overbooking, ever.

A seat is taken with one conditional UPDATE (`booked < capacity`) inside the
booking transaction; the slot's CHECK constraint turns any bug into an error
instead of an overbooking. Per-person rules (quota, duplicates, suspension)
run under a transaction-scoped advisory lock on the person, so two bookings by
one person cannot both pass the quota check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached, selectinload

from miniapp_api.appointments import catalogue, freed_seats, full_slots, messages
from miniapp_api.appointments.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentItem,
    AppointmentStatus,
    BookingSuspension,
    Slot,
)
from miniapp_api.appointments.slots import slots_needed
from miniapp_api.authority import services as authority
from miniapp_api.authority.services import Act, Basis
from miniapp_api.centres.calendar import status_from
from miniapp_api.centres.models import CalendarOverride, Centre, CentreClosure, ServiceItem, Window, window_item
from miniapp_api.centres.services import ITEM_NOT_AT_CENTRE, UNKNOWN_ITEM
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.identity import messages as identity_messages
from miniapp_api.identity.services import IDENTITY_UNVERIFIED, Principal, id_hash_as_stored
from miniapp_api.notifications import appointment_notices as notices
from miniapp_api.notifications.services import OUTBOX_CHANNEL, OUTBOX_INSERT, outbox_rows
from miniapp_api.platform.clock import chinese_date, local, local_date, utcnow
from miniapp_api.platform.db import lock_for_transaction, transaction_lock
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.privacy import FieldCipher, mask_name

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
    A booking by name (代预约, no authorisation) has `named_hash` (the typed ID number, only to show the
    booking to that person) and `named_by` (the booking account, whose own cap of such bookings it counts
    against). `told`: the accounts besides the booker that hear about it (the person it is for).
    """

    hash: str
    name: str
    accountable: str
    booker_verified: bool
    id_number_enc: str | None = None
    phone_enc: str | None = None
    relation: str | None = None
    authorisation_id: int | None = None
    named_hash: str | None = None
    named_by: int | None = None
    told: tuple[int, ...] = ()

    @property
    def lock_key(self) -> str:
        """The advisory lock the person rules run under: the person, or for bookings by name the booking
        account (its cap counts every person it names)."""
        return f"named-by:{self.named_by}" if self.named_by is not None else self.hash


def account_key(citizen: Citizen) -> str:
    """Whom an account's own actions count against: the verified person, else the account itself
    (never a typed-in ID number, which anyone can type)."""
    return citizen.verified_id_hash or f"account:{citizen.id}"


def person_hashes(citizen: Citizen) -> list[str]:
    """Every key the account's own records are filed under: its verified identity and the account itself. Never
    the ID number it typed (authority): anyone can type anyone's number, and closing an account that typed a
    stranger's must not touch the stranger's bookings, authorisations or history."""
    return sorted({*authority.own_keys(citizen), account_key(citizen)})


def own_appointments(citizen_id: int, hashes: list[str]):
    """The account's own appointments: for its person, and those it booked for others by name. A relative's
    booking it made under an authorisation belongs to the relative and stays theirs."""
    return or_(Appointment.person_hash.in_(hashes),
               (Appointment.citizen_id == citizen_id) & Appointment.named_id_hash.is_not(None))


def person_for_self(citizen: Citizen, cipher: FieldCipher) -> Person:
    if not citizen.real_name or not (citizen.verified_id_hash or citizen.id_number_hash):
        raise DomainError(messages.PROFILE_INCOMPLETE, code=PROFILE_INCOMPLETE, status=422)
    key = account_key(citizen)
    return Person(hash=key, name=citizen.real_name, accountable=key, booker_verified=citizen.verified)


def named_key(booker_id: int, typed_hash: str) -> str:
    """Whom a booking by name counts as: the booking account and the name it typed, never the typed number's
    owner (migration 0024 re-keys older rows the same way)."""
    return f"named:{booker_id}:{typed_hash[:40]}"


def person_for_other(session: Session, cipher: FieldCipher, booker: Citizen, *, name: str, id_number: str,
                     phone: str, relation: str) -> Person:
    """代预约 without an authorisation: a typed claim, so it affects only the account that typed it — it counts
    against the account's own cap of bookings for others (the centre's `max_active_for_others`), a no-show
    counts against the account, and the named person's quota, duplicates and suspension are never touched.
    The named person, if face-verified on their own account, sees it (王某 为您预约), can cancel it, and is told."""
    typed = id_hash_as_stored(session, cipher, id_number)
    record = authority.Record(booker_id=booker.id, person_hash=named_key(booker.id, typed), named_hash=typed)
    return Person(hash=record.person_hash, name=name, accountable=account_key(booker), booker_verified=booker.verified,
                  id_number_enc=cipher.encrypt(id_number, context=ID_NUMBER_CONTEXT),
                  phone_enc=cipher.encrypt(phone, context=PHONE_CONTEXT), relation=relation, named_hash=typed,
                  named_by=booker.id, told=tuple(authority.told(session, booker.id, record)))


def person_for_relative(session: Session, delegate: Citizen, principal: Principal) -> Person:
    """亲友代办 under an authorisation in force: the relative's own record, as if they had booked (their quota,
    their no-shows); it belongs to them — they see it, cancel it and are told — and the delegate acts on it only
    while the authorisation stays in force."""
    record = authority.Record(booker_id=delegate.id, person_hash=principal.id_hash,
                              authorisation_id=principal.authorisation_id)
    return Person(hash=principal.id_hash, name=principal.name, accountable=principal.id_hash, booker_verified=True,
                  id_number_enc=principal.id_number_enc, relation=principal.relation,
                  authorisation_id=principal.authorisation_id,
                  told=tuple(authority.told(session, delegate.id, record)))


def record_of(appointment: Appointment) -> authority.Record:
    return authority.Record(booker_id=appointment.citizen_id, person_hash=appointment.person_hash,
                            named_hash=appointment.named_id_hash, authorisation_id=appointment.authorisation_id)


def person_of(appointment: Appointment) -> Person:
    return Person(hash=appointment.person_hash, name=appointment.person_name,
                  accountable=appointment.accountable_hash, booker_verified=True,
                  id_number_enc=appointment.proxy_id_number_enc, phone_enc=appointment.proxy_phone_enc,
                  relation=appointment.proxy_relation, authorisation_id=appointment.authorisation_id,
                  named_hash=appointment.named_id_hash,
                  named_by=appointment.citizen_id if appointment.named_id_hash is not None else None)


def recipients(session: Session, appointment: Appointment, now: datetime) -> list[int]:
    """Who hears about the appointment: the account that booked it while it still has a grant on it, and the
    person it is for on their own verified account."""
    record = record_of(appointment)
    booker = [appointment.citizen_id] if authority.booker_still_acts(session, record, now) else []
    return booker + authority.told(session, appointment.citizen_id, record)


def _load_items(session: Session, codes: list[str], window_id: int) -> tuple[list[ServiceItem], bool]:
    """The items by code, and whether the window handles all of them (one query)."""
    unique_codes = list(dict.fromkeys(codes))
    rows = session.execute(
        select(ServiceItem, window_item.c.window_id)
        .outerjoin(window_item, and_(window_item.c.item_id == ServiceItem.id, window_item.c.window_id == window_id))
        .where(ServiceItem.code.in_(unique_codes)).execution_options(populate_existing=True)).all()
    items = {item.code: item for item, _ in rows}
    missing = [code for code in unique_codes if code not in items]
    if missing:
        raise DomainError(messages.UNKNOWN_ITEM.format(codes="、".join(missing)), code=UNKNOWN_ITEM, status=422,
                          fields={"item_codes": messages.UNKNOWN_ITEM.format(codes="、".join(missing))})
    return [items[code] for code in unique_codes], all(served is not None for _, served in rows)


def _check_catalogue(found: catalogue.Catalogue, person: Person, now: datetime) -> None:
    """What the catalogue alone decides: the centre takes the person (verified, or unverified allowed), the window
    serves the items, the time is bookable now, the slot is not closed (暂停服务; a closure racing this booking is
    met by the seat's UPDATE)."""
    if not person.booker_verified and not found.centre.allow_unverified_booking:
        raise DomainError(identity_messages.IDENTITY_REQUIRED, code=IDENTITY_UNVERIFIED, status=403)
    if not found.all_served:
        raise BookingRefused(messages.ITEM_NOT_AT_CENTRE, code=ITEM_NOT_AT_CENTRE, status=422)
    _check_timing(found.centre, found.slot.starts_at, now)
    if found.slot.closure_id is not None:
        raise BookingRefused(messages.SLOT_CLOSED, code=CENTRE_CLOSED)


def _fresh_catalogue(session: Session, slot_id: int, codes: list[str]) -> catalogue.Catalogue:
    """The booking's catalogue from the database, with the catalogue version read in the slot's statement."""
    # populate_existing: rows this session already holds (a cached copy found out of date) take the values read now.
    row = session.execute(select(Slot, catalogue.version_now()).where(Slot.id == slot_id).options(
        joinedload(Slot.window), joinedload(Slot.centre)).execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise NotFound(messages.SLOT_NOT_FOUND, code=SLOT_NOT_FOUND)
    slot, version = row
    items, all_served = _load_items(session, codes, slot.window_id)
    return catalogue.Catalogue(slot, slot.window, slot.centre, items, all_served, version, fresh=True)


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


def _quota(centre: Centre, person: Person) -> int:
    return centre.max_active_for_others if person.named_by is not None else centre.max_active_per_person


def suspended(until: datetime) -> BookingRefused:
    """Booking is suspended (多次爽约) until then: the one refusal for booking and for joining a waitlist."""
    return BookingRefused(messages.BOOKING_SUSPENDED.format(until=chinese_date(until)), code=BOOKING_SUSPENDED,
                          status=403, until=until.isoformat())


def _refusal(centre: Centre, person: Person, until: datetime | None, duplicate: int,
             active_count: int) -> BookingRefused | None:
    """The person rules, in one place: suspension (of the person or of whoever answers for the booking),
    a duplicate booking of an item that day, and the centre's quota of active bookings (for bookings by name,
    the account's cap of bookings for others)."""
    if until is not None:
        return suspended(until)
    if duplicate:
        return BookingRefused(messages.DUPLICATE_BOOKING, code=DUPLICATE_BOOKING)
    quota = _quota(centre, person)
    if active_count >= quota:
        if person.named_by is not None:
            if quota == 0:
                return BookingRefused(messages.NO_BOOKING_FOR_OTHERS, code=QUOTA_EXCEEDED)
            return BookingRefused(messages.QUOTA_FOR_OTHERS.format(limit=quota), code=QUOTA_EXCEEDED)
        return BookingRefused(messages.QUOTA_EXCEEDED.format(limit=quota), code=QUOTA_EXCEEDED)
    return None


# The person rules and the seat, in one statement run after the person's advisory lock (so its snapshot sees
# every earlier booking of that person): a suspension of the person or of whoever answers for the booking, an
# active booking of one of the items that day, and the number of active bookings (of the person; for a booking
# by name, :named_by, the account's active bookings by name). With :seat_id, that slot's seat is taken in the
# same statement only when the rules all pass; `taken` says whether it was.
PERSON_RULES_AND_SEAT = """
WITH rules AS (
    SELECT (SELECT max(until) FROM booking_suspension
            WHERE person_hash = ANY(CAST(:answerable AS varchar[])) AND until > :now AND lifted_at IS NULL)
               AS suspended_until,
           (SELECT count(*) FROM appointment_item
            WHERE person_hash = :person AND item_id = ANY(CAST(:item_ids AS bigint[]))
              AND service_date = :service_date AND active) AS duplicates,
           (SELECT count(*) FROM appointment
            WHERE ((CAST(:named_by AS bigint) IS NULL AND person_hash = :person)
                   OR (citizen_id = CAST(:named_by AS bigint) AND named_id_hash IS NOT NULL))
              AND status = ANY(CAST(:active_statuses AS varchar[])) AND ends_at > :now)
               AS active_count),
taken AS (
    UPDATE slot SET booked = booked + 1
    WHERE id = :seat_id AND booked < capacity AND closure_id IS NULL
      AND (SELECT suspended_until IS NULL AND duplicates = 0 AND active_count < :quota FROM rules)
    RETURNING id)
SELECT suspended_until, duplicates, active_count, EXISTS (SELECT FROM taken) AS taken FROM rules"""


_ACTIVE_STATUS_NAMES = [str(status) for status in ACTIVE_STATUSES]


def _check_person_and_take_seat(session: Session, centre: Centre, person: Person, item_ids: list[int],
                                service_date, now: datetime, seat: Slot | None) -> None:
    """One round trip for every booking: the person rules, and with `seat` that slot's seat (see above)."""
    row = session.execute(text(PERSON_RULES_AND_SEAT), dict(
        answerable=sorted({person.hash, person.accountable}), now=now, person=person.hash, item_ids=item_ids,
        service_date=service_date, active_statuses=_ACTIVE_STATUS_NAMES, named_by=person.named_by,
        seat_id=seat.id if seat is not None else None, quota=_quota(centre, person))).one()
    refusal = _refusal(centre, person, row.suspended_until, row.duplicates, row.active_count)
    if refusal is not None:
        raise refusal
    if seat is not None and not row.taken:
        raise _seat_refusal(session, seat.id)


def _seat_refusal(session: Session, slot_id: int) -> BookingRefused:
    """A seat not taken: the slot is full, or a closure (暂停服务) committed while this booking ran."""
    if session.scalar(select(Slot.closure_id).where(Slot.id == slot_id)) is not None:
        return BookingRefused(messages.SLOT_CLOSED, code=CENTRE_CLOSED)
    full_slots.mark_full(slot_id)
    return BookingRefused(messages.SLOT_FULL, code=SLOT_FULL)


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
        taken = session.execute(update(Slot).where(Slot.id == slot.id, Slot.booked < Slot.capacity,
                                                   Slot.closure_id.is_(None))
                                .values(booked=Slot.booked + 1).returning(Slot.id)
                                .execution_options(synchronize_session=False)).first()
        if taken is None:
            raise _seat_refusal(session, slot.id)


def give_up_seats(session: Session, appointment: Appointment, now: datetime) -> None:
    """The appointment's seats go to the waitlist (held for the first in line) or back to the pool: the centre's
    line first, then the slots in id order."""
    freed_seats.lock_line(session, appointment.centre_id)
    _lock_slots(session, [slot.id for slot in appointment.slots])
    freed_seats.free_seats(session, appointment, now)


def book_appointment(session: Session, *, citizen_id: int, person: Person, slot_id: int, item_codes: list[str],
                     now: datetime, confirm: bool = True, seat_held: bool = False) -> Appointment:
    """Book; with `confirm`, the confirmation and reminders go into the outbox in this transaction.
    `seat_held`: the first slot's seat is already the person's (a waitlist offer), only the rules are checked.

    The hot path of the 08:00 rush, in three statements (five round trips with BEGIN and COMMIT) once this
    process holds the slot's catalogue (appointments/catalogue.py): the person's lock with the calendar, a new
    appointment id and the catalogue version; the person rules with the seat; every row the booking writes. The
    first booking of a slot in a process reads the slot with its window and centre, and the items, first
    (bench/booking.py measures it)."""
    if not seat_held and full_slots.known_full(slot_id):   # the 08:00 release: no transaction for a full slot
        raise BookingRefused(messages.SLOT_FULL, code=SLOT_FULL)
    full_slots.attempt_started()
    # The catalogue from this process's cache (appointments/catalogue.py) when it holds it, else from the database;
    # the statement taking the person's lock says whether the cached one is still current (else: once more, fresh).
    for attempt in range(2):
        found = catalogue.cached(session, slot_id, item_codes) if attempt == 0 else None
        if found is None:
            found = _fresh_catalogue(session, slot_id, item_codes)
        slot, centre, items = found.slot, found.centre, found.items
        try:
            _check_catalogue(found, person, now)
        except DomainError:
            if found.fresh:
                raise
            continue   # refused on cached values: the refusal stands only if the database says so too
        service_date = local_date(slot.starts_at)
        # A standing closure covering this slot refuses it too, also one whose slots were made while it was being
        # closed (the hourly sweep marks them next time).
        starts, ends = local(slot.starts_at).time(), local(slot.ends_at).time()
        covering = select(CentreClosure.id).where(
            CentreClosure.centre_id == centre.id, CentreClosure.day == service_date,
            CentreClosure.lifted_at.is_(None),
            or_(CentreClosure.window_ids.is_(None), CentreClosure.window_ids.any(slot.window_id)),
            or_(CentreClosure.from_time.is_(None),
                and_(CentreClosure.from_time < ends, CentreClosure.to_time > starts)))
        _, override_workday, override_note, closure, appointment_id, version = session.execute(select(
            transaction_lock(person.lock_key),
            select(CalendarOverride.is_workday).where(CalendarOverride.day == service_date).scalar_subquery(),
            select(CalendarOverride.note).where(CalendarOverride.day == service_date).scalar_subquery(),
            covering.limit(1).scalar_subquery(),
            func.nextval(func.pg_get_serial_sequence(Appointment.__tablename__, "id")),
            catalogue.version_now())).one()
        if version == found.version:
            if found.fresh and version:   # 0: no counter row (an emptied table), so nothing is cached
                catalogue.remember(session, version, slot, found.window, centre)
            break
        catalogue.forget_all()   # staff changed the catalogue since it was read: read it again, here
    if closure is not None:
        raise BookingRefused(messages.SLOT_CLOSED, code=CENTRE_CLOSED)
    day = status_from(session, service_date, override_workday, override_note)
    if day.schedule_weekday is None:
        raise BookingRefused(messages.CENTRE_CLOSED, code=CENTRE_CLOSED)

    slots = _consecutive_slots(session, slot, slots_needed(items, found.window))
    # One slot (nearly every booking): its seat goes with the rules. Several: the rules, then each seat in id order.
    single = len(slots) == 1
    _check_person_and_take_seat(session, centre, person, [item.id for item in items], service_date, now,
                                slot if single and not seat_held else None)
    if not single:
        take_seats(session, slots[1:] if seat_held else slots)
    return _write_appointment(session, appointment_id, citizen_id, person, centre, found.window, slots, items,
                              service_date, now, confirm)


# Everything a booking writes, in one statement: the appointment (its id taken from the sequence beforehand,
# so the rows below and the messages' links can name it), its item lines, its slot links and its outbox rows
# (none when :outbox is an empty array), and the outbox dispatcher's wake-up when a row is due now (delivered
# at commit; the booking enqueues no job itself). Returns when it was created.
WRITE_BOOKING = f"""
WITH written AS (
    INSERT INTO appointment (id, citizen_id, person_hash, person_name, accountable_hash, named_id_hash,
                             authorisation_id, proxy_id_number_enc, proxy_phone_enc, proxy_relation, centre_id,
                             window_id, service_date, starts_at, ends_at, status)
    VALUES (:id, :citizen_id, :person_hash, :person_name, :accountable_hash, :named_id_hash,
            :authorisation_id, :proxy_id_number_enc, :proxy_phone_enc, :proxy_relation, :centre_id,
            :window_id, :service_date, :starts_at, :ends_at, :status)
    RETURNING created_at),
lines AS (
    INSERT INTO appointment_item (appointment_id, item_id, person_hash, service_date, active)
    SELECT :id, item_id, :person_hash, :service_date, true FROM unnest(CAST(:item_ids AS bigint[])) AS item_id),
links AS (
    INSERT INTO appointment_slot (appointment_id, slot_id)
    SELECT :id, slot_id FROM unnest(CAST(:slot_ids AS bigint[])) AS slot_id),
outbox AS ({OUTBOX_INSERT}),
wake AS (SELECT pg_notify('{OUTBOX_CHANNEL}', '') WHERE CAST(:wake AS boolean))
SELECT created_at, (SELECT count(*) FROM outbox) AS outbox_rows, (SELECT count(*) FROM wake) AS woken
FROM written"""


def _write_appointment(session: Session, appointment_id: int, citizen_id: int, person: Person, centre: Centre,
                       window: Window, slots: list[Slot], items: list[ServiceItem], service_date, now: datetime,
                       confirm: bool) -> Appointment:
    """The appointment, its item lines, its slot links and (with `confirm`) its outbox rows in one
    statement; the appointment then joins the session as if it had been loaded, relationships and all."""
    values = dict(
        id=appointment_id, citizen_id=citizen_id, person_hash=person.hash, person_name=person.name,
        accountable_hash=person.accountable, named_id_hash=person.named_hash, authorisation_id=person.authorisation_id,
        proxy_id_number_enc=person.id_number_enc, proxy_phone_enc=person.phone_enc, proxy_relation=person.relation,
        centre_id=centre.id, window_id=window.id, service_date=service_date,
        starts_at=slots[0].starts_at, ends_at=slots[-1].ends_at, status=str(AppointmentStatus.BOOKED))
    appointment = Appointment(**values, cancel_reason=None, rescheduled_to_id=None, checked_in_at=None,
                              updated_at=None)
    # Relationships set on the transient object reach no session: none of them has a backref.
    appointment.centre, appointment.window, appointment.slots, appointment.ticket = centre, window, slots, None
    appointment.lines = [AppointmentItem(appointment_id=appointment_id, item_id=item.id, person_hash=person.hash,
                                         service_date=service_date, active=True, item=item) for item in items]
    drafts = notices.booked_drafts(appointment, now, [citizen_id, *person.told]) if confirm else []
    try:
        with session.no_autoflush:
            row = session.execute(text(WRITE_BOOKING), dict(
                values, item_ids=[item.id for item in items], slot_ids=[s.id for s in slots],
                outbox=outbox_rows(drafts, now, claim=False),
                wake=any(draft.deliver_after is None or draft.deliver_after <= now for draft in drafts))).one()
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
    return appointment


def _not_found() -> NotFound:
    return NotFound(messages.APPOINTMENT_NOT_FOUND, code=APPOINTMENT_NOT_FOUND)


def appointment_for(session: Session, actor: Citizen | int, appointment_id: int, act: Act, now: datetime, *,
                    lock: bool = False) -> tuple[Appointment, Basis]:
    """An appointment the account may do `act` to now (authority.require: its own, one made under a relative
    authorisation still in force, one it booked by name, one that names its verified person), with the basis;
    404 when it has no grant on it at all (existence is not leaked), 403 when it may see it but not do this."""
    if isinstance(actor, int):
        actor = session.get(Citizen, actor)   # the request's own citizen: already in the session, no query
    statement = select(Appointment).where(Appointment.id == appointment_id)
    if lock:
        # The centre's line before the row: the order a closure takes them in (line, slots, appointments), so
        # a cancel or reschedule racing a closure waits rather than deadlocks.
        centre_id = session.scalar(select(Appointment.centre_id).where(Appointment.id == appointment_id))
        if centre_id is not None:
            freed_seats.lock_line(session, centre_id)
        statement = statement.with_for_update()
    appointment = session.scalars(statement).one_or_none()
    if appointment is None:
        raise _not_found()
    return appointment, authority.require(session, actor, record_of(appointment), act, now, _not_found())


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
    """Cancel before the cut-off, by anyone with a grant on it (authority); everyone it concerns is told."""
    appointment, basis = appointment_for(session, citizen_id, appointment_id, Act.CANCEL, now, lock=True)
    _ensure_changeable(appointment, now)
    give_up_seats(session, appointment, now)
    if reason is None and basis == Basis.NAMED:
        reason = messages.CANCELLED_BY_NAMED_PERSON
    end_appointment(appointment, AppointmentStatus.CANCELLED, now, reason or messages.CANCELLED_BY_CITIZEN)
    session.flush()
    notices.appointment_cancelled(session, appointment, now, reason, recipients(session, appointment, now))
    return appointment


def cancel_for_deletion(session: Session, appointment: Appointment, now: datetime, reason: str) -> None:
    """An account closing: its own upcoming bookings go (a locked row), everyone they concern is told."""
    give_up_seats(session, appointment, now)
    end_appointment(appointment, AppointmentStatus.CANCELLED, now, reason)
    session.flush()
    notices.appointment_cancelled(session, appointment, now, reason, recipients(session, appointment, now))


def reschedule_appointment(session: Session, *, citizen_id: int, appointment_id: int, slot_id: int,
                           now: datetime) -> Appointment:
    """Cancel and book in one transaction: if the new seat cannot be had, nothing changes. The grant is checked
    as for a new booking (a delegate's authorisation must still be in force with the booking scope); when the
    person it is for moves a booking someone made for them, the new one is their own."""
    old, basis = appointment_for(session, citizen_id, appointment_id, Act.RESCHEDULE, now, lock=True)
    _ensure_changeable(old, now)
    person, booker_id = person_of(old), old.citizen_id
    if basis == Basis.SELF and old.citizen_id != citizen_id:
        person, booker_id = replace(person, authorisation_id=None, relation=None, id_number_enc=None,
                                    phone_enc=None), citizen_id
    # Lock order: the old centre's waitlist line (freed_seats.py), then as in booking the person, then every slot
    # involved by id.
    freed_seats.lock_line(session, old.centre_id)
    lock_for_transaction(session, person.lock_key)
    target = session.scalars(select(Slot).where(Slot.id == slot_id).options(selectinload(Slot.window))).one_or_none()
    if target is None:
        raise NotFound(messages.SLOT_NOT_FOUND, code=SLOT_NOT_FOUND)
    wanted = _consecutive_slots(session, target, slots_needed([line.item for line in old.lines], target.window))
    _lock_slots(session, [s.id for s in old.slots] + [s.id for s in wanted])
    freed_seats.free_seats(session, old, now)
    end_appointment(old, AppointmentStatus.CANCELLED, now, messages.CANCELLED_BY_RESCHEDULE)
    session.flush()
    new = book_appointment(session, citizen_id=booker_id, person=person, slot_id=slot_id,
                           item_codes=[line.item.code for line in old.lines], now=now, confirm=False)
    old.rescheduled_to_id = new.id
    session.flush()
    notices.appointment_rescheduled(session, old, new, now, recipients(session, new, now))
    return new


def list_appointments(session: Session, citizen_id: int, now: datetime | None = None, *,
                      limit: int = 50) -> list[Appointment]:
    """What 我的预约 lists: every appointment the account may view now (its own, those it made for others by name
    or under an authorisation still in force, and those made for its verified person by anyone)."""
    actor, now = session.get(Citizen, citizen_id), now or utcnow()
    return list(session.scalars(select(Appointment).where(authority.visible(
        actor, now, booker=Appointment.citizen_id, person=Appointment.person_hash, named=Appointment.named_id_hash,
        authorisation=Appointment.authorisation_id, named_live=Appointment.status.in_(_ACTIVE_STATUS_NAMES))
    ).order_by(Appointment.starts_at.desc()).limit(limit)))


def bookers_for(session: Session, viewer_id: int, appointments: list[Appointment]) -> dict[int, str]:
    """For the appointments someone else booked for the viewer: the booker's name, masked (王*)."""
    others = {a.citizen_id for a in appointments if a.citizen_id != viewer_id}
    if not others:
        return {}
    names = dict(session.execute(select(Citizen.id, Citizen.real_name).where(Citizen.id.in_(others))).tuples().all())
    return {a.id: mask_name(names.get(a.citizen_id) or "") or messages.SOMEONE
            for a in appointments if a.citizen_id != viewer_id}


def relative_appointments(session: Session, principal: Principal, *, limit: int = 50) -> list[Appointment]:
    """A relative's own appointments, whoever booked them: those for their verified person, and those their account
    booked for itself before it was verified. Never what their account booked for someone else (a person they
    named, a relative of theirs): the delegate has no grant from those people."""
    mine = Appointment.person_hash == principal.id_hash
    if principal.citizen_id is not None:
        mine = mine | (Appointment.person_hash == f"account:{principal.citizen_id}")
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
    audit_trail.record(session, actor=actor, action="booking_suspension.lift", subject_type="booking_suspension",
                       subject_id=str(suspension.id), detail={"reason": reason.strip()})
    session.flush()
    return suspension


def active_suspensions(session: Session, centre_id: int, now: datetime) -> list[BookingSuspension]:
    return list(session.scalars(select(BookingSuspension).where(
        BookingSuspension.centre_id == centre_id, BookingSuspension.lifted_at.is_(None),
        BookingSuspension.until > now).order_by(BookingSuspension.until)))


def gone_reminders(session: Session, rows: list) -> set[int]:
    """The outbox asks before sending: reminder rows whose appointment was cancelled, moved or already handled,
    and reminders to a delegate whose authorisation has ended since (the principal's own copy still goes)."""
    reminders = [r for r in rows if r.kind.startswith("appointment_reminder")]
    if not reminders:
        return set()
    appointments = {a.id: a for a in session.scalars(select(Appointment).where(
        Appointment.id.in_({r.subject_id for r in reminders})))}
    return {row.id for row in reminders
            if (appointment := appointments.get(row.subject_id)) is None
            or appointment.status != AppointmentStatus.BOOKED or notices.cause_marker(appointment) != row.cause_marker
            or (appointment.authorisation_id is not None and row.citizen_id == appointment.citizen_id
                and not authority.booker_still_acts(session, record_of(appointment), utcnow()))}
