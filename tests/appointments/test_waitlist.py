"""The waitlist (候补) through its services on the real database: joining, offers, holds, confirm, lapse."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text, update

from miniapp_api.appointments import services, waitlist
from miniapp_api.appointments.models import (
    Appointment,
    AppointmentStatus,
    OfferStatus,
    Slot,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from miniapp_api.centres.models import Centre
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.errors import DomainError
from tests.appointments.conftest import MONDAY_8AM

TUESDAY = date(2026, 11, 24)


def fill_day(session, centre_id: int, day: date) -> None:
    """Every seat of the day taken (as by bookings made elsewhere)."""
    session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :centre "
                         "AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date = :day"), {"centre": centre_id, "day": day})


def booked(session, slot_id: int) -> int:
    return session.scalar(select(Slot.booked).where(Slot.id == slot_id))


def wanted(hall, day: date = TUESDAY, **times) -> waitlist.Wanted:
    return waitlist.Wanted(centre_id=hall.centre.id, item_code=hall.quick.code, date_from=day, date_to=day, **times)


def book(session, citizen, slot, item, cipher, now=MONDAY_8AM):
    return services.book_appointment(session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
                                     slot_id=slot.id, item_codes=[item.code], now=now)


def offers_of(session, entry_id: int) -> list[WaitlistOffer]:
    return list(session.scalars(select(WaitlistOffer).where(WaitlistOffer.entry_id == entry_id)
                                .order_by(WaitlistOffer.id)))


@pytest.fixture
def full_tuesday(db_session, hall, make_citizen, cipher):
    """Tuesday at the hall: one real booking at 09:00 on the general window, every other seat taken."""
    holder = make_citizen("李四")
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    appointment = book(db_session, holder, slot, hall.quick, cipher)
    fill_day(db_session, hall.centre.id, TUESDAY)
    return holder, slot, appointment


def test_joining_needs_a_verified_identity_and_a_full_day(db_session, hall, make_citizen, cipher):
    citizen = make_citizen()
    with pytest.raises(DomainError) as refused:
        waitlist.join(db_session, citizen, wanted(hall), MONDAY_8AM)
    assert refused.value.code == waitlist.SEATS_AVAILABLE
    fill_day(db_session, hall.centre.id, TUESDAY)
    entry = waitlist.join(db_session, citizen, wanted(hall), MONDAY_8AM)
    assert entry.status == WaitlistStatus.WAITING
    with pytest.raises(DomainError) as again:
        waitlist.join(db_session, citizen, wanted(hall), MONDAY_8AM)
    assert again.value.code == waitlist.ALREADY_WAITING

    unverified = Citizen(openid="o-unverified")
    db_session.add(unverified)
    db_session.flush()
    with pytest.raises(DomainError) as anonymous:
        waitlist.join(db_session, unverified, wanted(hall), MONDAY_8AM)
    assert anonymous.value.status == 403


def test_an_item_longer_than_a_slot_cannot_wait(db_session, hall, make_citizen):
    fill_day(db_session, hall.centre.id, TUESDAY)
    with pytest.raises(DomainError) as refused:
        waitlist.join(db_session, make_citizen(), waitlist.Wanted(
            centre_id=hall.centre.id, item_code=hall.slow.code, date_from=TUESDAY, date_to=TUESDAY), MONDAY_8AM)
    assert refused.value.code == waitlist.WAITLIST_TOO_LONG and "暂不支持候补" in refused.value.message


def test_dates_outside_the_horizon_are_refused_with_a_field(db_session, hall, make_citizen):
    fill_day(db_session, hall.centre.id, TUESDAY)
    with pytest.raises(DomainError) as refused:
        waitlist.join(db_session, make_citizen(), waitlist.Wanted(
            centre_id=hall.centre.id, item_code=hall.quick.code, date_from=TUESDAY,
            date_to=TUESDAY + timedelta(days=30)), MONDAY_8AM)
    assert refused.value.code == waitlist.WAITLIST_DATES
    assert "date_to" in refused.value.fields


def test_a_cancelled_seat_is_held_for_the_first_in_line_and_nobody_else_can_book_it(
        db_session, hall, make_citizen, cipher, full_tuesday):
    holder, slot, appointment = full_tuesday
    first, second = make_citizen("王一"), make_citizen("王二")
    first_entry = waitlist.join(db_session, first, wanted(hall), MONDAY_8AM)
    second_entry = waitlist.join(db_session, second, wanted(hall), MONDAY_8AM)
    assert waitlist.people_ahead(db_session, [first_entry, second_entry]) == {first_entry.id: 0, second_entry.id: 1}
    before = booked(db_session, slot.id)

    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    assert booked(db_session, slot.id) == before          # the seat is held, not back in the pool
    [offer] = offers_of(db_session, first_entry.id)
    assert offer.status == OfferStatus.HELD and offer.slot_id == slot.id
    assert offer.expires_at == MONDAY_8AM + timedelta(minutes=15)
    assert offers_of(db_session, second_entry.id) == []
    db_session.refresh(first_entry)
    assert first_entry.status == WaitlistStatus.OFFERED
    message = db_session.scalars(select(Notification).where(Notification.citizen_id == first.id,
                                                            Notification.kind == "waitlist_offer")).one()
    assert "08:15 前确认" in message.body and message.page.endswith(f"offer={offer.id}")

    stranger = make_citizen("赵五")
    with pytest.raises(DomainError) as refused:
        book(db_session, stranger, slot, hall.quick, cipher)
    assert refused.value.code == services.SLOT_FULL


def test_confirming_books_the_held_seat_once(db_session, hall, make_citizen, cipher, full_tuesday):
    holder, slot, appointment = full_tuesday
    citizen = make_citizen("王一")
    entry = waitlist.join(db_session, citizen, wanted(hall), MONDAY_8AM)
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    [offer] = offers_of(db_session, entry.id)
    seats = booked(db_session, slot.id)

    mine = waitlist.confirm_offer(db_session, citizen, offer.id, MONDAY_8AM + timedelta(minutes=5))
    assert mine.status == AppointmentStatus.BOOKED and [s.id for s in mine.slots] == [slot.id]
    assert booked(db_session, slot.id) == seats           # the held seat became the booking, none taken twice
    db_session.refresh(entry)
    assert (entry.status, entry.appointment_id) == (WaitlistStatus.BOOKED, mine.id)
    with pytest.raises(DomainError) as again:
        waitlist.confirm_offer(db_session, citizen, offer.id, MONDAY_8AM + timedelta(minutes=6))
    assert again.value.code == waitlist.OFFER_GONE and "已确认" in again.value.message


def test_someone_elses_offer_is_not_found(db_session, hall, make_citizen, full_tuesday):
    holder, _, appointment = full_tuesday
    entry = waitlist.join(db_session, make_citizen("王一"), wanted(hall), MONDAY_8AM)
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    [offer] = offers_of(db_session, entry.id)
    with pytest.raises(DomainError) as refused:
        waitlist.confirm_offer(db_session, make_citizen("赵五"), offer.id, MONDAY_8AM)
    assert refused.value.status == 404


def test_an_unconfirmed_hold_runs_out_and_the_seat_moves_on_then_back_to_the_pool(
        db_session, hall, make_citizen, full_tuesday):
    holder, slot, appointment = full_tuesday
    first, second = make_citizen("王一"), make_citizen("王二")
    first_entry = waitlist.join(db_session, first, wanted(hall), MONDAY_8AM)
    second_entry = waitlist.join(db_session, second, wanted(hall), MONDAY_8AM)
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    seats = booked(db_session, slot.id)

    assert waitlist.expire_offers(db_session, MONDAY_8AM + timedelta(minutes=14)) == 0    # not yet
    late = MONDAY_8AM + timedelta(minutes=15)
    assert waitlist.expire_offers(db_session, late) == 1
    [lapsed] = offers_of(db_session, first_entry.id)
    [moved] = offers_of(db_session, second_entry.id)
    assert lapsed.status == OfferStatus.EXPIRED and moved.status == OfferStatus.HELD
    assert moved.chain_id == lapsed.chain_id == lapsed.id
    assert moved.expires_at == late + timedelta(minutes=15)
    db_session.refresh(first_entry)
    assert first_entry.status == WaitlistStatus.LAPSED
    assert booked(db_session, slot.id) == seats
    with pytest.raises(DomainError) as too_late:
        waitlist.confirm_offer(db_session, first, lapsed.id, late)
    assert too_late.value.code == waitlist.OFFER_GONE

    # The second lets it run out too: nobody is left, the seat goes back to the pool.
    assert waitlist.expire_offers(db_session, late + timedelta(minutes=15)) == 1
    assert booked(db_session, slot.id) == seats - 1
    assert waitlist.expire_offers(db_session, late + timedelta(minutes=30)) == 0         # twice: nothing more


def test_declining_or_leaving_the_line_passes_the_seat_on(db_session, hall, make_citizen, full_tuesday):
    holder, slot, appointment = full_tuesday
    people = [make_citizen(f"王{n}") for n in range(3)]
    entries = [waitlist.join(db_session, p, wanted(hall), MONDAY_8AM) for p in people]
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    [first_offer] = offers_of(db_session, entries[0].id)
    waitlist.decline_offer(db_session, people[0], first_offer.id, MONDAY_8AM)
    [second_offer] = offers_of(db_session, entries[1].id)
    assert second_offer.status == OfferStatus.HELD

    waitlist.cancel_entry(db_session, people[1].id, entries[1].id, MONDAY_8AM)
    db_session.refresh(second_offer)
    assert second_offer.status == OfferStatus.WITHDRAWN
    [third_offer] = offers_of(db_session, entries[2].id)
    assert third_offer.status == OfferStatus.HELD and third_offer.slot_id == slot.id


def test_a_seat_outside_the_times_asked_for_is_not_offered(db_session, hall, make_citizen, full_tuesday):
    holder, slot, appointment = full_tuesday
    afternoon = waitlist.join(db_session, make_citizen("王一"), wanted(hall, time_from=time(13, 30)), MONDAY_8AM)
    morning = waitlist.join(db_session, make_citizen("王二"), wanted(hall, time_to=time(12, 0)), MONDAY_8AM)
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    assert offers_of(db_session, afternoon.id) == []
    assert len(offers_of(db_session, morning.id)) == 1


def test_an_offer_made_at_night_is_held_from_the_morning(db_session, hall, make_citizen, cipher, full_tuesday):
    holder, slot, appointment = full_tuesday
    entry = waitlist.join(db_session, make_citizen("王一"), wanted(hall), MONDAY_8AM)
    night = datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI)
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=night)
    [offer] = offers_of(db_session, entry.id)
    assert offer.expires_at == datetime(2026, 11, 24, 8, 15, tzinfo=SHANGHAI)


def test_a_seat_too_close_to_its_start_goes_back_to_the_pool(db_session, hall, make_citizen, cipher, full_tuesday):
    holder, slot, appointment = full_tuesday
    entry = waitlist.join(db_session, make_citizen("王一"), wanted(hall), MONDAY_8AM)
    db_session.execute(update(Centre).where(Centre.id == hall.centre.id).values(cancel_cutoff_minutes=0))
    db_session.expire_all()
    seats = booked(db_session, slot.id)
    just_before = datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI)   # 09:00 minus a 15-minute hold and 30 of notice
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=just_before)
    assert offers_of(db_session, entry.id) == []
    assert booked(db_session, slot.id) == seats - 1


def test_a_rescheduled_seat_goes_to_the_line(db_session, hall, make_citizen, cipher, full_tuesday):
    holder, slot, appointment = full_tuesday
    entry = waitlist.join(db_session, make_citizen("王一"), wanted(hall), MONDAY_8AM)
    wednesday = hall.slot(db_session, hall.general, "2026-11-25 09:00")
    services.reschedule_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id,
                                    slot_id=wednesday.id, now=MONDAY_8AM)
    [offer] = offers_of(db_session, entry.id)
    assert offer.slot_id == slot.id


def test_the_line_ends_after_its_last_day(db_session, hall, make_citizen):
    fill_day(db_session, hall.centre.id, TUESDAY)
    entry = waitlist.join(db_session, make_citizen("王一"), wanted(hall), MONDAY_8AM)
    waitlist.expire_offers(db_session, datetime(2026, 11, 24, 23, 59, tzinfo=SHANGHAI))
    db_session.refresh(entry)
    assert entry.status == WaitlistStatus.WAITING
    waitlist.expire_offers(db_session, datetime(2026, 11, 25, 0, 1, tzinfo=SHANGHAI))
    db_session.refresh(entry)
    assert entry.status == WaitlistStatus.EXPIRED


def test_dashboard_figures_count_the_line_and_the_fill_rate(db_session, hall, make_citizen, cipher, full_tuesday):
    holder, slot, appointment = full_tuesday
    other_slot = hall.slot(db_session, hall.general, "2026-11-24 10:00")
    db_session.execute(update(Slot).where(Slot.id == other_slot.id).values(booked=Slot.booked - 1))
    second_holder = make_citizen("李五")
    second = book(db_session, second_holder, other_slot, hall.quick, cipher)
    people = [make_citizen(f"王{n}") for n in range(3)]
    entries = [waitlist.join(db_session, p, wanted(hall), MONDAY_8AM) for p in people]
    services.cancel_appointment(db_session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    services.cancel_appointment(db_session, citizen_id=second_holder.id, appointment_id=second.id, now=MONDAY_8AM)
    [offer] = offers_of(db_session, entries[0].id)
    waitlist.confirm_offer(db_session, people[0], offer.id, MONDAY_8AM)
    waitlist.expire_offers(db_session, MONDAY_8AM + timedelta(minutes=15))   # the second seat moves to the third

    [figures] = waitlist.line_figures(db_session, [hall.centre.id], TUESDAY - timedelta(days=7), TUESDAY)
    assert (figures.waiting, figures.held, figures.freed, figures.filled) == (1, 1, 2, 1)
    assert figures.fill_rate == 0.5
    assert db_session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.status == WaitlistStatus.LAPSED)) == 1
    assert db_session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.citizen_id == people[0].id)) == 1
