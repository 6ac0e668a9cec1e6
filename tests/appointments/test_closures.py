"""暂停服务: closing a centre (or some windows, some hours) cancels what it meets, tells each person once with a
way to book again, stops new bookings at once (also those racing it), and lifting it opens the slots again."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, text

from miniapp_api.appointments import closures, services, waitlist
from miniapp_api.appointments.models import (
    Appointment,
    AppointmentStatus,
    OfferStatus,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from miniapp_api.appointments.services import BookingRefused
from miniapp_api.appointments.slots import opening_periods, slots_for_item, sync_slots
from miniapp_api.centres.models import CentreClosure
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import local
from miniapp_api.platform.errors import DomainError
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.factories import build_hall, citizen_with_identity

TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)
STORM = "暴雨红色预警"


def book(session, cipher, hall, citizen, window, local: str, item=None) -> Appointment:
    slot = hall.slot(session, window, local)
    return services.book_appointment(session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
                                     slot_id=slot.id, item_codes=[(item or hall.quick).code], now=MONDAY_8AM)


def day_slots(session, centre_id: int, day: date) -> list[Slot]:
    return list(session.scalars(select(Slot).where(
        Slot.centre_id == centre_id, text("(slot.starts_at AT TIME ZONE 'Asia/Shanghai')::date = :day"))
        .params(day=day).order_by(Slot.id)))


def messages_of(session, kind: str) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def test_closing_a_day_cancels_its_bookings_tells_each_person_and_takes_no_new_one(db_session, cipher, hall,
                                                                                   make_citizen):
    people = [make_citizen(name) for name in ("张一", "李二", "王三", "赵四")]
    tuesday = [book(db_session, cipher, hall, people[0], hall.general, "2026-11-24 09:00"),
               book(db_session, cipher, hall, people[1], hall.express, "2026-11-24 09:00"),
               book(db_session, cipher, hall, people[2], hall.general, "2026-11-24 14:00")]
    wednesday = book(db_session, cipher, hall, people[3], hall.general, "2026-11-25 09:00")
    db_session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :c"), {"c": hall.centre.id})
    only_tuesday = waitlist.join(db_session, people[3], waitlist.Wanted(hall.centre.id, hall.quick.code, TUESDAY,
                                                                        TUESDAY), MONDAY_8AM)
    several_days = waitlist.join(db_session, people[2], waitlist.Wanted(hall.centre.id, hall.quick.code, TUESDAY,
                                                                         WEDNESDAY), MONDAY_8AM)
    db_session.execute(text("UPDATE slot SET booked = (SELECT count(*) FROM appointment_slot l JOIN appointment a "
                            "ON a.id = l.appointment_id AND a.status = 'booked' WHERE l.slot_id = slot.id) "
                            "WHERE centre_id = :c"), {"c": hall.centre.id})

    closed = closures.close(db_session, centre=hall.centre, day=TUESDAY, reason=STORM, actor="staff:1",
                            now=MONDAY_8AM)

    assert (closed.cancelled, closed.waitlist_ended) == (3, 1)
    db_session.expire_all()
    for appointment in tuesday:
        assert appointment.status == AppointmentStatus.CANCELLED
        assert STORM in appointment.cancel_reason
        assert not any(line.active for line in appointment.lines)   # no quota, no duplicate held
    assert wednesday.status == AppointmentStatus.BOOKED
    assert all(s.closure_id == closed.closure.id and s.booked == 0 for s in day_slots(db_session, hall.centre.id,
                                                                                       TUESDAY))
    assert all(s.closure_id is None for s in day_slots(db_session, hall.centre.id, WEDNESDAY))
    # Each person once, with the reason, that it costs them nothing, and a page to book again elsewhere or later.
    told = messages_of(db_session, "appointment_closed")
    assert sorted(n.citizen_id for n in told) == sorted(p.id for p in people[:3])
    for notice in told:
        assert STORM in notice.body and "不算爽约" in notice.body and "11月24日" in notice.body
        assert notice.page.startswith(f"pages/book/index?code={hall.quick.code}&centre=")
        assert "date=2026-11-24" not in notice.page
    assert db_session.get(WaitlistEntry, only_tuesday.id).status == WaitlistStatus.CANCELLED
    assert db_session.get(WaitlistEntry, several_days.id).status == WaitlistStatus.WAITING
    ended = messages_of(db_session, "waitlist_lapsed")
    assert [n.citizen_id for n in ended] == [people[3].id] and STORM in ended[0].body

    # Nothing on that day is offered or taken any more; the centre page and the slot list say why.
    assert slots_for_item(db_session, hall.centre, hall.quick.id, TUESDAY) == []
    assert opening_periods(db_session, hall.centre, TUESDAY) == []
    slot = day_slots(db_session, hall.centre.id, TUESDAY)[0]
    with pytest.raises(BookingRefused) as refused:
        services.book_appointment(db_session, citizen_id=people[0].id,
                                  person=services.person_for_self(people[0], cipher), slot_id=slot.id,
                                  item_codes=[hall.quick.code], now=MONDAY_8AM)
    assert refused.value.code == "centre_closed" and "暂停服务" in refused.value.message


def test_some_hours_of_one_window_close_only_what_they_cover(db_session, cipher, hall, make_citizen):
    morning_general = book(db_session, cipher, hall, make_citizen("张一"), hall.general, "2026-11-24 09:00")
    morning_express = book(db_session, cipher, hall, make_citizen("李二"), hall.express, "2026-11-24 09:00")
    afternoon_general = book(db_session, cipher, hall, make_citizen("王三"), hall.general, "2026-11-24 14:00")

    closed = closures.close(db_session, centre=hall.centre, day=TUESDAY, reason="系统升级", actor="staff:1",
                            now=MONDAY_8AM, from_time=time(8, 30), to_time=time(10, 0), window_ids=[hall.general.id])

    assert closed.cancelled == 1 and closed.waitlist_ended == 0
    db_session.expire_all()
    assert morning_general.status == AppointmentStatus.CANCELLED
    assert morning_express.status == afternoon_general.status == AppointmentStatus.BOOKED
    covered = [(s.window_id, local(s.starts_at).strftime("%H:%M"))
               for s in day_slots(db_session, hall.centre.id, TUESDAY) if s.closure_id is not None]
    assert covered == [(hall.general.id, f"{h:02d}:{m:02d}") for h, m in
                       [(8, 30), (8, 45), (9, 0), (9, 15), (9, 30), (9, 45)]]
    # The centre is still open that day, and lists only what stays open; the notice names the hours and window.
    assert opening_periods(db_session, hall.centre, TUESDAY)
    listed = {(s.window_id, local(s.starts_at).strftime("%H:%M"))
              for s in slots_for_item(db_session, hall.centre, hall.quick.id, TUESDAY)}
    assert (hall.general.id, "09:00") not in listed and (hall.express.id, "09:00") in listed
    notice = messages_of(db_session, "appointment_closed")[0]
    assert "11月24日 08:30–10:00" in notice.body and hall.general.name in notice.body


def test_lifting_opens_the_slots_again_and_what_was_cancelled_stays_cancelled(db_session, cipher, hall, make_citizen):
    person = make_citizen()
    booked = book(db_session, cipher, hall, person, hall.general, "2026-11-24 09:00")
    closed = closures.close(db_session, centre=hall.centre, day=TUESDAY, reason=STORM, actor="staff:1",
                            now=MONDAY_8AM)
    closures.lift(db_session, centre=hall.centre, closure_id=closed.closure.id, actor="staff:1",
                  now=MONDAY_8AM + timedelta(minutes=5))
    db_session.expire_all()
    assert booked.status == AppointmentStatus.CANCELLED
    assert all(s.closure_id is None for s in day_slots(db_session, hall.centre.id, TUESDAY))
    again = book(db_session, cipher, hall, person, hall.general, "2026-11-24 09:00")
    assert again.status == AppointmentStatus.BOOKED
    with pytest.raises(DomainError) as twice:
        closures.lift(db_session, centre=hall.centre, closure_id=closed.closure.id, actor="staff:1", now=MONDAY_8AM)
    assert twice.value.code == "closure_not_found"


def test_a_seat_held_for_the_waitlist_on_a_closed_slot_is_withdrawn_and_the_person_stays_in_line(
        db_session, cipher, hall, make_citizen):
    holder, waiting = make_citizen("张一"), make_citizen("李二")
    booked = book(db_session, cipher, hall, holder, hall.general, "2026-11-24 09:00")
    db_session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :c"), {"c": hall.centre.id})
    entry = waitlist.join(db_session, waiting, waitlist.Wanted(hall.centre.id, hall.quick.code, TUESDAY, WEDNESDAY),
                          MONDAY_8AM)
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=booked.id, now=MONDAY_8AM)
    offer = db_session.scalars(select(WaitlistOffer).where(WaitlistOffer.entry_id == entry.id)).one()
    assert offer.status == OfferStatus.HELD

    closures.close(db_session, centre=hall.centre, day=TUESDAY, reason=STORM, actor="staff:1", now=MONDAY_8AM)

    db_session.expire_all()
    assert offer.status == OfferStatus.WITHDRAWN
    assert db_session.get(WaitlistEntry, entry.id).status == WaitlistStatus.WAITING
    assert db_session.get(Slot, offer.slot_id).booked == hall.general.counters - 1   # the held seat came back
    withdrawn = [n for n in messages_of(db_session, "waitlist_lapsed") if n.citizen_id == waiting.id]
    assert len(withdrawn) == 1 and "仍在候补队列中" in withdrawn[0].body


def test_a_day_beyond_the_booking_horizon_is_closed_when_its_slots_are_made(db_session, hall):
    far = MONDAY_8AM.date() + timedelta(days=14)
    assert day_slots(db_session, hall.centre.id, far) == []
    closures.close(db_session, centre=hall.centre, day=far, reason="系统升级", actor="staff:1", now=MONDAY_8AM)
    sync_slots(db_session, hall.centre.id, MONDAY_8AM + timedelta(days=10))
    made = day_slots(db_session, hall.centre.id, far)
    assert made and all(s.closure_id is not None for s in made)


def test_a_closure_that_makes_no_sense_is_refused_at_its_fields(db_session, hall):
    cases = [(dict(day=MONDAY_8AM.date() - timedelta(days=1)), "day"),
             (dict(day=TUESDAY, from_time=time(9, 0)), "to_time"),
             (dict(day=TUESDAY, from_time=time(11, 0), to_time=time(9, 0)), "to_time"),
             (dict(day=TUESDAY, window_ids=[hall.general.id, 999_999]), "window_ids")]
    for values, field in cases:
        with pytest.raises(DomainError) as refused:
            closures.close(db_session, centre=hall.centre, reason=STORM, actor="staff:1", now=MONDAY_8AM, **values)
        assert field in refused.value.fields, values
    assert db_session.scalar(select(func.count()).select_from(CentreClosure)) == 0


@pytest.fixture
def booked_tuesday(app, committed_db):
    """A committed hall with 500 bookings on Tuesday and 40 more citizens ready to book that day."""
    cipher = app.extensions["banshi.cipher"]
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=20)   # 28 general slots × 20 = 560 seats
    slots = [s for s in day_slots(session, hall.centre.id, TUESDAY) if s.window_id == hall.general.id]
    people = [citizen_with_identity(session, cipher, 5000 + n, name="陈约") for n in range(540)]
    seats = [slot for slot in slots for _ in range(slot.capacity)]
    session.commit()
    booked = []
    for person, slot in zip(people[:500], seats):
        booked.append(services.book_appointment(
            session, citizen_id=person.id, person=services.person_for_self(person, cipher), slot_id=slot.id,
            item_codes=[hall.quick.code], now=MONDAY_8AM).id)
    session.commit()
    return hall, cipher, list(zip(people[500:], [s.id for s in seats[500:]])), booked, session


def test_the_closure_storm_500_bookings_and_bookings_racing_it(app, booked_tuesday, connections):
    hall, cipher, racers, booked, session = booked_tuesday

    def act(index: int):
        if index == 0:
            def closing(own):
                centre = own.get(type(hall.centre), hall.centre.id)
                return closures.close(own, centre=centre, day=TUESDAY, reason=STORM, actor="staff:1",
                                      now=MONDAY_8AM).cancelled
            return ("closure", attempt(connections, closing))
        person, free_seat = racers[index - 1]

        def booking(own):
            return services.book_appointment(own, citizen_id=person.id,
                                             person=services.person_for_self(person, cipher),
                                             slot_id=free_seat, item_codes=[hall.quick.code],
                                             now=MONDAY_8AM).id
        return ("booking", attempt(connections, booking))

    outcomes = run_together(1 + len(racers), act)
    cancelled_by_closure = next(value for kind, value in outcomes if kind == "closure")
    racer_ids = [value for kind, value in outcomes if kind == "booking" and isinstance(value, int)]
    refusals = Counter(value for kind, value in outcomes if kind == "booking" and not isinstance(value, int))
    assert set(refusals) <= {"centre_closed"}, refusals
    assert len(racer_ids) + sum(refusals.values()) == len(racers)

    session.expire_all()
    # None survives: every booking of the day, the 500 and the racers that got in first, is cancelled by it.
    on_tuesday = session.scalars(select(Appointment).where(Appointment.service_date == TUESDAY)).all()
    assert len(on_tuesday) == 500 + len(racer_ids)
    assert {a.status for a in on_tuesday} == {AppointmentStatus.CANCELLED}
    assert cancelled_by_closure == len(on_tuesday)
    # None lost: the seats are all given back and nothing is bookable that day.
    assert session.scalar(select(func.sum(Slot.booked)).where(Slot.centre_id == hall.centre.id,
                                                              Slot.id.in_([s.id for s in day_slots(
                                                                  session, hall.centre.id, TUESDAY)]))) == 0
    assert all(s.closure_id is not None for s in day_slots(session, hall.centre.id, TUESDAY))
    # Each person told once; closing again (a second click) tells nobody twice.
    told = Counter(n.subject_id for n in messages_of(session, "appointment_closed"))
    assert set(told) == {a.id for a in on_tuesday} and set(told.values()) == {1}
    again = attempt(connections, lambda own: closures.close(
        own, centre=own.get(type(hall.centre), hall.centre.id), day=TUESDAY, reason=STORM, actor="staff:1",
        now=MONDAY_8AM).cancelled)
    assert again == 0
    assert len(messages_of(session, "appointment_closed")) == len(on_tuesday)
