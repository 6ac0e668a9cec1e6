"""Consents and the message centre over HTTP."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.privacy import id_check_digit
from tests.factories import build_hall
from tests.notifications.conftest import MONDAY_8AM, REMINDER_TEMPLATE, STATUS_TEMPLATE
from tests.test_app import assert_envelope


def test_consents_are_recorded_and_counted(client, login):
    headers = login()
    before = {s["template_id"]: s for s in client.get("/api/v1/subscriptions", headers=headers).get_json()["subscriptions"]}
    assert before[STATUS_TEMPLATE]["status"] == "not_asked" and before[STATUS_TEMPLATE]["subscription"] == "one_time"
    for _ in range(2):
        client.post("/api/v1/subscriptions", headers=headers, json={"results": {STATUS_TEMPLATE: "accept"}})
    after = client.post("/api/v1/subscriptions", headers=headers,
                        json={"results": {REMINDER_TEMPLATE: "accept"}}).get_json()["subscriptions"]
    by_id = {s["template_id"]: s for s in after}
    assert by_id[STATUS_TEMPLATE]["remaining_one_time"] == 2
    assert by_id[REMINDER_TEMPLATE] == {"template_id": REMINDER_TEMPLATE, "group": "appointment_reminder", "purpose": "预约提醒",
                                        "subscription": "long_term", "status": "accept", "remaining_one_time": 0}
    revoked = client.post("/api/v1/subscriptions", headers=headers, json={"results": {STATUS_TEMPLATE: "reject"}})
    assert {s["template_id"]: s for s in revoked.get_json()["subscriptions"]}[STATUS_TEMPLATE]["remaining_one_time"] == 0


def test_bad_consent_input_is_refused(client, login):
    headers = login()
    assert_envelope(client.post("/api/v1/subscriptions", headers=headers, json={"results": {"nope": "accept"}}),
                    422, "unknown_template")
    error = assert_envelope(client.post("/api/v1/subscriptions", headers=headers,
                                        json={"results": {STATUS_TEMPLATE: "maybe"}}), 422, "validation_failed")
    assert any(key.startswith("results.") for key in error["fields"])
    assert_envelope(client.post("/api/v1/subscriptions", headers=headers, json={"results": {}}), 422,
                    "validation_failed")


def test_message_centre_shows_every_message_and_counts_unread(client, login, verified_login, db_session, wechat):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        number = "37150219900101123"
        headers = verified_login("刘洋", number + id_check_digit(number), openid="o-messages")
        stranger = login("o-stranger")
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        client.post("/api/v1/appointments", headers=headers, json={"slot_id": slot.id, "item_codes": [hall.quick.code]})
        inbox = client.get("/api/v1/messages", headers=headers).get_json()
        # The confirmation is visible at once (no consent: in-app only); reminders only at their time.
        assert inbox["unread_count"] == 1
        [confirmation] = inbox["messages"]
        assert confirmation["title"] == "预约成功" and confirmation["read"] is False
        assert_envelope(client.post(f"/api/v1/messages/{confirmation['id']}/read", headers=stranger), 404,
                        "message_not_found")
        theirs = client.get("/api/v1/messages", headers=stranger).get_json()
        assert (theirs["unread_count"], theirs["messages"]) == (0, [])
        marked = client.post(f"/api/v1/messages/{confirmation['id']}/read", headers=headers).get_json()
        assert marked == {"marked": 1, "unread_count": 0}
    with time_machine.travel(MONDAY_8AM.replace(hour=18, minute=1), tick=True):
        later = client.get("/api/v1/messages", headers=headers).get_json()
        assert later["unread_count"] == 1 and later["messages"][0]["title"] == "明天有预约"
        assert client.post("/api/v1/messages/read-all", headers=headers).get_json() == {"marked": 1, "unread_count": 0}


def test_read_all_marks_only_what_was_there_when_the_page_read_the_list(client, login, db_session):
    """A message delivered after the page read the list stays unread; bad bodies are refused and change nothing."""
    headers, other_headers = login("o-read-all"), login("o-read-other")
    me, other = (db_session.scalars(select(Citizen).where(Citizen.openid == o)).one()
                 for o in ("o-read-all", "o-read-other"))

    def message(citizen, at):
        row = Notification(citizen_id=citizen.id, kind="appointment_status", title="预约成功", body="b", fields={},
                           status="sent", deliver_after=at)
        db_session.add(row)
        db_session.flush()
        return row.id
    shown = [message(me, MONDAY_8AM), message(me, MONDAY_8AM + timedelta(minutes=5))]
    arrives_later, theirs = message(me, MONDAY_8AM + timedelta(minutes=30)), message(other, MONDAY_8AM)
    db_session.commit()
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=10), tick=False):
        listed = client.get("/api/v1/messages", headers=headers).get_json()
    assert [m["id"] for m in listed["messages"]] == shown[::-1] and listed["as_of"].startswith("2026-11-23T08:10")
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=40), tick=False):
        for bad in ([], {"as_of": "昨天"}, {"as_of": "2026-11-23T08:10:00"}, {"ids": [1]}):   # naive time, unknown key
            assert_envelope(client.post("/api/v1/messages/read-all", headers=headers, json=bad), 422,
                            "validation_failed")
        marked = client.post("/api/v1/messages/read-all", headers=headers, json={"as_of": listed["as_of"]})
        assert marked.get_json() == {"marked": 2, "unread_count": 1}
        inbox = {m["id"]: m["read"] for m in client.get("/api/v1/messages", headers=headers).get_json()["messages"]}
        assert inbox == {shown[0]: True, shown[1]: True, arrives_later: False}
        other_inbox = client.get("/api/v1/messages", headers=other_headers).get_json()
        assert [(m["id"], m["read"]) for m in other_inbox["messages"]] == [(theirs, False)]


def test_metrics_count_notifications_by_status(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_CACHE_SECONDS", 0)   # every scrape reads afresh here
    citizen = Citizen(openid="o-metrics")
    db_session.add(citizen)
    db_session.flush()
    for status in ("sent", "sent", "failed", "unknown"):
        db_session.add(Notification(citizen_id=citizen.id, kind="appointment_reminder_day", title="t", body="b",
                                    fields={}, status=status, deliver_after=MONDAY_8AM))
    db_session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'banshi_notifications{kind="appointment_reminder_day",status="sent"} 2.0' in text
    assert 'banshi_notifications{kind="appointment_reminder_day",status="unknown"} 1.0' in text
    assert 'banshi_queue_jobs{queue="notify"}' in text


def test_metrics_need_the_token_when_one_is_set_and_are_cached(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-token-0123456789")
    monkeypatch.setitem(app.config, "METRICS_CACHE_SECONDS", 3600)
    monkeypatch.setitem(app.extensions, "banshi.metrics_cache", {})
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    scrape = {"Authorization": "Bearer scrape-token-0123456789"}
    first = client.get("/metrics", headers=scrape)
    assert first.status_code == 200 and "banshi_redis_up 1.0" in first.get_data(as_text=True)
    citizen = Citizen(openid="o-metrics-cache")
    db_session.add(citizen)
    db_session.flush()
    db_session.add(Notification(citizen_id=citizen.id, kind="survey_invitation", title="t", body="b", fields={},
                                status="sent", deliver_after=MONDAY_8AM))
    db_session.commit()
    # The GROUP BY ran once: a scrape inside the cache time reads the same figures.
    assert client.get("/metrics", headers=scrape).get_data() == first.get_data()
    # Production without a token: closed.
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    monkeypatch.setitem(app.config, "METRICS_OPEN_WITHOUT_TOKEN", False)
    assert client.get("/metrics").status_code == 404
