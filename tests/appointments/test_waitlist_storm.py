"""The waitlist under real concurrency: 200 people in line, 50 seats freed at once, holds running out,
offers confirmed twice at once. Threads, each on its own PostgreSQL connection."""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from miniapp_api.appointments import services, waitlist
from miniapp_api.appointments.models import (
    Appointment,
    AppointmentSlot,
    OfferStatus,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from miniapp_api.citizens.models import Citizen
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.factories import build_hall, citizen_with_identity

TUESDAY = date(2026, 11, 24)
HOLD = timedelta(minutes=15)


@pytest.fixture
def busy_tuesday(app, committed_db):
    """Tuesday fully booked at a committed hall: 50 real bookings (the seats that will be freed) and every other
    seat taken; 200 more citizens in line for the quick item, in a known order."""
    cipher = app.extensions["banshi.cipher"]
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=3)
    slots = list(session.scalars(select(Slot).where(
        Slot.window_id == hall.general.id,
        text("(slot.starts_at AT TIME ZONE 'Asia/Shanghai')::date = :day")).params(day=TUESDAY)
        .order_by(Slot.starts_at)))
    holders = [citizen_with_identity(session, cipher, 3000 + n, name="李持") for n in range(50)]
    bookings = []
    for n, holder in enumerate(holders):
        slot = slots[n % len(slots)]
        bookings.append(services.book_appointment(
            session, citizen_id=holder.id, person=services.person_for_self(holder, cipher), slot_id=slot.id,
            item_codes=[hall.quick.code], now=MONDAY_8AM).id)
    session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :centre "
                         "AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date = :day"),
                    {"centre": hall.centre.id, "day": TUESDAY})
    waiting = [citizen_with_identity(session, cipher, 4000 + n, name="王候") for n in range(200)]
    session.commit()
    entries = [waitlist.join(session, citizen, waitlist.Wanted(hall.centre.id, hall.quick.code, TUESDAY, TUESDAY),
                             MONDAY_8AM).id for citizen in waiting]
    session.commit()
    # Seats not behind a real booking (taken "elsewhere"): the ledger below counts them once and for all.
    others = dict(session.execute(text("""
        SELECT s.id, s.booked - count(a.id) FROM slot s
        LEFT JOIN appointment_slot l ON l.slot_id = s.id
        LEFT JOIN appointment a ON a.id = l.appointment_id AND a.status = 'booked'
        WHERE s.centre_id = :centre GROUP BY s.id"""), {"centre": hall.centre.id}).all())
    return hall, holders, bookings, waiting, entries, others, session


def ledger_holds(session, centre_id: int, others: dict[int, int]) -> None:
    """Every slot's count is exactly its other seats + its live bookings + its held offers: no seat offered
    twice, none lost, none booked twice."""
    session.expire_all()
    for slot_id, booked in session.execute(select(Slot.id, Slot.booked).where(Slot.centre_id == centre_id)):
        live = session.scalar(select(func.count()).select_from(AppointmentSlot).join(Appointment).where(
            AppointmentSlot.slot_id == slot_id, Appointment.status == "booked"))
        held = session.scalar(select(func.count()).select_from(WaitlistOffer).where(
            WaitlistOffer.slot_id == slot_id, WaitlistOffer.status == OfferStatus.HELD))
        assert booked == others[slot_id] + live + held, slot_id


def held_entries(session) -> list[int]:
    return sorted(session.scalars(select(WaitlistOffer.entry_id).where(WaitlistOffer.status == OfferStatus.HELD)))


def test_200_in_line_50_seats_freed_at_once(app, busy_tuesday, connections):
    cipher = app.extensions["banshi.cipher"]
    hall, holders, bookings, waiting, entries, others, session = busy_tuesday

    def cancel(i: int) -> str:
        return attempt(connections, lambda s: services.cancel_appointment(
            s, citizen_id=holders[i].id, appointment_id=bookings[i], now=MONDAY_8AM).status)

    assert Counter(run_together(50, cancel)) == {"cancelled": 50}
    # First come, first served: the first 50 in line hold the 50 seats, one each; the rest still wait.
    assert held_entries(session) == entries[:50]
    assert session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.status == WaitlistStatus.WAITING)) == 150
    ledger_holds(session, hall.centre.id, others)

    # A held seat cannot be booked by anyone else: the holders who just gave theirs up try to take them back.
    seats = dict(session.execute(select(AppointmentSlot.appointment_id, AppointmentSlot.slot_id).where(
        AppointmentSlot.appointment_id.in_(bookings))).all())

    def take_back(i: int) -> str:
        return attempt(connections, lambda s: services.book_appointment(
            s, citizen_id=holders[i].id, person=services.person_for_self(s.get(Citizen, holders[i].id), cipher),
            slot_id=seats[bookings[i]], item_codes=[hall.quick.code], now=MONDAY_8AM).status)

    assert Counter(run_together(50, take_back)) == {services.SLOT_FULL: 50}

    # The holds run out with three sweeps racing each other: each seat moves to exactly the next person.
    late = MONDAY_8AM + HOLD
    lapsed = run_together(3, lambda i: attempt(connections, lambda s: waitlist.expire_offers(s, late)))
    assert sum(lapsed) == 50
    assert held_entries(session) == entries[50:100]
    ledger_holds(session, hall.centre.id, others)

    # Everyone holding a seat confirms it, twice at once (a double tap): 50 bookings, 50 refusals.
    offers = dict(session.execute(select(WaitlistOffer.entry_id, WaitlistOffer.id).where(
        WaitlistOffer.status == OfferStatus.HELD)).all())
    by_entry = {entry_id: citizen for entry_id, citizen in zip(entries, waiting, strict=True)}
    confirmations = sorted(offers.items()) * 2

    def confirm(i: int) -> str:
        entry_id, offer_id = confirmations[i]
        return attempt(connections, lambda s: waitlist.confirm_offer(
            s, s.get(Citizen, by_entry[entry_id].id), offer_id, late + timedelta(minutes=1)).status)

    assert Counter(run_together(100, confirm)) == {"booked": 50, waitlist.OFFER_GONE: 50}
    ledger_holds(session, hall.centre.id, others)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.citizen_id.in_([c.id for c in waiting]))) == 50
    assert held_entries(session) == []


def test_cancels_racing_confirms_declines_and_leavers(busy_tuesday, connections):
    """Everything at once on the same line: seats freed, people leaving the line, offers declined and
    confirmed. Whatever the interleaving, the ledger balances and no entry holds two seats."""
    hall, holders, bookings, waiting, entries, others, session = busy_tuesday
    for i in range(25):                          # a first wave of freed seats, held by entries[:25]
        with connections() as own:
            services.cancel_appointment(own, citizen_id=holders[i].id, appointment_id=bookings[i], now=MONDAY_8AM)
            own.commit()
    first_offers = dict(session.execute(select(WaitlistOffer.entry_id, WaitlistOffer.id)).all())
    assert sorted(first_offers) == entries[:25]
    citizens = dict(zip(entries, waiting, strict=True))

    def act(i: int) -> str:
        now = MONDAY_8AM + timedelta(minutes=1)
        if i < 25:          # the second wave of freed seats
            j = 25 + i
            return attempt(connections, lambda s: services.cancel_appointment(
                s, citizen_id=holders[j].id, appointment_id=bookings[j], now=now).status)
        if i < 35:          # holders confirm
            entry = entries[i - 25]
            return attempt(connections, lambda s: waitlist.confirm_offer(
                s, s.get(Citizen, citizens[entry].id), first_offers[entry], now).status)
        if i < 45:          # holders decline: their seats move on
            entry = entries[i - 25]
            return attempt(connections, lambda s: waitlist.decline_offer(
                s, s.get(Citizen, citizens[entry].id), first_offers[entry], now).status)
        entry = entries[i]   # people further back leave the line (45..89)
        return attempt(connections, lambda s: waitlist.cancel_entry(s, citizens[entry].id, entry, now).status)

    outcomes = Counter(run_together(90, act))
    assert outcomes == {"cancelled": 25 + 45, "booked": 10, "declined": 10}
    ledger_holds(session, hall.centre.id, others)
    session.expire_all()
    held = held_entries(session)
    assert len(held) == len(set(held)) == 40     # 50 freed − 10 booked; each held by a different entry
    # First come, first served among those still in line: nobody holds a seat while someone before them waits.
    still_waiting = sorted(session.scalars(select(WaitlistEntry.id).where(
        WaitlistEntry.status == WaitlistStatus.WAITING)))
    assert not still_waiting or max(held) < still_waiting[0]
