"""The whole path with real processes: commit → RQ → worker → wechatpy → emulator inbox."""

from datetime import datetime, timedelta

from rq import Queue
from sqlalchemy import select, update

from miniapp_api.appointments import services as booking
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
        Queue("sweeps", connection=redis_client).enqueue("jobs.notifications.enqueue_due_notifications")
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
