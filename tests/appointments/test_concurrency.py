"""No overbooking under real concurrency: threads, each with its own PostgreSQL connection."""

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from miniapp_api.appointments import services
from miniapp_api.appointments.models import Appointment, AppointmentSlot, Slot
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.factories import build_hall, citizen_with_identity


def try_booking(connections, citizen_id: int, person, slot_id: int, item_code: str | list[str]) -> str:
    """One booking on its own connection; `item_code` may be several (one visit for a bundle)."""
    def book(session) -> str:
        services.book_appointment(session, citizen_id=citizen_id, person=person, slot_id=slot_id,
                                  item_codes=[item_code] if isinstance(item_code, str) else item_code, now=MONDAY_8AM)
        return "booked"

    return attempt(connections, book)


@pytest.fixture
def storm_hall(app, committed_db):
    """A committed hall whose general window seats 3, and 200 citizens with ID numbers."""
    cipher = app.extensions["banshi.cipher"]
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=3)
    citizens = [citizen_with_identity(session, cipher, 1000 + n) for n in range(200)]
    session.commit()
    people = [services.person_for_self(c, cipher) for c in citizens]
    return hall, citizens, people, session


def booked_seats(session, slot_id: int) -> int:
    session.expire_all()
    return session.scalar(select(Slot.booked).where(Slot.id == slot_id))


def active_on(session, slot_id: int) -> int:
    return session.scalar(select(func.count()).select_from(AppointmentSlot)
                          .join(Appointment, Appointment.id == AppointmentSlot.appointment_id)
                          .where(AppointmentSlot.slot_id == slot_id, Appointment.status == "booked"))


def test_200_attempts_on_one_slot_of_three_seats(storm_hall, connections):
    hall, citizens, people, session = storm_hall
    slot = hall.slot(session, hall.general, "2026-11-24 09:00")
    outcomes = run_together(200, lambda i: try_booking(connections, citizens[i].id, people[i], slot.id, hall.quick.code))
    assert Counter(outcomes) == {"booked": 3, services.SLOT_FULL: 197}
    assert booked_seats(session, slot.id) == 3
    assert active_on(session, slot.id) == 3


def test_cancel_and_rebook_storm_never_breaks_capacity(storm_hall, connections):
    hall, citizens, people, session = storm_hall
    slot = hall.slot(session, hall.general, "2026-11-24 10:00")
    holders = []
    for i in range(3):
        holders.append(services.book_appointment(session, citizen_id=citizens[i].id, person=people[i],
                                                 slot_id=slot.id, item_codes=[hall.quick.code], now=MONDAY_8AM).id)
    session.commit()

    def churn(index: int) -> list[str]:
        outcomes = []
        if index < 3:  # the three holders cancel and try to get their seat back
            with connections() as own:
                services.cancel_appointment(own, citizen_id=citizens[index].id, appointment_id=holders[index],
                                            now=MONDAY_8AM)
                own.commit()
        for _ in range(3):
            outcomes.append(try_booking(connections, citizens[index].id, people[index], slot.id, hall.quick.code))
        return outcomes

    results = run_together(60, churn)
    flat = Counter(code for outcomes in results for code in outcomes)
    assert flat["booked"] == 3
    assert set(flat) <= {"booked", services.SLOT_FULL, services.DUPLICATE_BOOKING}
    assert booked_seats(session, slot.id) == 3 == active_on(session, slot.id)


def test_reschedule_storm_keeps_seat_counts_exact(storm_hall, connections):
    hall, citizens, people, session = storm_hall
    slots = [hall.slot(session, hall.general, f"2026-11-24 {t}") for t in ("13:30", "13:45", "14:00")]
    appointments = []
    for i in range(6):  # two per slot: each slot of 3 seats has one free
        appointments.append(services.book_appointment(session, citizen_id=citizens[i].id, person=people[i],
                                                      slot_id=slots[i % 3].id, item_codes=[hall.quick.code],
                                                      now=MONDAY_8AM).id)
    session.commit()
    current = dict(enumerate(appointments))
    lock = threading.Lock()

    def hop(index: int) -> list[str]:
        rng = random.Random(index)
        outcomes = []
        for _ in range(8):
            with lock:
                appointment_id = current[index]
            target = rng.choice(slots)
            moved = attempt(connections, lambda own: services.reschedule_appointment(
                own, citizen_id=citizens[index].id, appointment_id=appointment_id, slot_id=target.id,
                now=MONDAY_8AM))
            if isinstance(moved, str):      # refused: its code
                outcomes.append(moved)
                continue
            with lock:
                current[index] = moved.id
            outcomes.append("moved")
        return outcomes

    results = run_together(6, hop)
    assert any("moved" in outcomes for outcomes in results)
    total = 0
    for slot in slots:
        seats = booked_seats(session, slot.id)
        assert 0 <= seats <= 3
        assert seats == active_on(session, slot.id)
        total += seats
    assert total == 6  # every citizen still holds exactly one seat
