"""Quiet hours, the daily cap, consents and WeChat's refusals, with real sends to the emulator."""

from collections import Counter
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from miniapp_api.notifications import delivery
from miniapp_api.notifications.delivery import DAILY_PUSH_CAP, Outcome
from miniapp_api.notifications.models import Notification, SubscriptionConsent
from miniapp_api.notifications.services import notify, record_consents
from miniapp_api.platform.clock import SHANGHAI
from tests.notifications.conftest import MONDAY_8AM, REMINDER_TEMPLATE

CONTEXT = {"items": "营业执照（设立登记）", "starts_at": "2026年11月24日 09:00", "centre": "聊城市政务服务中心",
           "status": "预约成功", "tip": "请带齐材料提前到场签到"}


def message(session, citizen, kind="appointment_reminder_day", now=MONDAY_8AM, **context) -> Notification:
    note = notify(session, citizen_id=citizen.id, kind=kind, context={**CONTEXT, **context}, title="提醒",
                  body="正文", page="pages/index/index", now=now)
    session.commit()
    return note


def reload(session, note) -> Notification:
    session.expire_all()
    return session.get(Notification, note.id)


def test_quiet_hours_hold_reminders_but_not_confirmations(db_session, subscriber, gateway, wechat):
    citizen = subscriber(status_accepts=1)
    late_evening = datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI)
    reminder = message(db_session, citizen, now=late_evening)
    assert delivery.deliver(db_session, gateway, reminder.id, late_evening).outcome is Outcome.DEFERRED
    held = reload(db_session, reminder)
    assert held.status == "pending" and held.deliver_after == datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    assert held.deferrals == 1 and held.attempts == 0
    confirmation = message(db_session, citizen, kind="appointment_booked", now=late_evening)
    assert delivery.deliver(db_session, gateway, confirmation.id, late_evening).outcome is Outcome.SENT
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    assert reminder.id in delivery.due_for_enqueue(db_session, morning)
    assert delivery.deliver(db_session, gateway, reminder.id, morning).outcome is Outcome.SENT
    assert len(wechat.inbox(openid=citizen.openid)) == 2


def test_daily_cap_keeps_the_rest_in_app(db_session, subscriber, gateway, wechat):
    citizen = subscriber(status_accepts=0)
    with time_machine.travel(MONDAY_8AM + timedelta(hours=2)):
        now = MONDAY_8AM + timedelta(hours=2)
        outcomes = [delivery.deliver(db_session, gateway, message(db_session, citizen, now=now).id, now).outcome
                    for _ in range(DAILY_PUSH_CAP + 1)]
    assert outcomes == [Outcome.SENT] * DAILY_PUSH_CAP + [Outcome.SKIPPED]
    last = db_session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert last.status_reason == "daily_cap"
    assert len(wechat.inbox(openid=citizen.openid)) == DAILY_PUSH_CAP
    tomorrow = now + timedelta(days=1)
    assert delivery.deliver(db_session, gateway, message(db_session, citizen, now=tomorrow).id,
                            tomorrow).outcome is Outcome.SENT


def test_one_time_consent_is_one_message(db_session, subscriber, gateway, wechat):
    citizen = subscriber(status_accepts=1, reminders=False)
    first = message(db_session, citizen, kind="appointment_booked")
    second = message(db_session, citizen, kind="appointment_cancelled", status="已取消")
    assert delivery.deliver(db_session, gateway, first.id, MONDAY_8AM).outcome is Outcome.SENT
    assert delivery.deliver(db_session, gateway, second.id, MONDAY_8AM).outcome is Outcome.SKIPPED
    assert reload(db_session, second).status_reason == "no_consent"
    no_reminders = message(db_session, citizen)
    assert delivery.deliver(db_session, gateway, no_reminders.id, MONDAY_8AM).outcome is Outcome.SKIPPED
    assert len(wechat.inbox(openid=citizen.openid)) == 1


def test_wechat_refusing_the_user_drops_the_consent(db_session, subscriber, gateway, wechat):
    citizen = subscriber(status_accepts=0, reminders=False)
    # We believe the citizen accepted long-term reminders; WeChat says they switched them off.

    record_consents(db_session, citizen.id, {REMINDER_TEMPLATE: "accept"}, MONDAY_8AM)
    db_session.commit()
    note = message(db_session, citizen)
    assert delivery.deliver(db_session, gateway, note.id, MONDAY_8AM).outcome is Outcome.SKIPPED
    assert reload(db_session, note).status_reason.startswith("consent_refused (43101")
    consent = db_session.scalars(select(SubscriptionConsent).where(SubscriptionConsent.citizen_id == citizen.id)).one()
    assert (consent.long_term, consent.last_result) == (False, "refused_by_wechat")


def test_bad_data_fails_without_retry_and_keeps_the_consent(db_session, subscriber, gateway, wechat):
    citizen = subscriber(status_accepts=1, reminders=False)
    wechat.fault("subscribe_send", errcode=47003, times=1)
    note = message(db_session, citizen, kind="appointment_booked")
    assert delivery.deliver(db_session, gateway, note.id, MONDAY_8AM).outcome is Outcome.FAILED
    failed = reload(db_session, note)
    assert failed.status == "failed" and failed.status_reason.startswith("47003")
    assert delivery.due_for_enqueue(db_session, MONDAY_8AM + timedelta(hours=1)) == []
    consent = db_session.scalars(select(SubscriptionConsent).where(SubscriptionConsent.citizen_id == citizen.id)).one()
    assert consent.one_time_balance == 1  # WeChat refused it, so the accept is still unused


def test_values_are_cut_to_wechat_limits_before_sending(db_session, subscriber, gateway, wechat):
    citizen = subscriber(status_accepts=0)
    long_name = "卫生健康领域“一件事”跨省通办及其他需要很长名字的事项"
    note = message(db_session, citizen, items=long_name, tip="第一行\n第二行")
    assert delivery.deliver(db_session, gateway, note.id, MONDAY_8AM).outcome is Outcome.SENT
    [pushed] = wechat.inbox(openid=citizen.openid)
    assert len(pushed["data"]["thing1"]) == 20 and pushed["data"]["thing1"].endswith("…")
    assert "\n" not in pushed["data"]["thing4"]


def test_fault_storm_ends_sent_failed_or_unknown_with_reason_never_twice(db_session, subscriber, gateway, wechat):
    citizens = [subscriber(status_accepts=0) for _ in range(40)]
    notes = [message(db_session, citizen) for citizen in citizens]
    wechat.fault("subscribe_send", errcode=47003, rate=0.05)
    wechat.fault("subscribe_send", errcode=45009, rate=0.1)
    wechat.fault("subscribe_send", errcode=-1, rate=0.3)
    wechat.fault("subscribe_send", http_status=502, rate=0.05)
    now = MONDAY_8AM
    for _ in range(12):  # the due sweep and the workers, round after round
        for note_id in delivery.due_for_enqueue(db_session, now, stale_after=timedelta(0)):
            delivery.deliver(db_session, gateway, note_id, now)
        db_session.commit()
        now += timedelta(minutes=20)
    db_session.expire_all()
    final = [db_session.get(Notification, note.id) for note in notes]
    assert {n.status for n in final} <= {"sent", "failed", "unknown"}   # unknown: a 502 (maybe delivered)
    assert all(n.status_reason for n in final if n.status in ("failed", "unknown"))
    assert all("HTTP 502" in n.status_reason for n in final if n.status == "unknown")
    retried = [n for n in final if n.attempts > 1]
    assert retried, "the injected -1/45009 should have forced retries"
    per_user = Counter(m["touser"] for m in wechat.inbox())
    assert max(per_user.values()) == 1
    assert sum(per_user.values()) == sum(1 for n in final if n.status == "sent")
