"""The waitlist sweep in a real RQ worker, killed in the middle of passing a seat on: the next run does it
exactly once (the killed run's transaction never committed)."""

from datetime import date, timedelta

import psycopg
from rq import Queue
from sqlalchemy import func, select, text

from miniapp_api.appointments import services, waitlist
from miniapp_api.appointments.models import OfferStatus, Slot, WaitlistEntry, WaitlistOffer, WaitlistStatus
from miniapp_api.appointments.freed_seats import line_key
from miniapp_api.notifications.models import Notification
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity
from tests.workers import kill_worker_when, run_worker

TUESDAY = date(2026, 11, 24)
EXPIRE_JOB = "miniapp_api.appointments.jobs.expire_waitlist_offers"


def waiting_for_lock(admin: psycopg.Connection) -> bool:
    # This database only: another test run (CI's night-clock runs go side by side) may wait on its own copy.
    return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                         "AND datname = current_database() "
                         "AND query LIKE '%pg_advisory_xact_lock%'").fetchone()[0] > 0


def test_a_worker_killed_while_passing_a_seat_on_leaves_it_to_the_next_run(
        app, committed_db, redis_client, process_env, settings):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    hall = build_hall(session, MONDAY_8AM)
    holder = citizen_with_identity(session, cipher, 7100, name="李持")
    slot = hall.slot(session, hall.general, "2026-11-24 09:00")
    appointment = services.book_appointment(session, citizen_id=holder.id, person=services.person_for_self(
        holder, cipher), slot_id=slot.id, item_codes=[hall.quick.code], now=MONDAY_8AM)
    session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :centre"), {"centre": hall.centre.id})
    first, second = (citizen_with_identity(session, cipher, 7100 + n, name="王候") for n in (1, 2))
    session.commit()
    entries = [waitlist.join(session, c, waitlist.Wanted(hall.centre.id, hall.quick.code, TUESDAY, TUESDAY),
                             MONDAY_8AM).id for c in (first, second)]
    services.cancel_appointment(session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
    session.commit()
    seats = session.scalar(select(Slot.booked).where(Slot.id == slot.id))
    late = MONDAY_8AM + timedelta(minutes=20)

    # The test holds the centre's line: the worker's sweep starts, then waits for it inside its transaction.
    with psycopg.connect(settings.database_url, autocommit=True) as admin, \
            psycopg.connect(settings.database_url) as blocker:
        blocker.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (line_key(hall.centre.id),))
        Queue("sweeps", connection=redis_client).enqueue(EXPIRE_JOB)
        kill_worker_when(process_env, at=late, ready=lambda: waiting_for_lock(admin), what="the line's lock")
        blocker.rollback()

    session.expire_all()
    assert session.scalar(select(WaitlistOffer.status).where(WaitlistOffer.entry_id == entries[0])) == "held"

    # The next scheduled run (twice, as a retry would) passes the seat on exactly once.
    for _ in range(2):
        Queue("sweeps", connection=redis_client).enqueue(EXPIRE_JOB)
        run_worker(process_env, at=late)
    session.expire_all()
    statuses = dict(session.execute(select(WaitlistOffer.entry_id, WaitlistOffer.status)).all())
    assert statuses == {entries[0]: OfferStatus.EXPIRED, entries[1]: OfferStatus.HELD}
    assert dict(session.execute(select(WaitlistEntry.id, WaitlistEntry.status)).all()) == {
        entries[0]: WaitlistStatus.LAPSED, entries[1]: WaitlistStatus.OFFERED}
    assert session.scalar(select(Slot.booked).where(Slot.id == slot.id)) == seats
    kinds = sorted(session.execute(select(Notification.citizen_id, Notification.kind).where(
        Notification.kind.like("waitlist%"))).all())
    assert kinds == sorted([(first.id, "waitlist_offer"), (first.id, "waitlist_lapsed"),
                            (second.id, "waitlist_offer")])
    assert session.scalar(select(func.count()).select_from(WaitlistOffer)) == 2
