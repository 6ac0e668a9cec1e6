"""Slots known to be full (appointments/full_slots.py): a booking for one is refused before any SQL; a seat given
back clears the mark when its transaction commits; the database alone decides a seat, so a mark can refuse but
never book over capacity; Redis away leaves the process's own marks."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event, func, select

from miniapp_api.appointments import full_slots, services
from miniapp_api.appointments.models import Appointment, Slot
from miniapp_api.appointments.services import BookingRefused
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import redis_store
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.factories import build_hall, citizen_with_identity


def book(session, cipher, citizen, slot_id, hall):
    return services.book_appointment(session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
                                     slot_id=slot_id, item_codes=[hall.quick.code], now=MONDAY_8AM)


@pytest.fixture
def one_seat(app, committed_db):
    """A committed hall whose general window has one counter: each slot has one seat."""
    cipher = app.extensions["banshi.cipher"]
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=1)
    slot_id = hall.slot(session, hall.general, "2026-11-24 09:00").id
    people = [citizen_with_identity(session, cipher, 6100 + n, name="周抢") for n in range(12)]
    session.commit()
    return hall, cipher, slot_id, people, session


def statements_during(call) -> list[str]:
    seen: list[str] = []

    def count(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_a_slot_found_full_is_refused_next_time_without_a_statement(one_seat):
    hall, cipher, slot_id, people, session = one_seat
    book(session, cipher, people[0], slot_id, hall)
    session.commit()
    assert not full_slots.known_full(slot_id)
    with pytest.raises(BookingRefused) as first:
        book(session, cipher, people[1], slot_id, hall)           # the UPDATE finds it full: remembered
    session.rollback()
    assert first.value.code == "slot_full" and full_slots.known_full(slot_id)
    assert redis_store.client.pttl(f"banshi:full-slot:{slot_id}") > 0   # other processes learn it too

    person, citizen_id, code = services.person_for_self(people[2], cipher), people[2].id, hall.quick.code

    def again():
        with pytest.raises(BookingRefused) as refused:
            services.book_appointment(session, citizen_id=citizen_id, person=person, slot_id=slot_id,
                                      item_codes=[code], now=MONDAY_8AM)
        assert refused.value.code == "slot_full"
    assert statements_during(again) == []


def test_a_cancelled_seat_clears_the_mark_when_the_cancel_commits_and_is_booked_once(app, one_seat, connections):
    hall, cipher, slot_id, people, session = one_seat
    holder = book(session, cipher, people[0], slot_id, hall)
    session.commit()
    with pytest.raises(BookingRefused):
        book(session, cipher, people[1], slot_id, hall)
    session.rollback()
    assert full_slots.known_full(slot_id)
    services.cancel_appointment(session, citizen_id=people[0].id, appointment_id=holder.id, now=MONDAY_8AM)
    assert full_slots.known_full(slot_id)           # not before the commit: the seat is not back yet
    session.commit()
    assert not full_slots.known_full(slot_id)
    assert redis_store.client.exists(f"banshi:full-slot:{slot_id}") == 0
    # Ten people race for the freed seat: exactly one gets it, whatever the marks say meanwhile.
    outcomes = run_together(10, lambda n: attempt(connections, lambda own: book(own, cipher, people[2 + n], slot_id,
                                                                             hall).id))
    assert Counter(isinstance(o, int) for o in outcomes) == Counter({True: 1, False: 9})
    assert set(o for o in outcomes if not isinstance(o, int)) == {"slot_full"}
    session.expire_all()
    assert session.get(Slot, slot_id).booked == 1
    assert session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.status == "booked", Appointment.starts_at == session.get(Slot, slot_id).starts_at,
        Appointment.window_id == hall.general.id)) == 1


def test_a_mark_from_another_process_is_read_from_redis(one_seat):
    hall, cipher, slot_id, people, session = one_seat
    redis_store.client.set(f"banshi:full-slot:{slot_id}", b"1", px=2000)   # what another process wrote
    assert full_slots.known_full(slot_id)
    full_slots.forget([slot_id])
    assert not full_slots.known_full(slot_id)


def test_with_redis_away_the_process_keeps_its_own_marks(one_seat):
    hall, cipher, slot_id, people, session = one_seat
    redis_store.mark_away()
    try:
        full_slots.mark_full(slot_id)
        assert full_slots.known_full(slot_id)
        assert redis_store.client.exists(f"banshi:full-slot:{slot_id}") == 0   # nothing was written while away
        full_slots.forget([slot_id])
        assert not full_slots.known_full(slot_id)
    finally:
        redis_store._away_until = 0.0
