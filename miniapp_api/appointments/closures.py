"""暂停服务: a manager closes a centre, or some of its windows, for a day or some hours, with a reason.

In the one transaction of the closure: the slots it covers take the closure's id (every seat-taking UPDATE asks
for none, so they stop taking bookings at the commit); every booking on them that has not begun is cancelled
without counting against its person (a cancellation is no no-show, and a cancelled booking holds no quota);
each person it concerns is told why, with one tap to the earliest equivalent slot (elsewhere or at this centre
on a later day); seats held for the waitlist on those slots are withdrawn and told; waitlist entries whose
every day the closure takes end and are told. Lifting it makes its slots bookable again; what it cancelled
stays cancelled (the people were told and may have booked elsewhere).

Bookings racing the closure: the closure takes the centre's line, then the covered slots' row locks in id
order (the order every multi-slot path uses), so a booking that took a seat first commits before the closure
reads the bookings, and is cancelled with the rest; a booking that comes after waits on the slot's row and
then finds it closed (409). None survives, none is lost. Messages are outbox rows with one dedupe key per
booking and kind, so none goes twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from miniapp_api.appointments import freed_seats, full_slots, messages
from miniapp_api.appointments.finder import centres_for_item
from miniapp_api.appointments.models import (
    Appointment,
    AppointmentItem,
    AppointmentStatus,
    OfferStatus,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from miniapp_api.appointments.services import end_appointment, recipients
from miniapp_api.appointments.slots import COVERS, scheduled_periods
from miniapp_api.centres.models import Centre, CentreClosure
from miniapp_api.centres.services import when_text
from miniapp_api.notifications import appointment_notices as notices
from miniapp_api.notifications import messages as notice_messages
from miniapp_api.platform.clock import SHANGHAI, local, local_date
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform import audit as audit_trail

CLOSURE_NOT_FOUND = "closure_not_found"
CLOSURE_INVALID = "closure_invalid"
BOOK_PAGE = "pages/book/index?code={code}&centre={centre}&date={day}"


@dataclass(frozen=True)
class Closed:
    closure: CentreClosure
    slots: int
    cancelled: int
    waitlist_ended: int


def _validate(centre: Centre, day: date, from_time: time | None, to_time: time | None,
              window_ids: list[int] | None, now: datetime) -> None:
    fields: dict[str, str] = {}
    if day < local_date(now):
        fields["day"] = messages.CLOSURE_PAST_DAY
    if (from_time is None) != (to_time is None):
        fields["to_time" if to_time is None else "from_time"] = messages.CLOSURE_HOURS_BOTH
    elif from_time is not None and to_time is not None and from_time >= to_time:
        fields["to_time"] = messages.CLOSURE_HOURS_ORDER
    own = {w.id for w in centre.windows}
    if window_ids and not set(window_ids) <= own:
        fields["window_ids"] = messages.CLOSURE_UNKNOWN_WINDOW
    if fields:
        raise DomainError(next(iter(fields.values())), code=CLOSURE_INVALID, status=422, fields=fields)


def close(session: Session, *, centre: Centre, day: date, reason: str, actor: str, now: datetime,
          from_time: time | None = None, to_time: time | None = None,
          window_ids: list[int] | None = None) -> Closed:
    """Close (see the module's docstring). The caller commits; the messages go after the commit."""
    _validate(centre, day, from_time, to_time, window_ids, now)
    closure = CentreClosure(centre_id=centre.id, day=day, reason=reason.strip(), from_time=from_time,
                            to_time=to_time, window_ids=sorted(set(window_ids)) if window_ids else None,
                            created_by=actor, created_at=now)
    session.add(closure)
    session.flush()
    freed_seats.lock_line(session, centre.id)
    # Every slot of the closed windows that day, in id order, before anything else: a booking running across
    # the closure's edge holds its slots in that order too, so nobody waits on another the wrong way round.
    session.execute(text("""
        SELECT s.id FROM slot s, centre_closure c WHERE c.id = :closure AND s.centre_id = c.centre_id
          AND (s.starts_at AT TIME ZONE 'Asia/Shanghai')::date = c.day
          AND (c.window_ids IS NULL OR s.window_id = ANY(c.window_ids))
        ORDER BY s.id FOR UPDATE OF s"""), {"closure": closure.id})
    slot_ids = list(session.scalars(text(f"""
        SELECT s.id FROM slot s, centre_closure c WHERE c.id = :closure AND {COVERS} ORDER BY s.id"""),
                                     {"closure": closure.id}))
    session.execute(text("UPDATE slot SET closure_id = :closure WHERE id = ANY(:ids) AND closure_id IS NULL"),
                    {"closure": closure.id, "ids": slot_ids})
    _forget_closures(session)

    windows = {w.id: w.name for w in centre.windows}
    when = when_text(closure, windows)
    cancelled = _cancel_bookings(session, closure, centre, slot_ids, when, now)
    _withdraw_offers(session, closure, centre, slot_ids, when, now)
    ended = _end_waitlists(session, closure, centre, when, now)
    closure.cancelled = cancelled
    audit_trail.record(session, actor=actor, action="centre.closed", subject_type="centre", subject_id=centre.id,
                       detail={"closure_id": closure.id, "day": day.isoformat(), "reason": closure.reason,
                                 "from": from_time.isoformat() if from_time else None,
                                 "to": to_time.isoformat() if to_time else None, "windows": closure.window_ids,
                                 "slots": len(slot_ids), "cancelled": cancelled, "waitlist_ended": ended})
    session.flush()
    return Closed(closure, len(slot_ids), cancelled, ended)


def _forget_closures(session: Session) -> None:
    """Slots already in the session read their closure again (the UPDATEs above went around the ORM)."""
    for held in list(session.identity_map.values()):
        if isinstance(held, Slot):
            session.expire(held, ["closure_id", "booked"])


def _cancel_bookings(session: Session, closure: CentreClosure, centre: Centre, slot_ids: list[int], when: str,
                     now: datetime) -> int:
    """Every booking on the closed slots that has not begun (checked-in people are at the hall: staff serve them)."""
    if not slot_ids:
        return 0
    ids = list(session.scalars(text("""
        SELECT a.id FROM appointment a WHERE a.status = 'booked' AND a.ends_at > :now
          AND EXISTS (SELECT FROM appointment_slot l WHERE l.appointment_id = a.id AND l.slot_id = ANY(:slots))
        ORDER BY a.id FOR UPDATE OF a"""), {"now": now, "slots": slot_ids}))
    if not ids:
        return 0
    appointments = list(session.scalars(select(Appointment).where(Appointment.id.in_(ids)).order_by(Appointment.id)
                                        .options(selectinload(Appointment.slots),
                                                 selectinload(Appointment.lines).joinedload(AppointmentItem.item),
                                                 joinedload(Appointment.window), joinedload(Appointment.centre))))
    # A booking that also runs into an open slot (a long item across the closure's edge) frees that seat too;
    # its row is locked already (every slot of the window that day, above).
    reason = messages.CANCELLED_BY_CLOSURE.format(reason=closure.reason)
    alternatives: dict[str, tuple[str, str | None]] = {}
    for appointment in appointments:
        freed_seats.free_seats(session, appointment, now)
        end_appointment(appointment, AppointmentStatus.CANCELLED, now, reason)
        code = appointment.lines[0].item.code
        if code not in alternatives:
            alternatives[code] = _alternative(session, centre, code, now)
        alternative, page = alternatives[code]
        notices.appointment_closed(session, appointment, now, reason=closure.reason, when=when,
                                   alternative=alternative, page=page,
                                   to=recipients(session, appointment, now))
    session.flush()
    return len(appointments)


def _alternative(session: Session, centre: Centre, item_code: str, now: datetime) -> tuple[str, str | None]:
    """The earliest free slot for the item at this centre or the two nearest others, as words and a page that
    opens the booking on that centre and day; none within their horizons: words only."""
    matches = centres_for_item(session, item_code=item_code, lat=centre.latitude, lng=centre.longitude, now=now)
    near = [m for m in matches if m.centre.id == centre.id] + [m for m in matches if m.centre.id != centre.id][:2]
    free = [m for m in near if m.earliest_free is not None]
    if not free:
        return notice_messages.CLOSED_NO_ALTERNATIVE, None
    best = min(free, key=lambda m: (m.earliest_free, m.centre.id != centre.id))
    starts = local(best.earliest_free)   # type: ignore[arg-type]
    words = notice_messages.CLOSED_ALTERNATIVE.format(centre=best.centre.name,
                                                      starts=f"{starts.month}月{starts.day}日 {starts:%H:%M}")
    return words, BOOK_PAGE.format(code=item_code, centre=best.centre.id, day=starts.date().isoformat())


def _withdraw_offers(session: Session, closure: CentreClosure, centre: Centre, slot_ids: list[int], when: str,
                     now: datetime) -> None:
    """Seats held for the waitlist on closed slots: withdrawn, the seat released, the entry back in line for its
    other days (or ended, below, when the closure takes them all), the person told."""
    if not slot_ids:
        return
    offers = list(session.scalars(select(WaitlistOffer).where(
        WaitlistOffer.slot_id.in_(slot_ids), WaitlistOffer.status == OfferStatus.HELD)
        .options(joinedload(WaitlistOffer.entry).joinedload(WaitlistEntry.item)).with_for_update(of=WaitlistOffer)))
    takes_all = closure.whole_day and closure.all_windows
    for offer in offers:
        offer.status, offer.decided_at = OfferStatus.WITHDRAWN, now
        freed_seats.release(session, offer.slot_id)
        entry = offer.entry
        if takes_all and entry.date_from == entry.date_to == closure.day:
            entry.status, entry.updated_at = WaitlistStatus.CANCELLED, now
            notices.waitlist_closed(session, entry, now, reason=closure.reason, when=when, centre=centre.name,
                                    starts=offer.slot.starts_at)
        else:
            entry.status, entry.updated_at = WaitlistStatus.WAITING, now
            notices.offer_withdrawn(session, offer, now, reason=closure.reason)
    session.flush()


def _end_waitlists(session: Session, closure: CentreClosure, centre: Centre, when: str, now: datetime) -> int:
    """Entries in line at the centre whose every day is this closed day, when the closure takes the whole
    centre for the whole day: nothing is left to wait for."""
    if not (closure.whole_day and closure.all_windows):
        return 0
    entries = list(session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.centre_id == centre.id, WaitlistEntry.status == WaitlistStatus.WAITING,
        WaitlistEntry.date_from == closure.day, WaitlistEntry.date_to == closure.day)
        .options(joinedload(WaitlistEntry.item)).order_by(WaitlistEntry.id).with_for_update(of=WaitlistEntry)))
    opens = scheduled_periods(session, centre, closure.day)
    starts = opens[0].starts_at if opens else datetime.combine(closure.day, time(9, 0), SHANGHAI)
    for entry in entries:
        entry.status, entry.updated_at = WaitlistStatus.CANCELLED, now
        notices.waitlist_closed(session, entry, now, reason=closure.reason, when=when, centre=centre.name,
                                starts=starts)
    session.flush()
    return len(entries)


def lift(session: Session, *, centre: Centre, closure_id: int, actor: str, now: datetime) -> CentreClosure:
    """恢复服务: its slots take bookings again (those another standing closure covers stay closed by it)."""
    freed_seats.lock_line(session, centre.id)   # the order close() takes: line, then rows
    closure = session.scalars(select(CentreClosure).where(CentreClosure.id == closure_id,
                                                          CentreClosure.centre_id == centre.id)
                              .with_for_update()).one_or_none()
    if closure is None or closure.lifted_at is not None:
        raise NotFound(messages.CLOSURE_NOT_FOUND, code=CLOSURE_NOT_FOUND)
    closure.lifted_at, closure.lifted_by = now, actor
    session.flush()
    reopened = session.scalars(text("UPDATE slot SET closure_id = NULL WHERE closure_id = :closure RETURNING id"),
                               {"closure": closure.id}).all()
    full_slots.freed_after_commit(session, reopened)
    session.execute(text(f"""UPDATE slot s SET closure_id = c.id FROM centre_closure c
        WHERE s.closure_id IS NULL AND c.lifted_at IS NULL AND c.centre_id = :centre AND c.day = :day AND {COVERS}"""),
                    {"centre": centre.id, "day": closure.day})
    _forget_closures(session)
    audit_trail.record(session, actor=actor, action="centre.reopened", subject_type="centre", subject_id=centre.id,
                       detail={"closure_id": closure.id, "day": closure.day.isoformat()})
    session.flush()
    return closure

