"""Changing hours, windows and items re-fits the booking horizon at once and never touches a booked seat."""

from datetime import datetime, time

import pytest
from sqlalchemy import func, select

from miniapp_api.appointments import hours_and_windows
from miniapp_api.appointments.models import Appointment, Slot
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.models import AuditLog
from tests.appointments.test_booking import book
from tests.factories import MONDAY_8AM, ItemFactory, build_hall, citizen_with_identity

ACTOR = "staff:1"


@pytest.fixture
def hall(db_session):
    return build_hall(db_session, MONDAY_8AM)


def slots_on(session, window, day: str, after: str = "00:00", before: str = "23:59") -> list[Slot]:
    session.expire_all()  # seats are taken by UPDATE statements: read them fresh
    start = datetime.fromisoformat(f"{day} {after}").replace(tzinfo=SHANGHAI)
    end = datetime.fromisoformat(f"{day} {before}").replace(tzinfo=SHANGHAI)
    return list(session.scalars(select(Slot).where(Slot.window_id == window.id, Slot.starts_at >= start,
                                                   Slot.starts_at < end).order_by(Slot.starts_at)))


def test_an_evening_period_opens_slots_that_evening(db_session, hall):
    thursday = "2026-11-26"
    assert slots_on(db_session, hall.general, thursday, "17:00") == []
    added = hours_and_windows.add_opening_period(db_session, hall.centre, hours_and_windows.PeriodIn(3, time(17, 0), time(19, 0), "延时服务"),
                                     actor=ACTOR, now=MONDAY_8AM)
    evening = slots_on(db_session, hall.general, thursday, "17:00")
    assert len(evening) == 8 and added >= 8  # 2 hours of 15-minute slots at the general window
    assert db_session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "centre.hours_added")) == 1


def test_overlapping_or_backwards_periods_are_refused_with_field_messages(db_session, hall):
    with pytest.raises(DomainError) as overlap:
        hours_and_windows.add_opening_period(db_session, hall.centre, hours_and_windows.PeriodIn(0, time(11, 0), time(14, 0)),
                                 actor=ACTOR, now=MONDAY_8AM)
    assert overlap.value.status == 409 and "周一" in overlap.value.fields["opens"]
    with pytest.raises(DomainError) as backwards:
        hours_and_windows.add_opening_period(db_session, hall.centre, hours_and_windows.PeriodIn(3, time(19, 0), time(17, 0)),
                                 actor=ACTOR, now=MONDAY_8AM)
    assert backwards.value.status == 422 and "closes" in backwards.value.fields


def test_closing_a_period_keeps_the_booked_seat(db_session, cipher, hall):
    citizen = citizen_with_identity(db_session, cipher, 71)
    booked_slot = hall.slot(db_session, hall.general, "2026-11-24 14:00")
    appointment = book(db_session, cipher, citizen, booked_slot, [hall.quick])
    tuesday_afternoon = next(p for p in hall.centre.hours if p.weekday == 1 and p.opens == time(13, 30))
    hours_and_windows.remove_opening_period(db_session, hall.centre, tuesday_afternoon.id, actor=ACTOR, now=MONDAY_8AM)
    remaining = slots_on(db_session, hall.general, "2026-11-24", "13:00")
    assert [s.id for s in remaining] == [booked_slot.id] and remaining[0].booked == 1
    assert db_session.get(Appointment, appointment.id).status == "booked"
    assert slots_on(db_session, hall.general, "2026-11-24", "08:00", "12:00")  # the morning is untouched


def test_fewer_counters_never_drop_below_booked_seats(db_session, cipher, hall):
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    for n in (81, 82):
        book(db_session, cipher, citizen_with_identity(db_session, cipher, n), slot, [hall.quick])
    hours_and_windows.update_window(db_session, hall.centre, hall.general, counters=1, item_codes=[hall.quick.code],
                        actor=ACTOR, now=MONDAY_8AM)
    db_session.expire_all()
    assert db_session.get(Slot, slot.id).capacity == 2
    other = hall.slot(db_session, hall.general, "2026-11-24 10:00")
    assert other.capacity == 1
    assert [i.code for i in hall.general.items] == [hall.quick.code]  # the slow item is no longer served here


def test_unknown_items_and_duplicate_window_names_are_refused(db_session, hall):
    with pytest.raises(DomainError) as unknown:
        hours_and_windows.update_window(db_session, hall.centre, hall.general, counters=2, item_codes=["NOPE-1"],
                            actor=ACTOR, now=MONDAY_8AM)
    assert unknown.value.status == 422 and "NOPE-1" in unknown.value.fields["item_codes"]
    with pytest.raises(DomainError) as taken:
        hours_and_windows.add_window(db_session, hall.centre, name=hall.general.name, kind="general", counters=1,
                         slot_minutes=15, item_codes=[], actor=ACTOR, now=MONDAY_8AM)
    assert taken.value.status == 409


def test_a_new_window_gets_its_slots_at_once(db_session, hall):
    item = ItemFactory()
    window = hours_and_windows.add_window(db_session, hall.centre, name="帮代办窗口", kind="proxy", counters=1, slot_minutes=30,
                              item_codes=[item.code], actor=ACTOR, now=MONDAY_8AM)
    tuesday = slots_on(db_session, window, "2026-11-24")
    assert len(tuesday) == 7 + 7  # 08:30–12:00 and 13:30–17:00 in 30-minute slots
    assert {s.capacity for s in tuesday} == {1}
