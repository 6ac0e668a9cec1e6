"""The whole path with real processes: commit → RQ → worker → wechatpy → emulator inbox."""

import subprocess
import sys
from datetime import datetime, timedelta

from rq import Queue
from sqlalchemy import select, update

from miniapp_api.notifications.jobs import SEND_BATCH, batch_timeout
from miniapp_api.appointments import services as booking
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import record_consents
from miniapp_api.platform.clock import SHANGHAI
from tests.factories import build_hall, citizen_with_identity
from tests.notifications.conftest import MONDAY_8AM, REMINDER_TEMPLATE, STATUS_TEMPLATE
from tests.workers import run_worker

MONDAY_NIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI)
TUESDAY_8_05 = datetime(2026, 11, 24, 8, 5, tzinfo=SHANGHAI)


def test_confirmation_and_reminders_reach_wechat_once(app, committed_db, wechat, redis_client, process_env):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    hall = build_hall(session, MONDAY_8AM)
    citizen = citizen_with_identity(session, cipher, 8080)
    wechat.state.session_keys[citizen.openid] = "k"
    wechat.control("POST", "consents", openid=citizen.openid, template_id=STATUS_TEMPLATE, kind="one_time")
    wechat.control("POST", "consents", openid=citizen.openid, template_id=REMINDER_TEMPLATE, kind="long_term")
    record_consents(session, citizen.id, {STATUS_TEMPLATE: "accept", REMINDER_TEMPLATE: "accept"}, MONDAY_8AM)
    slot = hall.slot(session, hall.general, "2026-11-24 09:00")
    booking.book_appointment(session, citizen_id=citizen.id, person=booking.person_for_self(citizen, cipher),
                             slot_id=slot.id, item_codes=[hall.quick.code], now=MONDAY_8AM)
    session.commit()

    run_worker(process_env, at=MONDAY_8AM)
    assert [m["template_id"] for m in wechat.inbox(openid=citizen.openid)] == [STATUS_TEMPLATE]

    # Time passes: both reminders are due. At 23:30 (quiet hours) the worker holds them for the morning.
    session.execute(update(Notification).where(Notification.kind.like("appointment_reminder%"))
                    .values(deliver_after=MONDAY_NIGHT - timedelta(minutes=1)))
    session.commit()

    def sweep_and_work(at: datetime) -> tuple[list[dict], list[str]]:
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.notifications.jobs.enqueue_due_notifications")
        run_worker(process_env, at=at)
        session.expire_all()
        return (wechat.inbox(openid=citizen.openid, template_id=REMINDER_TEMPLATE),
                sorted(session.scalars(select(Notification.status)
                                       .where(Notification.kind.like("appointment_reminder%")))))

    assert sweep_and_work(MONDAY_NIGHT) == ([], ["pending", "pending"])
    # 08:05 the next morning the sweep and the worker run, twice: each reminder reaches WeChat once.
    for _ in range(2):
        reminders, statuses = sweep_and_work(TUESDAY_8_05)
    assert len(reminders) == 2 and statuses == ["sent", "sent"]


def test_batch_send_jobs_get_time_for_every_send_in_them(app, committed_db, redis_client, process_env, settings):
    """RQ's default 180 s would kill a 100-message batch while WeChat is slow, leaving claimed rows `unknown`
    and unsent: the due sweep sizes each batch job's timeout to its sends."""
    session = committed_db.session
    citizen = Citizen(openid="o-batch-timeout")
    session.add(citizen)
    session.flush()
    session.add_all([Notification(citizen_id=citizen.id, kind="appointment_reminder_day", title="t", body="b",
                                  fields={}, status="pending", deliver_after=MONDAY_8AM, attempts=0, deferrals=0)
                     for _ in range(SEND_BATCH + 5)])
    session.commit()
    swept = subprocess.run([sys.executable, "-c",
                            "from miniapp_api.notifications.jobs import enqueue_due_notifications as sweep; "
                            "print(sweep())"], env={**process_env, "CLOCK_START": MONDAY_8AM.isoformat()},
                           capture_output=True, text=True, timeout=120)
    assert swept.returncode == 0, swept.stderr[-2000:]
    jobs = Queue("notify", connection=redis_client).get_jobs()
    sizes = sorted(len(job.args[0]) for job in jobs)
    assert sizes == [5, SEND_BATCH]
    for job in jobs:
        assert job.timeout == batch_timeout(len(job.args[0]), settings.wechat_timeout_seconds)
        assert job.timeout >= len(job.args[0]) * settings.wechat_timeout_seconds > 0
    assert max(job.timeout for job in jobs) > 180
