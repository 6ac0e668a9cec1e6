"""Check-in, walk-in tickets and the calling queue."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.appointments import queue, services
from miniapp_api.appointments.models import Appointment, Ticket
from miniapp_api.platform.errors import DomainError
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.test_booking import assert_refused, book
from tests.factories import build_hall, citizen_with_identity

NINE = MONDAY_8AM + timedelta(hours=1)


def test_check_in_window_and_ticket(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    appointment = book(db_session, cipher, citizen, hall.slot(db_session, hall.general, "2026-11-23 09:00"),
                       [hall.quick])
    assert_refused(queue.TOO_EARLY_TO_CHECK_IN, queue.check_in, db_session, citizen_id=citizen.id,
                   appointment_id=appointment.id, now=MONDAY_8AM)
    ticket = queue.check_in(db_session, citizen_id=citizen.id, appointment_id=appointment.id,
                            now=NINE - timedelta(minutes=10))
    assert ticket.number == "B001" and ticket.status == "waiting"
    again = queue.check_in(db_session, citizen_id=citizen.id, appointment_id=appointment.id, now=NINE)
    assert again.id == ticket.id
    assert db_session.get(Appointment, appointment.id).status == "checked_in"


def test_check_in_closes_after_the_grace(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    appointment = book(db_session, cipher, citizen, hall.slot(db_session, hall.express, "2026-11-23 09:00"),
                       [hall.quick])
    assert_refused(queue.CHECK_IN_CLOSED, queue.check_in, db_session, citizen_id=citizen.id,
                   appointment_id=appointment.id, now=NINE + timedelta(minutes=16))
    ticket = queue.check_in(db_session, citizen_id=citizen.id, appointment_id=appointment.id,
                            now=NINE + timedelta(minutes=14))
    assert ticket.number == "A001"  # express counter letters


def test_walk_in_during_opening_hours_only(db_session, hall, make_citizen):
    citizen = make_citizen()
    with pytest.raises(DomainError) as closed:
        queue.walk_in_ticket(db_session, citizen_id=citizen.id, centre_id=hall.centre.id, item_code=hall.quick.code,
                             now=MONDAY_8AM)
    assert closed.value.code == services.CENTRE_CLOSED
    ticket = queue.walk_in_ticket(db_session, citizen_id=citizen.id, centre_id=hall.centre.id,
                                  item_code=hall.quick.code, now=NINE)
    assert ticket.number.startswith("A")  # a high-frequency item goes to the express counter
    same = queue.walk_in_ticket(db_session, citizen_id=citizen.id, centre_id=hall.centre.id,
                                item_code=hall.quick.code, now=NINE)
    assert same.id == ticket.id
    slow = queue.walk_in_ticket(db_session, citizen_id=citizen.id, centre_id=hall.centre.id,
                                item_code=hall.slow.code, now=NINE)
    assert slow.number == "B001"


def test_walk_in_numbers_held_at_once_are_capped(db_session, hall, make_citizen):
    """Numbers can be taken remotely: nobody hoards places in several queues (here: a second hall)."""
    citizen = make_citizen()
    other = build_hall(db_session, MONDAY_8AM)
    for item in (hall.quick, hall.slow):
        queue.walk_in_ticket(db_session, citizen_id=citizen.id, centre_id=hall.centre.id, item_code=item.code, now=NINE)
    with pytest.raises(DomainError) as refused:
        queue.walk_in_ticket(db_session, citizen_id=citizen.id, centre_id=other.centre.id,
                             item_code=other.slow.code, now=NINE)
    assert refused.value.code == queue.TOO_MANY_TICKETS and "2" in refused.value.message


def test_calling_serving_and_missing(db_session, cipher, hall, make_citizen):
    walker, booker = make_citizen(), make_citizen()
    walk_in = queue.walk_in_ticket(db_session, citizen_id=walker.id, centre_id=hall.centre.id,
                                   item_code=hall.slow.code, now=NINE)
    appointment = book(db_session, cipher, booker, hall.slot(db_session, hall.general, "2026-11-23 09:15"),
                       [hall.quick])
    booked_ticket = queue.check_in(db_session, citizen_id=booker.id, appointment_id=appointment.id, now=NINE)
    assert (walk_in.number, booked_ticket.number) == ("B001", "B002")

    window = hall.general.id
    first = queue.call_next(db_session, window_id=window, now=NINE)
    assert first.id == booked_ticket.id  # checked-in appointments are called before walk-ins
    queue.start_serving(db_session, window_id=window, ticket_id=first.id, now=NINE)
    assert db_session.get(Appointment, appointment.id).status == "serving"
    queue.finish_serving(db_session, window_id=window, ticket_id=first.id, now=NINE + timedelta(minutes=12))
    assert db_session.get(Appointment, appointment.id).status == "served"

    second = queue.call_next(db_session, window_id=window, now=NINE)
    assert second.id == walk_in.id
    with pytest.raises(DomainError) as early_skip:
        queue.skip(db_session, window_id=window, ticket_id=second.id, now=NINE)
    assert early_skip.value.code == queue.NOT_CALLED_ENOUGH
    queue.recall(db_session, window_id=window, ticket_id=second.id, now=NINE)
    queue.recall(db_session, window_id=window, ticket_id=second.id, now=NINE)
    assert queue.skip(db_session, window_id=window, ticket_id=second.id, now=NINE).status == "missed"
    assert queue.call_next(db_session, window_id=window, now=NINE) is None
    with pytest.raises(DomainError) as wrong_state:
        queue.start_serving(db_session, window_id=window, ticket_id=second.id, now=NINE)
    assert wrong_state.value.code == queue.TICKET_STATE


def test_how_many_are_ahead_follows_the_calling_order(db_session, cipher, hall, make_citizen):
    """前面还有 N 人 counts whom the window calls first: checked-in appointments before walk-ins, then by number."""
    walkers = [queue.walk_in_ticket(db_session, citizen_id=make_citizen().id, centre_id=hall.centre.id,
                                    item_code=hall.slow.code, now=NINE) for _ in range(2)]
    booker = make_citizen()
    appointment = book(db_session, cipher, booker, hall.slot(db_session, hall.general, "2026-11-23 09:15"),
                       [hall.quick])
    booked = queue.check_in(db_session, citizen_id=booker.id, appointment_id=appointment.id, now=NINE)
    assert [queue.waiting_ahead(db_session, t) for t in (booked, *walkers)] == [0, 1, 2]
    called = queue.call_next(db_session, window_id=hall.general.id, now=NINE)
    assert called.id == booked.id and queue.waiting_ahead(db_session, called) is None
    assert [queue.waiting_ahead(db_session, t) for t in walkers] == [0, 1]
    # Another window's queue is not this one's.
    express = queue.walk_in_ticket(db_session, citizen_id=make_citizen().id, centre_id=hall.centre.id,
                                   item_code=hall.quick.code, now=NINE)
    assert express.window_id != hall.general.id and queue.waiting_ahead(db_session, express) == 0


def test_queue_overview_estimates_from_recent_service(db_session, hall, make_citizen):
    for _ in range(5):
        queue.walk_in_ticket(db_session, citizen_id=make_citizen().id, centre_id=hall.centre.id,
                             item_code=hall.slow.code, now=NINE)
    served = queue.call_next(db_session, window_id=hall.general.id, now=NINE)
    queue.start_serving(db_session, window_id=hall.general.id, ticket_id=served.id, now=NINE)
    queue.finish_serving(db_session, window_id=hall.general.id, ticket_id=served.id, now=NINE + timedelta(minutes=8))
    general = next(q for q in queue.queue_overview(db_session, hall.centre.id, NINE) if q.window.id == hall.general.id)
    assert general.waiting == 4
    # Four waiting at two counters: two rounds of the 8-minute average service.
    assert general.estimated_wait_minutes == 16


def test_two_counters_calling_at_once_get_different_people(app, committed_db, redis_client):
    cipher, session = app.extensions["banshi.cipher"], committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=2)
    for n in range(6):
        citizen = citizen_with_identity(session, cipher, 500 + n)
        queue.walk_in_ticket(session, citizen_id=citizen.id, centre_id=hall.centre.id, item_code=hall.slow.code,
                             now=NINE)
    session.commit()
    window_id = hall.general.id
    called: list[int] = []
    barrier = threading.Barrier(6)

    def counter() -> None:
        with committed_db.new_session() as session:
            barrier.wait()
            ticket = queue.call_next(session, window_id=window_id, now=NINE)
            called.append(ticket.id)
            session.commit()

    threads = [threading.Thread(target=counter) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(called) == len(set(called)) == 6
    with committed_db.new_session() as session:
        assert set(session.scalars(select(Ticket.status))) == {"called"}
