"""The booking sweeps, run by a real RQ worker process on the test's clock."""

from datetime import datetime, time, timedelta

from rq import Queue
from sqlalchemy import func, select

from miniapp_api.appointments.models import Appointment, Slot
from miniapp_api.centres.models import OpeningPeriod
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from tests.factories import CentreFactory, ItemFactory, WindowFactory, citizen_with_identity
from tests.workers import run_worker

WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def test_worker_fills_the_horizon_and_marks_no_shows(app, committed_db, redis_client, process_env):
    session, cipher, now = committed_db.session, app.extensions["banshi.cipher"], WEDNESDAY_10AM
    centre = CentreFactory()
    for weekday in range(7):  # open every day, so the horizon has slots whatever today is
        centre.hours.append(OpeningPeriod(weekday=weekday, opens=time(0, 0), closes=time(23, 45)))
    item = ItemFactory()
    window = WindowFactory(centre_id=centre.id, items=[item])
    citizen = citizen_with_identity(session, cipher, 77)
    session.flush()
    # An appointment whose slot ended an hour ago and was never checked in.
    started = (now - timedelta(hours=1, minutes=15)).astimezone(SHANGHAI)
    past = Slot(window_id=window.id, centre_id=centre.id, starts_at=started, ends_at=started + timedelta(minutes=15),
                capacity=2, booked=1)
    session.add(past)
    session.add(Appointment(citizen_id=citizen.id, person_hash=citizen.verified_id_hash,
                            accountable_hash=citizen.verified_id_hash, person_name="张三",
                            centre_id=centre.id, window_id=window.id, service_date=started.date(),
                            starts_at=past.starts_at, ends_at=past.ends_at, status="booked", slots=[past]))
    enqueue_after_commit(session, "sweeps", "miniapp_api.appointments.jobs.fill_booking_horizons", job_id="fill-test")
    enqueue_after_commit(session, "sweeps", "miniapp_api.appointments.jobs.mark_no_shows", job_id="no-shows-test")
    session.commit()

    run_worker(process_env, at=now)
    queue = Queue("sweeps", connection=redis_client)
    assert queue.fetch_job("fill-test").return_value() > 0
    assert queue.fetch_job("no-shows-test").return_value() == 1
    with committed_db.new_session() as check:
        assert check.scalar(select(Appointment.status)) == "no_show"
        future = check.scalar(select(func.count()).select_from(Slot).where(Slot.starts_at > now))
        assert future > 0
