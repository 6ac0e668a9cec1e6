"""The waitlist (候补): a freed seat goes to the first person in line, held for them, never to two at once.

A freed seat does not go back to the pool when someone is waiting for it: the slot keeps counting it as
booked and a held offer (WaitlistOffer) names the entry it is kept for. So a held seat cannot be booked by
anyone else (the booking's `booked < capacity` sees it taken), and confirming needs no seat at all.

Every change of the line at a centre — a seat freed by a cancel or a reschedule, an offer confirmed,
declined or run out, an entry cancelled — runs under one transaction-scoped advisory lock on the centre's
line, taken before any slot row lock. Under it, "the first in line" is read and written by one transaction
at a time: first come, first served, and no seat offered twice. Booking itself never takes that lock (the
08:00 rush stays as fast as it was).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, Time, cast, func, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from miniapp_api.appointments import freed_seats, messages
from miniapp_api.appointments.models import (
    LIVE_WAITLIST_STATUSES,
    Appointment,
    OfferStatus,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from miniapp_api.appointments.freed_seats import lock_line
from miniapp_api.appointments.services import (
    ITEM_NOT_AT_CENTRE,
    BookingRefused,
    Person,
    account_key,
    active_suspension,
    book_appointment,
    suspended,
)
from miniapp_api.centres.models import Centre, window_item
from miniapp_api.centres.services import get_centre, get_item
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity import messages as identity_messages
from miniapp_api.identity.services import IDENTITY_UNVERIFIED
from miniapp_api.notifications import appointment_notices as notices
from miniapp_api.platform.clock import SHANGHAI, local_date
from miniapp_api.platform.db import lock_for_transaction
from miniapp_api.platform.errors import DomainError, NotFound

SEATS_AVAILABLE = "seats_available"
ALREADY_WAITING = "already_waiting"
TOO_MANY_WAITLISTS = "too_many_waitlists"
WAITLIST_DATES = "waitlist_dates"
WAITLIST_NOT_FOUND = "waitlist_not_found"
OFFER_NOT_FOUND = "offer_not_found"
OFFER_GONE = "offer_gone"
NOT_CANCELLABLE = "waitlist_not_cancellable"
WAITLIST_TOO_LONG = "waitlist_item_too_long"

# One person waits for at most this many items at once, across all centres.
MAX_LIVE_ENTRIES = 3


# --- joining and leaving the line ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    centre_id: int
    item_code: str
    date_from: date
    date_to: date
    time_from: time | None = None
    time_to: time | None = None


def _free_seats(session: Session, centre: Centre, item_id: int, wanted: Wanted, now: datetime) -> int:
    """Seats still bookable in the days and times asked for: while there are some, the line is not needed."""
    local_start = func.timezone("Asia/Shanghai", Slot.starts_at)
    query = (select(func.count()).select_from(Slot)
             .join(window_item, window_item.c.window_id == Slot.window_id)
             .where(Slot.centre_id == centre.id, window_item.c.item_id == item_id, Slot.booked < Slot.capacity,
                    Slot.closure_id.is_(None),
                    Slot.starts_at >= now + timedelta(minutes=centre.min_notice_minutes),
                    cast(local_start, Date).between(wanted.date_from, wanted.date_to)))
    if wanted.time_from is not None:
        query = query.where(cast(local_start, Time) >= wanted.time_from)
    if wanted.time_to is not None:
        query = query.where(cast(local_start, Time) < wanted.time_to)
    return session.scalar(query) or 0


def join(session: Session, citizen: Citizen, wanted: Wanted, now: datetime) -> WaitlistEntry:
    """Join the line for an item at a centre: face-verified people only, under the booking rules (suspension,
    one live entry per item, MAX_LIVE_ENTRIES), and only while the days asked for are really full."""
    if not citizen.verified:
        raise DomainError(identity_messages.IDENTITY_REQUIRED, code=IDENTITY_UNVERIFIED, status=403)
    centre = get_centre(session, wanted.centre_id)
    item = get_item(session, wanted.item_code)
    windows = [window for window in centre.windows if item.id in {i.id for i in window.items}]
    if not windows:
        raise BookingRefused(messages.ITEM_NOT_AT_CENTRE, code=ITEM_NOT_AT_CENTRE, status=422)
    if all(item.duration_minutes > window.slot_minutes for window in windows):
        # A freed seat is one slot (freed_seats.FIRST_IN_LINE); an item needing several is never offered one.
        raise BookingRefused(messages.WAITLIST_TOO_LONG, code=WAITLIST_TOO_LONG, status=422)
    today = local_date(now)
    last_day = today + timedelta(days=centre.booking_horizon_days)
    if not today <= wanted.date_from <= wanted.date_to <= last_day:
        raise DomainError(messages.WAITLIST_DATES.format(days=centre.booking_horizon_days), code=WAITLIST_DATES,
                          status=422, fields={"date_to": messages.WAITLIST_DATES.format(
                              days=centre.booking_horizon_days)})
    person = account_key(citizen)
    lock_for_transaction(session, person)       # one person's joins, one at a time (the count below)
    suspension = active_suspension(session, person, now)
    if suspension is not None:
        raise suspended(suspension.until)
    live = list(session.scalars(select(WaitlistEntry).where(WaitlistEntry.person_hash == person,
                                                            WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES))))
    if any(e.centre_id == centre.id and e.item_id == item.id for e in live):
        raise BookingRefused(messages.ALREADY_WAITING, code=ALREADY_WAITING)
    if len(live) >= MAX_LIVE_ENTRIES:
        raise BookingRefused(messages.TOO_MANY_WAITLISTS.format(limit=MAX_LIVE_ENTRIES), code=TOO_MANY_WAITLISTS)
    if _free_seats(session, centre, item.id, wanted, now):
        raise BookingRefused(messages.SEATS_AVAILABLE, code=SEATS_AVAILABLE)
    entry = WaitlistEntry(citizen_id=citizen.id, person_hash=person, person_name=citizen.real_name or "",
                          centre_id=centre.id, item_id=item.id, date_from=wanted.date_from, date_to=wanted.date_to,
                          time_from=wanted.time_from, time_to=wanted.time_to, status=WaitlistStatus.WAITING,
                          created_at=now)
    session.add(entry)
    session.flush()
    return entry


def own_entry(session: Session, citizen_id: int, entry_id: int) -> WaitlistEntry:
    entry = session.scalars(select(WaitlistEntry).where(WaitlistEntry.id == entry_id,
                                                        WaitlistEntry.citizen_id == citizen_id)).one_or_none()
    if entry is None:
        raise NotFound(messages.WAITLIST_NOT_FOUND, code=WAITLIST_NOT_FOUND)
    return entry


def cancel_entry(session: Session, citizen_id: int, entry_id: int, now: datetime) -> WaitlistEntry:
    """Leave the line; a seat held for the entry passes to the next person (or back to the pool)."""
    entry = own_entry(session, citizen_id, entry_id)
    lock_line(session, entry.centre_id)
    session.refresh(entry, with_for_update=True)
    if entry.status not in LIVE_WAITLIST_STATUSES:
        raise BookingRefused(messages.WAITLIST_NOT_CANCELLABLE.format(
            status=messages.WAITLIST_STATUS_NAMES[entry.status]), code=NOT_CANCELLABLE)
    held = _held_offer_of(session, entry.id)
    _end_entry(entry, WaitlistStatus.CANCELLED, now)
    if held is not None:
        _end_offer(held, OfferStatus.WITHDRAWN, now)
        session.flush()
        freed_seats.pass_on(session, held, now)
    session.flush()
    return entry


def my_entries(session: Session, citizen_id: int, *, limit: int = 30) -> list[WaitlistEntry]:
    return list(session.scalars(select(WaitlistEntry).where(WaitlistEntry.citizen_id == citizen_id)
                                .options(joinedload(WaitlistEntry.centre), joinedload(WaitlistEntry.item))
                                .order_by(WaitlistEntry.id.desc()).limit(limit)))


def people_ahead(session: Session, entries: list[WaitlistEntry]) -> dict[int, int]:
    """For each waiting entry, how many are waiting before it for the same item at the same centre (one query
    for the whole list)."""
    waiting = [e.id for e in entries if e.status == WaitlistStatus.WAITING]
    if not waiting:
        return {}
    before = aliased(WaitlistEntry)
    ahead = (select(func.count()).select_from(before).where(
        before.centre_id == WaitlistEntry.centre_id, before.item_id == WaitlistEntry.item_id,
        before.status == WaitlistStatus.WAITING, before.id < WaitlistEntry.id).scalar_subquery())
    return dict(session.execute(select(WaitlistEntry.id, ahead).where(WaitlistEntry.id.in_(waiting))).tuples().all())


def held_offers(session: Session, entry_ids: list[int]) -> dict[int, WaitlistOffer]:
    if not entry_ids:
        return {}
    rows = session.scalars(select(WaitlistOffer).where(WaitlistOffer.entry_id.in_(entry_ids),
                                                       WaitlistOffer.status == OfferStatus.HELD)
                           .options(joinedload(WaitlistOffer.slot).joinedload(Slot.window)))
    return {offer.entry_id: offer for offer in rows}


# --- seats freed, offered, passed on -----------------------------------------------------------------------------


def _end_entry(entry: WaitlistEntry, status: WaitlistStatus, now: datetime) -> None:
    entry.status, entry.updated_at = status, now


def _end_offer(offer: WaitlistOffer, status: OfferStatus, now: datetime) -> None:
    offer.status, offer.decided_at = status, now


def _held_offer_of(session: Session, entry_id: int) -> WaitlistOffer | None:
    return session.scalars(select(WaitlistOffer).where(WaitlistOffer.entry_id == entry_id,
                                                       WaitlistOffer.status == OfferStatus.HELD)
                           .with_for_update()).one_or_none()


def _own_offer(session: Session, citizen_id: int, offer_id: int) -> WaitlistOffer:
    """The caller's offer, its centre's line locked and the offer row with it; 404 for anyone else's."""
    centre_id = session.scalar(select(WaitlistOffer.centre_id).join(WaitlistEntry).where(
        WaitlistOffer.id == offer_id, WaitlistEntry.citizen_id == citizen_id))
    if centre_id is None:
        raise NotFound(messages.OFFER_NOT_FOUND, code=OFFER_NOT_FOUND)
    lock_line(session, centre_id)
    return session.scalars(select(WaitlistOffer).where(WaitlistOffer.id == offer_id).options(
        joinedload(WaitlistOffer.entry).joinedload(WaitlistEntry.item)).with_for_update(of=WaitlistOffer)).one()


def _ensure_held(offer: WaitlistOffer, now: datetime) -> None:
    if offer.status == OfferStatus.HELD and offer.expires_at <= now:
        raise BookingRefused(messages.OFFER_EXPIRED, code=OFFER_GONE)
    if offer.status != OfferStatus.HELD:
        raise BookingRefused(messages.OFFER_GONE.format(status=messages.OFFER_STATUS_NAMES[offer.status]),
                             code=OFFER_GONE)


def confirm_offer(session: Session, citizen: Citizen, offer_id: int, now: datetime) -> Appointment:
    """One tap: the held seat becomes the person's appointment (the booking rules apply; the seat is theirs
    already). Refused, the offer stays held until it runs out, so the person can make room and try again."""
    offer = _own_offer(session, citizen.id, offer_id)
    _ensure_held(offer, now)
    entry = offer.entry
    person = Person(hash=entry.person_hash, name=entry.person_name, accountable=entry.person_hash,
                    booker_verified=True)
    appointment = book_appointment(session, citizen_id=citizen.id, person=person, slot_id=offer.slot_id,
                                   item_codes=[entry.item.code], now=now, seat_held=True)
    _end_offer(offer, OfferStatus.CONFIRMED, now)
    offer.appointment_id = appointment.id
    _end_entry(entry, WaitlistStatus.BOOKED, now)
    entry.appointment_id = appointment.id
    session.flush()
    return appointment


def decline_offer(session: Session, citizen: Citizen, offer_id: int, now: datetime) -> WaitlistOffer:
    """不需要了: the entry leaves the line and the seat passes on at once."""
    offer = _own_offer(session, citizen.id, offer_id)
    _ensure_held(offer, now)
    _end_offer(offer, OfferStatus.DECLINED, now)
    _end_entry(offer.entry, WaitlistStatus.CANCELLED, now)
    session.flush()
    freed_seats.pass_on(session, offer, now)
    session.flush()
    return offer


def expire_offers(session: Session, now: datetime, *, limit: int = 500) -> int:
    """The sweep: held offers past their time lapse (the entry with them, told in-app) and their seats pass
    on; entries whose last day has gone leave the line. Safe to run twice, and after a worker died in it
    (its transaction rolled back, so the next run finds the same offers)."""
    session.execute(update(WaitlistEntry).where(WaitlistEntry.status == WaitlistStatus.WAITING,
                                                WaitlistEntry.date_to < local_date(now))
                    .values(status=WaitlistStatus.EXPIRED, updated_at=now))
    due = session.execute(select(WaitlistOffer.id, WaitlistOffer.centre_id).where(
        WaitlistOffer.status == OfferStatus.HELD, WaitlistOffer.expires_at <= now)
        .order_by(WaitlistOffer.centre_id, WaitlistOffer.id).limit(limit)).all()
    lapsed = 0
    for offer_id, centre_id in due:
        lock_line(session, centre_id)      # centres in id order: two sweeps never wait on each other in a cycle
        offer = session.scalars(select(WaitlistOffer).where(WaitlistOffer.id == offer_id)
                                .options(joinedload(WaitlistOffer.entry)).with_for_update(of=WaitlistOffer)).one()
        if offer.status != OfferStatus.HELD or offer.expires_at > now:
            continue
        _end_offer(offer, OfferStatus.EXPIRED, now)
        _end_entry(offer.entry, WaitlistStatus.LAPSED, now)
        session.flush()
        notices.waitlist_lapsed(session, offer, now)
        freed_seats.pass_on(session, offer, now)
        lapsed += 1
    session.flush()
    return lapsed


def gone_offers(session: Session, rows: list) -> set[int]:
    """The outbox asks before sending: a 候补成功 whose hold is no longer held is not sent."""
    offers = [r for r in rows if r.kind == "waitlist_offer"]
    if not offers:
        return set()
    held = set(session.scalars(select(WaitlistOffer.id).where(WaitlistOffer.id.in_({r.subject_id for r in offers}),
                                                              WaitlistOffer.status == OfferStatus.HELD)))
    return {row.id for row in offers if row.subject_id not in held}


# --- the dashboard ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFigures:
    centre_id: int
    waiting: int            # people in line now
    held: int               # seats held for someone now
    freed: int              # freed seats offered to the line in the period (chains started)
    filled: int             # of those, booked through the line

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.freed if self.freed else None


def line_figures(session: Session, centre_ids: list[int], since: date, until: date) -> list[LineFigures]:
    """Per centre: the line's length now, seats held now, and the fill rate of freed seats offered to the line
    between the two days (local): chains of offers started then, and how many ended in a booking."""
    start = datetime.combine(since, time(0), SHANGHAI)
    end = datetime.combine(until + timedelta(days=1), time(0), SHANGHAI)
    waiting = dict(session.execute(select(WaitlistEntry.centre_id, func.count()).where(
        WaitlistEntry.centre_id.in_(centre_ids), WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES))
        .group_by(WaitlistEntry.centre_id)).all())
    held = dict(session.execute(select(WaitlistOffer.centre_id, func.count()).where(
        WaitlistOffer.centre_id.in_(centre_ids), WaitlistOffer.status == OfferStatus.HELD)
        .group_by(WaitlistOffer.centre_id)).all())
    chains = session.execute(select(
        WaitlistOffer.centre_id, func.count(func.distinct(WaitlistOffer.chain_id)),
        func.count(func.distinct(WaitlistOffer.chain_id)).filter(WaitlistOffer.status == OfferStatus.CONFIRMED))
        .where(WaitlistOffer.centre_id.in_(centre_ids), WaitlistOffer.created_at >= start,
               WaitlistOffer.created_at < end)
        .group_by(WaitlistOffer.centre_id)).all()
    freed = {row[0]: (row[1], row[2]) for row in chains}
    return [LineFigures(centre_id=c, waiting=waiting.get(c, 0), held=held.get(c, 0),
                        freed=freed.get(c, (0, 0))[0], filled=freed.get(c, (0, 0))[1]) for c in centre_ids]

