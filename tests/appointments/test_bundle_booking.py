"""A 一件事 bundle booked as one visit (多事项预约): the starts offered are runs of back-to-back slots at a window
that handles every item, as long as the items take together; the booking takes the whole run or nothing, and
under a real storm of overlapping runs no slot ever holds more than its seats."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time

import pytest
import time_machine
from sqlalchemy import func, select

from miniapp_api.appointments import services
from miniapp_api.appointments.models import Appointment, AppointmentSlot, Slot
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import OpeningPeriod
from miniapp_api.platform.clock import SHANGHAI
from tests.appointments.test_concurrency import try_booking
from tests.concurrency import connections, run_together  # noqa: F401
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, WindowFactory, citizen_with_identity

HEALTH, CARD = "卫生健康领域“一件事”跨省通办", "残疾人证办理"


def bundle_hall(session):
    """A centre whose general window (15-minute slots, 3 seats) handles both items of the 跨省通办 bundle
    (15 + 20 minutes: three slots together) and whose express window handles only the first."""
    centre = CentreFactory(region="开发区")
    for weekday in range(5):
        for opens, closes in ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 0))):
            centre.hours.append(OpeningPeriod(weekday=weekday, opens=opens, closes=closes))
    health = ItemFactory(name=HEALTH, duration_minutes=15)
    card = ItemFactory(name=CARD, duration_minutes=20)
    general = WindowFactory(centre_id=centre.id, kind="general", counters=3, slot_minutes=15, items=[health, card])
    WindowFactory(centre_id=centre.id, kind="express", counters=1, slot_minutes=10, items=[health])
    session.flush()
    session.expire(centre, ["windows"])
    sync_slots(session, centre.id, MONDAY_8AM)
    return centre, general, [health, card]


def slot_at(session, window, local: str) -> Slot:
    starts = datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
    return session.scalars(select(Slot).where(Slot.window_id == window.id, Slot.starts_at == starts)).one()


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8AM, tick=False):
        yield


def test_a_bundle_is_offered_and_booked_as_one_visit(client, db_session, verified_login, frozen):
    centre, general, items = bundle_hall(db_session)
    db_session.commit()
    offered = client.get(f"/api/v1/bundles/KSCJ/slots?centre_id={centre.id}&date=2026-11-24")
    assert offered.status_code == 200, offered.get_json()
    body = offered.get_json()
    assert body["item_codes"] == [i.code for i in items]
    runs = [(s["starts_at"][11:16], s["ends_at"][11:16], s["slots_taken"], s["window_name"]) for s in body["slots"]]
    assert runs[0] == ("08:30", "09:15", 3, general.name)
    assert {r[3] for r in runs} == {general.name}                   # never the window that lacks one item
    starts = [r[0] for r in runs]
    assert "11:15" in starts and "11:30" not in starts and "11:45" not in starts   # nothing runs into lunch
    assert starts[-1] == "16:15" and len(runs) == 2 * (14 - 2)

    citizen = verified_login("孙丽")
    booked = client.post("/api/v1/appointments", headers=citizen,
                         json={"slot_id": body["slots"][2]["slot_id"], "item_codes": body["item_codes"]})
    assert booked.status_code == 201, booked.get_json()
    appointment = booked.get_json()
    assert [i["name"] for i in appointment["items"]] == [HEALTH, CARD]
    assert (appointment["starts_at"][11:16], appointment["ends_at"][11:16]) == ("09:00", "09:45")
    db_session.expire_all()
    assert [slot_at(db_session, general, f"2026-11-24 {t}").booked for t in ("08:45", "09:00", "09:15", "09:30",
                                                                            "09:45")] == [0, 1, 1, 1, 0]


@pytest.fixture
def storm(app, committed_db):
    cipher = app.extensions["banshi.cipher"]
    session = committed_db.session
    centre, general, items = bundle_hall(session)
    citizens = [citizen_with_identity(session, cipher, 4000 + n) for n in range(40)]
    session.commit()
    return session, general, items, citizens, [services.person_for_self(c, cipher) for c in citizens]


def test_overlapping_bundle_visits_never_overfill_a_slot(storm, connections):  # noqa: F811
    session, general, items, citizens, people = storm
    first, second = slot_at(session, general, "2026-11-24 09:00"), slot_at(session, general, "2026-11-24 09:15")
    codes = ",".join(i.code for i in items)

    def book(index: int) -> str:
        start = first if index % 2 == 0 else second          # runs 09:00–09:45 and 09:15–10:00 share two slots
        return try_booking(connections, citizens[index].id, people[index], start.id, codes.split(","))

    outcomes = Counter(run_together(len(citizens), book))
    assert outcomes["booked"] == 3 and outcomes["booked"] + outcomes[services.SLOT_FULL] == len(citizens)
    session.expire_all()
    for local in ("09:00", "09:15", "09:30", "09:45"):
        slot = slot_at(session, general, f"2026-11-24 {local}")
        holding = session.scalar(select(func.count()).select_from(AppointmentSlot).join(
            Appointment, Appointment.id == AppointmentSlot.appointment_id).where(
            AppointmentSlot.slot_id == slot.id, Appointment.status == "booked"))
        assert slot.booked == holding <= slot.capacity == 3, local
    every = session.scalars(select(Appointment)).all()
    assert all(len(a.lines) == 2 and len(a.slots) == 3 for a in every)
