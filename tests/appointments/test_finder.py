"""The centre list advertises the earliest slot the item can actually be booked from."""

from sqlalchemy import update

from miniapp_api.appointments.finder import centres_for_item
from miniapp_api.appointments.models import Slot
from miniapp_api.platform.clock import local
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall


def test_an_item_needing_three_slots_skips_a_run_of_two(db_session):
    hall = build_hall(db_session, MONDAY_8AM, counters=1)
    full = hall.slot(db_session, hall.general, "2026-11-23 09:00")
    db_session.execute(update(Slot).where(Slot.id == full.id).values(booked=Slot.capacity))
    db_session.flush()

    def earliest(item):
        [match] = [m for m in centres_for_item(db_session, item_code=item.code, lat=None, lng=None, now=MONDAY_8AM)
                   if m.centre.id == hall.centre.id]
        return local(match.earliest_free).strftime("%H:%M")

    # 08:30 and 08:45 are free but 09:00 is full: a 40-minute item needs three 15-minute slots in a row.
    assert earliest(hall.slow) == "09:15"
    assert earliest(hall.quick) == "08:30"
