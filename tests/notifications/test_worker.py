"""The whole path with real processes: commit → RQ → worker → wechatpy → emulator inbox."""

import subprocess
import sys
from datetime import timedelta

from rq import Queue
from sqlalchemy import select, update

from miniapp_api.appointments import services as booking
from miniapp_api.clock import utcnow
from miniapp_api.notifications.delivery import in_quiet_hours
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import record_consents
from tests.factories import build_hall, citizen_with_identity
from tests.notifications.conftest import MONDAY_8AM, REMINDER_TEMPLATE, STATUS_TEMPLATE


def run_worker(env) -> None:
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


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

    run_worker(process_env)
    assert [m["template_id"] for m in wechat.inbox(openid=citizen.openid)] == [STATUS_TEMPLATE]

    # Time passes: both reminders are due. The due sweep and the worker run — twice.
    session.execute(update(Notification).where(Notification.kind.like("appointment_reminder%"))
                    .values(deliver_after=utcnow() - timedelta(minutes=1)))
    session.commit()
    for _ in range(2):
        Queue("sweeps", connection=redis_client).enqueue("jobs.notifications.enqueue_due_notifications")
        run_worker(process_env)
    reminders = wechat.inbox(openid=citizen.openid, template_id=REMINDER_TEMPLATE)
    session.expire_all()
    statuses = sorted(session.scalars(select(Notification.status).where(Notification.kind.like("appointment_reminder%"))))
    if in_quiet_hours(utcnow()):  # the worker runs on the real clock: at night reminders wait for 08:00
        assert reminders == [] and statuses == ["pending", "pending"]
    else:
        assert len(reminders) == 2 and statuses == ["sent", "sent"]
