"""The booking's catalogue held per process (appointments/catalogue.py): the second booking of a slot reads no
slot, window, centre or item row; every change staff make to what a booking reads (an item taken off a window,
a centre's notice period, a closure) moves the catalogue version, and the next booking in any process reads it
afresh; a booking's own seat never moves it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import delete, select, update

from miniapp_api.appointments import catalogue, services
from miniapp_api.appointments.services import BookingRefused
from miniapp_api.centres.models import CatalogueVersion, Centre, window_item
from miniapp_api.platform.clock import SHANGHAI
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.test_full_slots import statements_during
from tests.factories import build_hall, citizen_with_identity


def _book(session, cipher, citizen, slot_id, code):
    return services.book_appointment(session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
                                     slot_id=slot_id, item_codes=[code], now=MONDAY_8AM)


def _version(session) -> int:
    return session.scalar(select(CatalogueVersion.version))


@pytest.fixture
def setting(db_session, cipher):
    hall = build_hall(db_session, MONDAY_8AM, counters=20)
    slot_id = hall.slot(db_session, hall.general, "2026-11-24 09:00").id
    people = iter([citizen_with_identity(db_session, cipher, 7100 + n) for n in range(20)])
    db_session.commit()
    return hall, slot_id, people


def _catalogue_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")
            and re.search(r"(FROM|JOIN) (slot|service_window|centre|service_item)\b", s)]


def test_the_second_booking_of_a_slot_reads_no_catalogue_row(db_session, cipher, setting):
    hall, slot_id, people = setting
    first = statements_during(lambda: _book(db_session, cipher, next(people), slot_id, hall.quick.code))
    assert catalogue.size() == 1
    second = statements_during(lambda: _book(db_session, cipher, next(people), slot_id, hall.quick.code))
    assert _catalogue_reads(first), "the first booking reads its slot, window, centre and items"
    assert _catalogue_reads(second) == []
    first = [statement for statement in first if not statement.startswith("SAVEPOINT")]
    assert len(second) == len(first) - 3   # the slot with its window and centre, the items, the window's items
    appointment = _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    db_session.commit()
    # Built from the cached values, the answer and the confirmation read as from the rows.
    assert appointment.centre.name == hall.centre.name and appointment.window.name == hall.general.name
    assert [line.item.name for line in appointment.lines] == [hall.quick.name]


def test_a_booking_does_not_move_the_version_but_a_closure_of_its_slot_does(db_session, cipher, setting):
    hall, slot_id, people = setting
    before = _version(db_session)
    _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    db_session.commit()
    assert _version(db_session) == before
    db_session.execute(update(services.Slot).where(services.Slot.id == slot_id).values(capacity=25))
    assert _version(db_session) > before


def test_an_item_taken_off_the_window_is_refused_at_the_next_booking(db_session, cipher, setting):
    hall, slot_id, people = setting
    _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    assert catalogue.size() == 1
    db_session.execute(delete(window_item).where(window_item.c.window_id == hall.general.id,
                                                 window_item.c.item_id == hall.quick.id))
    db_session.commit()
    with pytest.raises(BookingRefused) as refused:
        _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    assert refused.value.code == services.ITEM_NOT_AT_CENTRE


def test_a_longer_notice_period_applies_at_the_next_booking(db_session, cipher, setting):
    hall, slot_id, people = setting
    _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    db_session.execute(update(Centre).where(Centre.id == hall.centre.id).values(min_notice_minutes=3 * 24 * 60))
    db_session.commit()
    with pytest.raises(BookingRefused) as refused:
        _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    assert refused.value.code == services.TOO_LATE_TO_BOOK


def test_a_change_committed_by_another_process_is_seen(app, committed_db):
    """Real commits: the cache is filled, another connection (a staff page in another process) lengthens the
    centre's notice period, and the next booking here reads the catalogue again."""
    cipher, session = app.extensions["banshi.cipher"], committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=20)
    slot_id = hall.slot(session, hall.general, "2026-11-24 09:00").id
    people = [citizen_with_identity(session, cipher, 7300 + n) for n in range(3)]
    session.commit()
    _book(session, cipher, people[0], slot_id, hall.quick.code)
    session.commit()
    assert catalogue.size() == 1
    with committed_db.engine.begin() as staff:
        staff.execute(update(Centre).where(Centre.id == hall.centre.id)
                      .values(min_notice_minutes=3 * 24 * 60))
    with pytest.raises(BookingRefused) as refused:
        _book(session, cipher, people[1], slot_id, hall.quick.code)
    session.rollback()
    assert refused.value.code == services.TOO_LATE_TO_BOOK
    assert catalogue.size() == 0   # the moved version emptied the cache


def test_the_slots_of_a_window_share_its_entry_and_items_are_held_without_their_guides(db_session, cipher, setting):
    hall, slot_id, people = setting
    other_slot = hall.slot(db_session, hall.general, "2026-11-24 09:30").id
    _book(db_session, cipher, next(people), slot_id, hall.quick.code)
    second = statements_during(lambda: _book(db_session, cipher, next(people), other_slot, hall.quick.code))
    assert catalogue.size() == 2 and len(catalogue._windows) == 1
    # The second slot's miss read its slot, window and centre and the items asked for, not the window's items again.
    assert not [s for s in second if "JOIN window_item" in s and "service_item" in s and "WHERE window_item" in s]
    [held] = catalogue._windows.values()
    assert hall.quick.code in held.items and "guide" not in held.items[hall.quick.code]
    appointment = _book(db_session, cipher, next(people), other_slot, hall.quick.code)
    assert appointment.lines[0].item.guide == hall.quick.guide   # loaded on demand when something reads it


def test_a_refusal_on_cached_values_is_checked_on_a_fresh_read(db_session, cipher, setting):
    """The centre shortens its notice period: a booking the old period would refuse goes through at once."""
    hall, _, people = setting
    thursday = hall.slot(db_session, hall.general, "2026-11-26 09:00").id
    db_session.execute(update(Centre).where(Centre.id == hall.centre.id).values(min_notice_minutes=2 * 24 * 60))
    db_session.commit()
    _book(db_session, cipher, next(people), thursday, hall.quick.code)   # three days ahead: cached with 2 days
    assert catalogue.size() == 1
    db_session.execute(update(Centre).where(Centre.id == hall.centre.id).values(min_notice_minutes=30))
    db_session.commit()
    db_session.expunge(hall.centre)   # as in a new request: the session holds no centre of its own
    two_hours_before = datetime(2026, 11, 26, 7, 0, tzinfo=SHANGHAI)
    booked = services.book_appointment(db_session, citizen_id=(person := next(people)).id,
                                       person=services.person_for_self(person, cipher), slot_id=thursday,
                                       item_codes=[hall.quick.code], now=two_hours_before)
    assert booked.id is not None
