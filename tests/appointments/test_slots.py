"""Slot generation follows hours and counters without ever touching a booked seat."""

from datetime import time

from sqlalchemy import select

from miniapp_api.appointments.models import Slot
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import OpeningPeriod
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.test_booking import book


def test_sync_is_idempotent(db_session, hall):
    assert sync_slots(db_session, hall.centre.id, MONDAY_8AM) == 0


def test_changed_hours_and_counters_keep_booked_seats(db_session, cipher, hall, make_citizen):
    afternoon = hall.slot(db_session, hall.general, "2026-11-24 14:00")
    book(db_session, cipher, make_citizen(), afternoon, [hall.quick])
    # The afternoon period is cut back to 13:30-14:00 and a Saturday morning is added; two counters become three.
    for period in hall.centre.hours:
        if period.opens == time(13, 30):
            period.closes = time(14, 0)
    hall.centre.hours.append(OpeningPeriod(weekday=5, opens=time(9, 0), closes=time(10, 0)))
    hall.general.counters = 3
    db_session.flush()
    added = sync_slots(db_session, hall.centre.id, MONDAY_8AM)

    def starts(day: str) -> list[str]:
        db_session.expire_all()
        rows = db_session.scalars(select(Slot).where(Slot.window_id == hall.general.id)).all()
        return sorted(s.starts_at.astimezone(MONDAY_8AM.tzinfo).strftime("%H:%M") for s in rows
                      if s.starts_at.astimezone(MONDAY_8AM.tzinfo).strftime("%Y-%m-%d") == day)

    tuesday = starts("2026-11-24")
    assert "14:00" in tuesday            # booked: kept although now outside the hours
    assert "14:15" not in tuesday and "16:45" not in tuesday  # empty and outside: removed
    assert tuesday[-2:] == ["13:45", "14:00"]
    assert added > 0 and starts("2026-11-28") == ["09:00", "09:15", "09:30", "09:45"]
    kept = db_session.get(Slot, afternoon.id)
    assert (kept.booked, kept.capacity) == (1, 3)
