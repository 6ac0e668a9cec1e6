"""Outbox rows written with the change that causes them, and delivered once."""

import threading
from datetime import datetime, timedelta

from rq import Queue
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from miniapp_api.appointments import services as booking
from miniapp_api.appointments.models import Appointment
from miniapp_api.notifications import delivery
from miniapp_api.notifications.delivery import Outcome
from miniapp_api.notifications.models import Notification, SubscriptionConsent
from miniapp_api.notifications.services import notify, record_consents
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import redis_store
from miniapp_api.wechat import WeChatGateway
from tests.factories import citizen_with_identity
from tests.notifications.conftest import MONDAY_8AM, REMINDER_TEMPLATE, STATUS_TEMPLATE


def rows(session, **filters) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).filter_by(**filters).order_by(Notification.id)))


def test_the_booking_message_names_the_key_materials_and_says_when_the_guide_lists_more(db_session, subscriber,
                                                                                          book, hall):
    hall.quick.materials = [{"name": "居民身份证", "key": True, "form": "original", "count": 1},
                            {"name": "近期免冠照片", "key": False, "form": "original", "count": 2}]
    citizen = subscriber()
    book(citizen)
    db_session.commit()
    [booked] = rows(db_session, citizen_id=citizen.id, kind="appointment_booked")
    assert "请携带：居民身份证，以及办事指南里列出的其他材料。" in booked.body
    hall.quick.materials = hall.quick.materials[:1]          # every material is key: the list is whole
    other = subscriber()
    book(other)
    db_session.commit()
    [whole] = rows(db_session, citizen_id=other.id, kind="appointment_booked")
    assert "请携带：居民身份证。" in whole.body
    hall.quick.materials = [{"name": "近期免冠照片", "key": False, "form": "original", "count": 2}]
    third = subscriber()                                      # none marked key: the guide is named, not nothing
    book(third, "2026-11-24 09:15")
    db_session.commit()
    [guide] = rows(db_session, citizen_id=third.id, kind="appointment_booked")
    assert "请按办事指南携带材料。" in guide.body and "请携带" not in guide.body


def test_booking_writes_confirmation_and_two_reminders(db_session, subscriber, book, hall, redis_client):
    citizen = subscriber()
    appointment = book(citizen)
    db_session.commit()
    written = {n.kind: n for n in rows(db_session, citizen_id=citizen.id)}
    assert set(written) == {"appointment_booked", "appointment_reminder_day", "appointment_reminder_hour"}
    assert written["appointment_reminder_day"].deliver_after == datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI)
    assert written["appointment_reminder_hour"].deliver_after == appointment.starts_at - timedelta(hours=1)
    assert written["appointment_booked"].urgent and not written["appointment_reminder_day"].urgent
    assert hall.quick.name in written["appointment_booked"].body and "签到取号" in written["appointment_booked"].body
    # The booking enqueued nothing itself: every row waits unclaimed for the outbox dispatcher, which claims
    # the due one only (tests/notifications/test_dispatcher.py runs the dispatcher for real).
    assert Queue("notify", connection=redis_client).job_ids == []
    assert all(row.enqueued_at is None for row in written.values())
    assert delivery.due_for_enqueue(db_session, MONDAY_8AM) == [written["appointment_booked"].id]


def test_reminder_is_delivered_exactly_once(db_session, subscriber, book, gateway, wechat):
    citizen = subscriber()
    book(citizen)
    db_session.commit()
    reminder = rows(db_session, kind="appointment_reminder_day")[0]
    assert delivery.deliver(db_session, gateway, reminder.id, reminder.deliver_after - timedelta(minutes=1)).outcome \
        is Outcome.NOT_CLAIMED  # not due yet
    assert delivery.deliver(db_session, gateway, reminder.id, reminder.deliver_after).outcome is Outcome.SENT
    assert delivery.deliver(db_session, gateway, reminder.id, reminder.deliver_after).outcome is Outcome.NOT_CLAIMED
    [pushed] = wechat.inbox(openid=citizen.openid, template_id=REMINDER_TEMPLATE)
    assert pushed["data"]["thing3"] == rows(db_session, id=reminder.id)[0].fields["thing3"]
    assert pushed["data"]["time2"] == "2026年11月24日 09:00"
    assert pushed["page"].startswith("pages/appointments/detail?id=")
    assert rows(db_session, id=reminder.id)[0].status == "sent"


def test_no_reminder_after_cancel_even_if_the_cancel_races_the_send(db_session, subscriber, book, gateway, wechat):
    citizen = subscriber()
    appointment = book(citizen)
    db_session.commit()
    booking.cancel_appointment(db_session, citizen_id=citizen.id, appointment_id=appointment.id, now=MONDAY_8AM)
    db_session.commit()
    reminders = [n for n in rows(db_session, citizen_id=citizen.id) if n.kind.startswith("appointment_reminder")]
    assert {n.status for n in reminders} == {"cancelled"}
    for reminder in reminders:
        assert delivery.deliver(db_session, gateway, reminder.id, reminder.deliver_after).outcome is Outcome.NOT_CLAIMED
    # A reminder claimed while the cancel commits is checked again at send time.
    other = book(subscriber())
    db_session.commit()
    racing = rows(db_session, subject_id=other.id, kind="appointment_reminder_hour")[0]
    db_session.get(Appointment, other.id).status = "cancelled"
    db_session.commit()
    assert delivery.deliver(db_session, gateway, racing.id, racing.deliver_after).outcome is Outcome.CANCELLED
    assert wechat.inbox(template_id=REMINDER_TEMPLATE) == []


def test_rescheduled_appointment_reminds_at_the_new_time_only(db_session, subscriber, book, hall, gateway, wechat):
    citizen = subscriber()
    appointment = book(citizen)
    db_session.commit()
    later = hall.slot(db_session, hall.general, "2026-11-25 14:00")
    new = booking.reschedule_appointment(db_session, citizen_id=citizen.id, appointment_id=appointment.id,
                                         slot_id=later.id, now=MONDAY_8AM)
    db_session.commit()
    old_reminders = [n for n in rows(db_session, subject_id=appointment.id) if n.kind.startswith("appointment_reminder")]
    assert {n.status for n in old_reminders} == {"cancelled"}
    new_hour = rows(db_session, subject_id=new.id, kind="appointment_reminder_hour")[0]
    assert new_hour.deliver_after == datetime(2026, 11, 25, 13, 0, tzinfo=SHANGHAI)
    assert [n.kind for n in rows(db_session, subject_id=new.id)] == [
        "appointment_rescheduled", "appointment_reminder_day", "appointment_reminder_hour"]
    assert delivery.deliver(db_session, gateway, new_hour.id, new_hour.deliver_after).outcome is Outcome.SENT
    [pushed] = wechat.inbox(template_id=REMINDER_TEMPLATE)
    assert pushed["data"]["time2"] == "2026年11月25日 14:00"


def test_a_lost_enqueue_is_recovered_by_the_due_sweep(db_session, subscriber, book, settings):
    citizen = subscriber()
    redis_store.configure("redis://127.0.0.1:1/0")  # Redis unreachable at commit time: the booking never needs it
    try:
        book(citizen)
        db_session.commit()
    finally:
        redis_store.configure(settings.redis_url)
    confirmation = rows(db_session, kind="appointment_booked")[0]
    assert confirmation.status == "pending"
    # The dispatcher claims it, then Redis is away when it enqueues: the claim stands for 5 minutes, then the due
    # sweep takes it again.
    assert delivery.due_for_enqueue(db_session, MONDAY_8AM) == [confirmation.id]
    assert delivery.due_for_enqueue(db_session, MONDAY_8AM + timedelta(minutes=1)) == []  # its job may still be queued
    assert delivery.due_for_enqueue(db_session, MONDAY_8AM + timedelta(minutes=6)) == [confirmation.id]
    assert delivery.due_for_enqueue(db_session, MONDAY_8AM + timedelta(minutes=7)) == []  # claimed for 5 minutes


def test_two_workers_racing_send_once(app, committed_db, settings, wechat, redis_client):
    session = db.session
    citizen = citizen_with_identity(session, app.extensions["banshi.cipher"], 4321)
    wechat.state.session_keys[citizen.openid] = "k"
    wechat.control("POST", "consents", openid=citizen.openid, template_id=STATUS_TEMPLATE, kind="one_time", count=5)
    record_consents(session, citizen.id, {STATUS_TEMPLATE: "accept"}, MONDAY_8AM)
    note = notify(session, citizen_id=citizen.id, kind="appointment_booked", title="预约成功", body="测试",
                  page=None, now=MONDAY_8AM, context={"items": "测试事项", "starts_at": "2026年11月24日 09:00",
                                                      "centre": "测试中心", "status": "预约成功", "tip": ""})
    session.commit()
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    outcomes: list[Outcome] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        gateway = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client)
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            outcomes.append(delivery.deliver(own, gateway, note.id, MONDAY_8AM).outcome)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    engine.dispose()
    assert sorted(outcomes) == sorted([Outcome.SENT] + [Outcome.NOT_CLAIMED] * 5)
    assert len(wechat.inbox(openid=citizen.openid)) == 1
    with committed_db.new_session() as check:
        balance = check.scalar(select(SubscriptionConsent.one_time_balance))
        assert balance == 0  # one accept recorded, one used


def test_stuck_send_becomes_unknown_and_is_never_resent(db_session, subscriber, book):
    citizen = subscriber()
    book(citizen)
    db_session.commit()
    confirmation = rows(db_session, kind="appointment_booked")[0]
    delivery._claim(db_session, [confirmation.id], MONDAY_8AM)  # a worker claims it, then dies
    assert delivery.mark_stuck_unknown(db_session, MONDAY_8AM + timedelta(minutes=5)) == 0
    assert delivery.mark_stuck_unknown(db_session, MONDAY_8AM + timedelta(minutes=11)) == 1
    db_session.commit()
    assert rows(db_session, id=confirmation.id)[0].status == "unknown"
    assert confirmation.id not in delivery.due_for_enqueue(db_session, MONDAY_8AM + timedelta(hours=1))


def test_one_sweep_never_picks_its_own_rows_twice(db_session, subscriber, book):
    """The sweep loops until a round comes back short; with one `now` per sweep, a round
    cannot find the rows an earlier round just enqueued (even with no staleness margin)."""
    book(subscriber())
    db_session.commit()
    later = MONDAY_8AM + timedelta(days=2)
    first = delivery.due_for_enqueue(db_session, later, stale_after=timedelta(0))
    assert len(first) == 3
    assert delivery.due_for_enqueue(db_session, later, stale_after=timedelta(0)) == []


def test_a_send_that_times_out_after_reaching_wechat_is_unknown_and_never_resent(db_session, subscriber, book,
                                                                                settings, redis_client, wechat):
    """WeChat takes the message but answers after our read timeout: it may be delivered, so it must not go twice."""
    impatient = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client,
                              timeout=0.5)
    citizen = subscriber()
    book(citizen)
    db_session.commit()
    confirmation = rows(db_session, kind="appointment_booked")[0]
    wechat.fault("subscribe_send", latency_ms=1500, times=1)
    result = delivery.deliver(db_session, impatient, confirmation.id, MONDAY_8AM)
    assert result.outcome is Outcome.UNKNOWN
    assert rows(db_session, id=confirmation.id)[0].status == "unknown"
    assert delivery.deliver(db_session, impatient, confirmation.id, MONDAY_8AM).outcome is Outcome.NOT_CLAIMED
    assert confirmation.id not in delivery.due_for_enqueue(db_session, MONDAY_8AM + timedelta(hours=1))
    arrived = []
    for _ in range(100):   # the emulator finishes its slow answer: the message did arrive, once
        arrived = wechat.inbox(openid=citizen.openid, template_id=STATUS_TEMPLATE)
        if arrived:
            break
        threading.Event().wait(0.05)
    assert len(arrived) == 1


def test_a_5xx_after_wechat_took_the_message_is_unknown_and_never_resent(db_session, subscriber, book, gateway,
                                                                          wechat):
    """WeChat delivers the message, then its front end answers 500: as after a read timeout, it must not go twice."""
    citizen = subscriber()
    book(citizen)
    db_session.commit()
    confirmation = rows(db_session, kind="appointment_booked")[0]
    wechat.fault("subscribe_send", http_status=500, after_sending=True, times=1)
    assert delivery.deliver(db_session, gateway, confirmation.id, MONDAY_8AM).outcome is Outcome.UNKNOWN
    db_session.commit()
    assert rows(db_session, id=confirmation.id)[0].status == "unknown"
    assert "HTTP 500" in rows(db_session, id=confirmation.id)[0].status_reason
    assert delivery.deliver(db_session, gateway, confirmation.id, MONDAY_8AM).outcome is Outcome.NOT_CLAIMED
    later = MONDAY_8AM + timedelta(hours=1)
    assert confirmation.id not in delivery.due_for_enqueue(db_session, later, stale_after=timedelta(0))
    assert len(wechat.inbox(openid=citizen.openid, template_id=STATUS_TEMPLATE)) == 1


def test_a_refused_connection_is_retried_because_nothing_was_sent(db_session, subscriber, book, redis_client):
    dead = WeChatGateway("wx-none", "secret", "http://127.0.0.1:1", redis_client, timeout=0.5)
    redis_client.set("banshi:wechat:wx-none_access_token", '"token"', ex=600)   # a cached token: the send is tried
    citizen = subscriber()
    book(citizen)
    db_session.commit()
    confirmation = rows(db_session, kind="appointment_booked")[0]
    assert delivery.deliver(db_session, dead, confirmation.id, MONDAY_8AM).outcome is Outcome.RETRY
    assert rows(db_session, id=confirmation.id)[0].status == "pending"
