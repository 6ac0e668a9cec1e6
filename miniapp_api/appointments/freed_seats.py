"""Freed seats: each goes to the first person on the waitlist who can take it, held for them, or back to the pool.

Below the booking services (cancel and reschedule free seats through here) and below the waitlist's own
services (confirm, decline, cancel, the expiry sweep), which all pass seats on through here too.
See waitlist.py for the locking rule: the centre's line before any slot row lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, joinedload

from miniapp_api.appointments import full_slots
from miniapp_api.appointments.models import (
    OfferStatus,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from miniapp_api.centres.models import Centre
from miniapp_api.notifications import appointment_notices as notices
from miniapp_api.notifications.delivery import in_quiet_hours, quiet_hours_end
from miniapp_api.platform.clock import local
from miniapp_api.platform.db import lock_for_transaction


def line_key(centre_id: int) -> str:
    return f"waitlist:{centre_id}"


def lock_line(session: Session, centre_id: int) -> None:
    """The centre's line, until commit: taken before any slot row lock by every path that moves a seat
    between the pool, a hold and a booking (see the module's docstring for why that order)."""
    lock_for_transaction(session, line_key(centre_id))


# The first entry in line that can take a seat of :slot_id: waiting at the slot's centre for an item its window
# handles in one slot, on that day and (if given) at that time of day, never offered this seat before, and
# not already booked for the item that day. FOR UPDATE: the row is this transaction's until commit.
FIRST_IN_LINE = """
SELECT e.id FROM waitlist_entry e
JOIN service_item i ON i.id = e.item_id
WHERE e.centre_id = :centre_id AND e.status = 'waiting'
  AND e.item_id IN (SELECT item_id FROM window_item WHERE window_id = :window_id)
  AND i.duration_minutes <= :slot_minutes
  AND :day BETWEEN e.date_from AND e.date_to
  AND (e.time_from IS NULL OR e.time_from <= :time_of_day)
  AND (e.time_to IS NULL OR :time_of_day < e.time_to)
  AND NOT EXISTS (SELECT FROM waitlist_offer o WHERE o.entry_id = e.id AND o.slot_id = :slot_id)
  AND NOT EXISTS (SELECT FROM appointment_item a WHERE a.person_hash = e.person_hash AND a.item_id = e.item_id
                  AND a.service_date = :day AND a.active)
ORDER BY e.id
LIMIT 1
FOR UPDATE OF e"""


def hold_until(centre: Centre, now: datetime) -> datetime:
    """How long a seat is kept: the centre's hold, counted from the end of quiet hours when offered at night
    (the offer's message waits for the morning; so does the person's time to answer)."""
    start = quiet_hours_end(now) if in_quiet_hours(now) else now
    return start + timedelta(minutes=centre.waitlist_hold_minutes)


def offer_seat(session: Session, slot: Slot, centre: Centre, now: datetime, chain_id: int | None) -> WaitlistOffer | None:
    """Offer one freed seat of `slot` to the first in line who can take it; None when nobody can (or the slot
    starts too soon for a hold and then a booking's notice)."""
    if slot.closure_id is not None:   # 暂停服务: nobody may take it, not even the first in line
        return None
    expires_at = hold_until(centre, now)
    if slot.starts_at < expires_at + timedelta(minutes=centre.min_notice_minutes):
        return None
    starts = local(slot.starts_at)
    entry_id = session.execute(text(FIRST_IN_LINE), dict(
        centre_id=centre.id, window_id=slot.window_id, slot_minutes=slot.window.slot_minutes, day=starts.date(),
        time_of_day=starts.time(), slot_id=slot.id)).scalar()
    if entry_id is None:
        return None
    entry = session.get(WaitlistEntry, entry_id)
    offer = WaitlistOffer(entry_id=entry_id, slot_id=slot.id, centre_id=centre.id, chain_id=chain_id,
                          status=OfferStatus.HELD, expires_at=expires_at, created_at=now)
    session.add(offer)
    entry.status, entry.updated_at = WaitlistStatus.OFFERED, now
    session.flush()
    if offer.chain_id is None:
        offer.chain_id = offer.id
    offer.slot = slot
    offer.entry = entry
    notices.waitlist_offered(session, offer, now)
    return offer


def release(session: Session, slot_id: int) -> None:
    """A seat back to the pool: the slot is no longer full once this commits (full_slots)."""
    session.execute(update(Slot).where(Slot.id == slot_id).values(booked=Slot.booked - 1)
                    .execution_options(synchronize_session=False))
    full_slots.freed_after_commit(session, [slot_id])


def free_seats(session: Session, appointment, now: datetime) -> None:
    """An appointment gives its seats up: each goes to the first in line who can take it, held for them, or
    back to the pool. The caller holds the centre's line (lock_line) and the slots' row locks."""
    centre = appointment.centre
    for slot in appointment.slots:
        if offer_seat(session, slot, centre, now, chain_id=None) is None:
            release(session, slot.id)


def pass_on(session: Session, offer: WaitlistOffer, now: datetime) -> WaitlistOffer | None:
    """An offer ended unconfirmed: its seat goes to the next in line, or back to the pool."""
    slot = session.scalars(select(Slot).where(Slot.id == offer.slot_id).options(joinedload(Slot.window))
                           .with_for_update(of=Slot)).one()
    centre = session.get(Centre, offer.centre_id)
    following = offer_seat(session, slot, centre, now, chain_id=offer.chain_id)
    if following is None:
        release(session, slot.id)
    return following
