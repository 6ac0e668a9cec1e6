"""Booking rules at the service layer, each refusal code reached, on real PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.appointments import closures, services
from miniapp_api.appointments.models import Appointment, BookingSuspension, Slot
from miniapp_api.citizens.models import Citizen
from miniapp_api.platform.clock import local_date
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.models import AuditLog
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import id_number


def book(session, cipher, citizen, slot, items, now=MONDAY_8AM, person=None):
    return services.book_appointment(session, citizen_id=citizen.id,
                                     person=person or services.person_for_self(citizen, cipher), slot_id=slot.id,
                                     item_codes=[i.code for i in items], now=now)



def assert_refused(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    assert error.value.code == code, (error.value.code, error.value.message)
    assert error.value.message
    return error.value


def assert_refused_atomically(session, code: str, call, *args, **kwargs) -> DomainError:
    """As a request does: the refusal rolls back everything the call did."""
    savepoint = session.begin_nested()
    try:
        return assert_refused(code, call, *args, **kwargs)
    finally:
        savepoint.rollback()


def seats(session, slot) -> int:
    return session.scalar(select(Slot.booked).where(Slot.id == slot.id))


def test_booking_takes_one_seat(db_session, cipher, hall, make_citizen):
    citizen = make_citizen("王芳")
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    appointment = book(db_session, cipher, citizen, slot, [hall.quick])
    assert appointment.status == "booked" and appointment.person_name == "王芳"
    assert [s.id for s in appointment.slots] == [slot.id]
    assert seats(db_session, slot) == 1


def test_long_items_take_consecutive_slots_all_or_nothing(db_session, cipher, hall, make_citizen):
    first = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    appointment = book(db_session, cipher, make_citizen(), first, [hall.slow])  # 40 min → three 15-min slots
    assert len(appointment.slots) == 3
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)
    assert [seats(db_session, s) for s in appointment.slots] == [1, 1, 1]
    # 11:45 leaves 15 minutes before the lunch break: not enough, and nothing is taken.
    late = hall.slot(db_session, hall.general, "2026-11-24 11:45")
    assert_refused(services.NOT_ENOUGH_TIME, book, db_session, cipher, make_citizen(), late, [hall.slow])
    assert seats(db_session, late) == 0


def test_full_slot_is_refused(db_session, cipher, hall, make_citizen):
    slot = hall.slot(db_session, hall.general, "2026-11-24 10:00")  # two counters
    book(db_session, cipher, make_citizen(), slot, [hall.quick])
    book(db_session, cipher, make_citizen(), slot, [hall.quick])
    error = assert_refused(services.SLOT_FULL, book, db_session, cipher, make_citizen(), slot, [hall.quick])
    assert error.message == "该时段已约满，请选择其他时段"
    assert seats(db_session, slot) == 2


def test_multi_slot_booking_fails_whole_when_a_later_slot_is_full(db_session, cipher, hall, make_citizen):
    blocker = hall.slot(db_session, hall.general, "2026-11-24 09:30")
    book(db_session, cipher, make_citizen(), blocker, [hall.quick])
    book(db_session, cipher, make_citizen(), blocker, [hall.quick])
    first = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    assert_refused_atomically(db_session, services.SLOT_FULL, book, db_session, cipher, make_citizen(), first,
                              [hall.slow])
    assert seats(db_session, first) == 0


def test_timing_rules(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    soon = hall.slot(db_session, hall.general, "2026-11-23 09:00")
    at_8_40 = MONDAY_8AM + timedelta(minutes=40)  # 20 minutes before: under the 30-minute notice
    assert_refused(services.TOO_LATE_TO_BOOK, book, db_session, cipher, citizen, soon, [hall.quick], now=at_8_40)
    assert_refused(services.TOO_LATE_TO_BOOK, book, db_session, cipher, citizen, soon, [hall.quick],
                   now=MONDAY_8AM + timedelta(hours=2))
    far = hall.slot(db_session, hall.general, "2026-11-30 09:00")
    hall.centre.booking_horizon_days = 3
    assert_refused(services.OUTSIDE_HORIZON, book, db_session, cipher, citizen, far, [hall.quick])


def test_item_must_be_handled_at_the_window(db_session, cipher, hall, make_citizen):
    express_slot = hall.slot(db_session, hall.express, "2026-11-24 09:00")
    assert_refused(services.ITEM_NOT_AT_CENTRE, book, db_session, cipher, make_citizen(), express_slot, [hall.slow])
    with pytest.raises(DomainError) as unknown:
        services.book_appointment(db_session, citizen_id=make_citizen().id,
                                  person=services.Person(hash="x" * 64, name="李四", accountable="x" * 64,
                                                         booker_verified=True), slot_id=express_slot.id,
                                  item_codes=["NOPE"], now=MONDAY_8AM)
    assert unknown.value.code == services.UNKNOWN_ITEM and "NOPE" in unknown.value.fields["item_codes"]


def test_closed_day_is_refused(db_session, cipher, hall, make_citizen):
    slot = hall.slot(db_session, hall.general, "2026-11-25 09:00")
    closures.close(db_session, centre=hall.centre, day=local_date(slot.starts_at), reason="系统升级", actor="staff:1",
                   now=MONDAY_8AM)
    assert_refused(services.CENTRE_CLOSED, book, db_session, cipher, make_citizen(), slot, [hall.quick])


def test_duplicate_same_item_same_day(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    first = book(db_session, cipher, citizen, hall.slot(db_session, hall.general, "2026-11-24 09:00"), [hall.quick])
    later = hall.slot(db_session, hall.express, "2026-11-24 14:00")
    assert_refused(services.DUPLICATE_BOOKING, book, db_session, cipher, citizen, later, [hall.quick])
    services.cancel_appointment(db_session, citizen_id=citizen.id, appointment_id=first.id, now=MONDAY_8AM)
    assert book(db_session, cipher, citizen, later, [hall.quick]).status == "booked"


def test_bookings_by_name_count_against_the_booking_account_never_the_person_named(db_session, cipher, hall,
                                                                                   make_citizen):
    son, daughter = make_citizen("王小明"), make_citizen("王小红")

    def parent(booker):
        return services.person_for_other(db_session, cipher, booker, name="王大爷", id_number=id_number(9001),
                                         phone="13900001111", relation="父母")

    for day, account in (("2026-11-24", son), ("2026-11-25", daughter), ("2026-11-26", son)):
        book(db_session, cipher, account, hall.slot(db_session, hall.general, f"{day} 09:00"), [hall.quick],
             person=parent(account))
    fourth = hall.slot(db_session, hall.general, "2026-11-27 09:00")
    # The son has used his account's two bookings for others (the centre's max_active_for_others)...
    error = assert_refused(services.QUOTA_EXCEEDED, book, db_session, cipher, son, fourth, [hall.quick],
                           person=parent(son))
    assert "2" in error.message and "亲友代办" in error.message
    # ...the daughter has one left: the person named is counted in neither account's cap nor their own.
    assert book(db_session, cipher, daughter, fourth, [hall.quick], person=parent(daughter)).person_name == "王大爷"
    # The account holder's own quota is untouched by bookings made for the parent.
    assert book(db_session, cipher, son, fourth, [hall.quick]).person_name == "王小明"


def test_profile_must_be_complete_to_book_for_oneself(db_session, cipher):
    anonymous = Citizen(openid="o-no-name")
    with pytest.raises(DomainError) as error:
        services.person_for_self(anonymous, cipher)
    assert error.value.code == services.PROFILE_INCOMPLETE and error.value.status == 422


def test_cancel_gives_the_seat_back_until_the_cutoff(db_session, cipher, hall, make_citizen):
    citizen, stranger = make_citizen(), make_citizen()
    slot = hall.slot(db_session, hall.general, "2026-11-23 10:00")
    appointment = book(db_session, cipher, citizen, slot, [hall.quick])
    assert_refused(services.APPOINTMENT_NOT_FOUND, services.cancel_appointment, db_session, citizen_id=stranger.id,
                   appointment_id=appointment.id, now=MONDAY_8AM)
    assert_refused(services.TOO_LATE_TO_CANCEL, services.cancel_appointment, db_session, citizen_id=citizen.id,
                   appointment_id=appointment.id, now=MONDAY_8AM + timedelta(hours=1, minutes=5))
    services.cancel_appointment(db_session, citizen_id=citizen.id, appointment_id=appointment.id, now=MONDAY_8AM)
    assert seats(db_session, slot) == 0
    assert_refused(services.NOT_CANCELLABLE, services.cancel_appointment, db_session, citizen_id=citizen.id,
                   appointment_id=appointment.id, now=MONDAY_8AM)
    assert seats(db_session, slot) == 0


def test_reschedule_moves_the_seat_or_changes_nothing(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    old_slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    full_slot = hall.slot(db_session, hall.general, "2026-11-24 10:00")
    free_slot = hall.slot(db_session, hall.general, "2026-11-25 09:00")
    appointment = book(db_session, cipher, citizen, old_slot, [hall.quick])
    book(db_session, cipher, make_citizen(), full_slot, [hall.quick])
    book(db_session, cipher, make_citizen(), full_slot, [hall.quick])
    assert_refused_atomically(db_session, services.SLOT_FULL, services.reschedule_appointment, db_session,
                              citizen_id=citizen.id, appointment_id=appointment.id, slot_id=full_slot.id,
                              now=MONDAY_8AM)
    assert seats(db_session, old_slot) == 1 and db_session.get(Appointment, appointment.id).status == "booked"
    new = services.reschedule_appointment(db_session, citizen_id=citizen.id, appointment_id=appointment.id,
                                          slot_id=free_slot.id, now=MONDAY_8AM)
    assert (seats(db_session, old_slot), seats(db_session, free_slot)) == (0, 1)
    old = db_session.get(Appointment, appointment.id)
    assert old.status == "cancelled" and old.rescheduled_to_id == new.id


def test_no_shows_are_marked_once_and_suspend_after_three(db_session, cipher, hall, make_citizen):
    citizen = make_citizen()
    for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
        book(db_session, cipher, citizen, hall.slot(db_session, hall.general, f"{day} 09:00"), [hall.quick])
    after = MONDAY_8AM + timedelta(days=2, hours=3)  # Wednesday 11:00, all three slots long over
    assert services.mark_no_shows(db_session, after) == 3
    assert services.mark_no_shows(db_session, after) == 0
    suspension = db_session.scalars(select(BookingSuspension)).one()
    assert suspension.until == after + timedelta(days=30)
    next_week = hall.slot(db_session, hall.general, "2026-11-27 09:00")
    error = assert_refused(services.BOOKING_SUSPENDED, book, db_session, cipher, citizen, next_week, [hall.quick],
                           now=after)
    assert error.status == 403 and "2026年12月25日" in error.message and error.details["until"]
    services.lift_suspension(db_session, suspension_id=suspension.id, actor="staff:李主任", reason="核实为系统故障",
                             now=after)
    assert db_session.scalars(select(AuditLog)).one().action == "booking_suspension.lift"
    assert book(db_session, cipher, citizen, next_week, [hall.quick], now=after).status == "booked"


def test_grace_period_before_no_show(db_session, cipher, hall, make_citizen):
    slot = hall.slot(db_session, hall.general, "2026-11-23 09:00")
    book(db_session, cipher, make_citizen(), slot, [hall.quick])
    just_after = slot.ends_at + timedelta(minutes=10)  # within the 15-minute grace
    assert services.mark_no_shows(db_session, just_after) == 0
    assert services.mark_no_shows(db_session, slot.ends_at + timedelta(minutes=16)) == 1
