"""The grants behind acts on a booking, at the service level: the cap of bookings by name holds under real
concurrency, what was done under a relative authorisation belongs to the relative, and the delegate hears
nothing more once it ends."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from miniapp_api.accounts import services as accounts
from miniapp_api.appointments import services as booking
from miniapp_api.authority import services as authority
from miniapp_api.authority.services import Act, Basis
from miniapp_api.identity import services as identity
from miniapp_api.identity.models import Scope
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.errors import DomainError
from tests.appointments.test_concurrency import try_booking
from tests.concurrency import run_together
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity, id_number, policy_world


def test_twenty_bookings_by_name_at_once_from_one_account_get_exactly_its_cap(app, committed_db, connections):
    """Each names a different person (so no duplicate check serialises them): the account's lock does."""
    cipher, session = app.extensions["banshi.cipher"], committed_db.session
    hall = build_hall(session, MONDAY_8AM, counters=30)
    booker = citizen_with_identity(session, cipher, 960, name="钱多")
    session.commit()
    people = [booking.person_for_other(session, cipher, booker, name="李某", id_number=id_number(1200 + n),
                                       phone="13900001111", relation="朋友") for n in range(20)]
    slot = hall.slot(session, hall.general, "2026-11-24 09:00")
    outcomes = run_together(20, lambda i: try_booking(connections, booker.id, people[i], slot.id, hall.quick.code))
    assert Counter(outcomes) == {"booked": 2, booking.QUOTA_EXCEEDED: 18}
    session.expire_all()
    held = session.scalars(select(booking.Appointment).where(booking.Appointment.citizen_id == booker.id)).all()
    assert len(held) == 2 and all(a.named_id_hash and a.person_hash.startswith(f"named:{booker.id}:") for a in held)


def relative_world(db_session, cipher, scopes=("book", "view", "remind")):
    hall = build_hall(db_session, MONDAY_8AM)
    mother = citizen_with_identity(db_session, cipher, 970, name="王秀英")
    son = citizen_with_identity(db_session, cipher, 971, name="王建军")
    invitation = identity.invite_relative(db_session, cipher, son, name="王秀英", id_number=id_number(970),
                                          relation="父母", scopes=list(scopes), valid_days=30, now=MONDAY_8AM)
    identity.accept_invitation(db_session, mother, code=invitation.code, now=MONDAY_8AM)
    principal = identity.principal_for(db_session, son, invitation.authorisation.id, Scope.BOOK, MONDAY_8AM)
    appointment = booking.book_appointment(
        db_session, citizen_id=son.id, person=booking.person_for_relative(db_session, son, principal),
        slot_id=hall.slot(db_session, hall.general, "2026-11-24 09:00").id, item_codes=[hall.quick.code],
        now=MONDAY_8AM)
    db_session.flush()
    return hall, mother, son, invitation.authorisation, appointment


def test_a_relatives_booking_is_the_relatives_and_its_reminders_stop_for_the_delegate_once_revoked(db_session,
                                                                                                  cipher):
    _, mother, son, authorisation, appointment = relative_world(db_session, cipher)
    record = booking.record_of(appointment)
    assert authority.may(db_session, son, record, Act.RESCHEDULE, MONDAY_8AM) == Basis.RELATIVE
    assert authority.may(db_session, mother, record, Act.CANCEL, MONDAY_8AM) == Basis.SELF
    reminders = list(db_session.scalars(select(Notification).where(
        Notification.subject_id == appointment.id, Notification.kind.like("appointment_reminder%"))))
    # Both hear of it: the son who booked, and his mother whose booking it is.
    assert sorted({r.citizen_id for r in reminders}) == sorted({son.id, mother.id})
    assert booking.gone_reminders(db_session, reminders) == set()

    identity.revoke(db_session, mother, authorisation.id, MONDAY_8AM + timedelta(hours=1))
    db_session.flush()
    assert authority.may(db_session, son, record, Act.VIEW, MONDAY_8AM + timedelta(hours=1)) is None
    assert authority.may(db_session, mother, record, Act.CANCEL, MONDAY_8AM + timedelta(hours=1)) == Basis.SELF
    gone = booking.gone_reminders(db_session, reminders)
    assert gone == {r.id for r in reminders if r.citizen_id == son.id} and gone
    assert booking.recipients(db_session, appointment, MONDAY_8AM + timedelta(hours=1)) == [mother.id]


def test_a_view_only_grant_sees_but_does_not_change(db_session, cipher):
    _, _, son, authorisation, appointment = relative_world(db_session, cipher)
    authorisation.scopes = ["view"]
    db_session.flush()
    record = booking.record_of(appointment)
    assert authority.may(db_session, son, record, Act.VIEW, MONDAY_8AM) == Basis.RELATIVE
    for act in (Act.CANCEL, Act.RESCHEDULE, Act.CHECK_IN):
        assert authority.may(db_session, son, record, act, MONDAY_8AM) is None
    with pytest.raises(DomainError) as refused:
        booking.cancel_appointment(db_session, citizen_id=son.id, appointment_id=appointment.id, now=MONDAY_8AM)
    assert (refused.value.status, refused.value.code) == (403, authority.NOT_PERMITTED)
    assert "只授权您查看" in refused.value.message and appointment.status == "booked"


def test_the_delegate_who_lost_their_verification_loses_the_grant(db_session, cipher):
    _, _, son, _, appointment = relative_world(db_session, cipher)
    son.verified_id_hash = None
    assert authority.grants(db_session, son, booking.record_of(appointment), MONDAY_8AM) == {}


def test_a_view_grant_shows_the_relatives_own_bookings_not_those_they_made_for_others(db_session, cipher):
    """The son (P) books for his grandmother (G) under her grant; his daughter (D) may view P's records: she sees
    P's own bookings, never G's (G granted her nothing) nor anyone P named."""
    hall, grandma, son, _, for_grandma = relative_world(db_session, cipher)
    daughter = citizen_with_identity(db_session, cipher, 972, name="王小红")
    invitation = identity.invite_relative(db_session, cipher, daughter, name="王建军", id_number=id_number(971),
                                          relation="父母", scopes=["view"], valid_days=30, now=MONDAY_8AM)
    identity.accept_invitation(db_session, son, code=invitation.code, now=MONDAY_8AM)
    own = booking.book_appointment(db_session, citizen_id=son.id, person=booking.person_for_self(son, cipher),
                                   slot_id=hall.slot(db_session, hall.general, "2026-11-25 09:00").id,
                                   item_codes=[hall.quick.code], now=MONDAY_8AM)
    named = booking.book_appointment(
        db_session, citizen_id=son.id, person=booking.person_for_other(
            db_session, cipher, son, name="李某", id_number=id_number(973), phone="13900001111", relation="朋友"),
        slot_id=hall.slot(db_session, hall.general, "2026-11-26 09:00").id, item_codes=[hall.quick.code],
        now=MONDAY_8AM)
    principal = identity.principal_for(db_session, daughter, invitation.authorisation.id, Scope.VIEW, MONDAY_8AM)
    seen = {a.id for a in booking.relative_appointments(db_session, principal)}
    assert own.id in seen and for_grandma.id not in seen and named.id not in seen


def test_the_person_named_lists_a_booking_made_for_them_only_while_it_stands(db_session, cipher):
    hall = build_hall(db_session, MONDAY_8AM)
    named = citizen_with_identity(db_session, cipher, 974, name="孙丽")
    booker = citizen_with_identity(db_session, cipher, 975, name="赵强")
    appointment = booking.book_appointment(
        db_session, citizen_id=booker.id, person=booking.person_for_other(
            db_session, cipher, booker, name="孙丽", id_number=id_number(974), phone="13900001111", relation="朋友"),
        slot_id=hall.slot(db_session, hall.general, "2026-11-24 09:00").id, item_codes=[hall.quick.code],
        now=MONDAY_8AM)
    assert [a.id for a in booking.list_appointments(db_session, named.id, MONDAY_8AM)] == [appointment.id]
    booking.cancel_appointment(db_session, citizen_id=booker.id, appointment_id=appointment.id, now=MONDAY_8AM)
    assert booking.list_appointments(db_session, named.id, MONDAY_8AM) == []
    assert [a.id for a in booking.list_appointments(db_session, booker.id, MONDAY_8AM)] == [appointment.id]


def test_a_centre_that_takes_no_bookings_by_name_says_so(db_session, cipher):
    hall = build_hall(db_session, MONDAY_8AM)
    hall.centre.max_active_for_others = 0
    booker = citizen_with_identity(db_session, cipher, 976, name="赵强")
    with pytest.raises(DomainError) as refused:
        booking.book_appointment(
            db_session, citizen_id=booker.id, person=booking.person_for_other(
                db_session, cipher, booker, name="孙丽", id_number=id_number(977), phone="13900001111",
                relation="朋友"),
            slot_id=hall.slot(db_session, hall.general, "2026-11-24 09:00").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
    assert refused.value.code == booking.QUOTA_EXCEEDED and "不接受未经授权的代预约" in refused.value.message


def test_closing_the_account_that_confirmed_a_business_grant_keeps_the_businesss_payout(db_session, cipher):
    hall = build_hall(db_session, MONDAY_8AM)
    agent = citizen_with_identity(db_session, cipher, 978, name="吴会计")
    world = policy_world(db_session, hall.centre, agent)
    grant = world["grant"]
    grant.account_name = world["business"].name      # paid to the business's own account, in its name
    accounts.request_deletion(db_session, agent, MONDAY_8AM, grace=timedelta(minutes=60))
    assert accounts.erase(db_session, cipher, agent.id, MONDAY_8AM + timedelta(hours=2))
    db_session.refresh(grant)
    # The business's account on record is where the grant is paid; the person who confirmed it is gone.
    assert (grant.account_last4, grant.account_name, grant.citizen_id, grant.form) == (
        "1234", world["business"].name, agent.id, None)
