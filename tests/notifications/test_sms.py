"""SMS for people WeChat cannot reach: Tencent Cloud's SDK against the emulator over HTTP, through the outbox."""

import hashlib
import json
import time
from datetime import datetime, timedelta

import pytest
import requests
from rq import Queue
from sqlalchemy import select, text

from miniapp_api.citizens.services import set_phone
from miniapp_api.licences import services as licences
from miniapp_api.notifications import delivery
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.sms import SMS_ONLY_NAMES, SmsChannel, load_sms_templates
from miniapp_api.notifications.templates import template_for
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.sms import SmsConfig, SmsGateway
from miniapp_api.sms.emulator import tc3_signature
from tests.factories import CentreFactory, ItemFactory, WindowFactory, citizen_with_identity, reloaded
from tests.licences.test_licences import csv_text, food_licence
from tests.workers import run_worker

NINE_AM = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)   # the licence's 90-day reminder is due
PHONE = "13912345678"


def licence_holder(session, cipher):
    """A licence holder with a phone WeChat vouched for, and no WeChat consent at all."""
    centre = CentreFactory()
    WindowFactory(centre_id=centre.id, items=[ItemFactory(code="FOOD-RENEW", name="食品经营许可证（延续）")])
    session.flush()
    citizen = citizen_with_identity(session, cipher, 1, name="刘洋")
    set_phone(cipher, citizen, PHONE, verified_at=NINE_AM - timedelta(days=30))
    licences.import_csv(session, cipher, csv_text(food_licence("JY13715000000009", "2027-02-20")),
                        issuing_centre_id=centre.id, now=NINE_AM - timedelta(days=2))
    session.commit()
    return citizen


@pytest.fixture
def holder(db_session, cipher):
    return licence_holder(db_session, cipher)


def reminder(session) -> Notification:
    return session.scalars(select(Notification).where(Notification.kind == "licence_expiry")).one()


def channel(app, sms_emulator, **config) -> SmsChannel:
    settings = app.config["BANSHI_SETTINGS"]
    gateway = SmsGateway(SmsConfig(settings.sms_secret_id, settings.sms_secret_key, settings.sms_sdk_app_id,
                                   settings.sms_sign_name, endpoint=settings.sms_endpoint, scheme="http",
                                   timeout_seconds=config.pop("timeout", 2.0)))
    return SmsChannel(gateway=gateway, cipher=app.extensions["banshi.cipher"], **config)


def test_every_sms_template_draws_on_fields_its_kind_has():
    for kind, template in load_sms_templates().items():
        names = set(template_for(kind).fields.values()) | set(SMS_ONLY_NAMES)
        assert set(template.params) <= names, kind
        assert template.text.count("{") == len(template.params) == len(template.max_lengths), kind


def test_an_expiring_licence_reaches_a_phone_without_consent_by_sms_exactly_once(
        app, committed_db, wechat, sms_emulator, redis_client, process_env, cipher):
    session = committed_db.session
    licence_holder(session, cipher)
    sms_emulator.follow_the_wall_clock()     # the worker signs its requests with the real time
    for _ in range(2):                    # the sweep and the sends, twice (a retry, a second scheduler)
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.licences.jobs.licence_expiry_reminders")
        run_worker(process_env, at=NINE_AM)
    inbox = sms_emulator.inbox(phone=f"+86{PHONE}")
    assert len(inbox) == 1
    assert inbox[0]["content"].startswith("【办事通】您的食品经营许可证（证号JY13715000000009）将于2027年02月20日到期")
    session.expire_all()
    row = reminder(session)
    assert (row.status, row.channel, row.sms_serial) == ("sent", "sms", inbox[0]["serial_no"])
    assert wechat.inbox() == []


def test_sms_goes_only_where_it_should(app, db_session, holder, sms_emulator, cipher):
    sms = channel(app, sms_emulator)
    licences.sweep_expiry_reminders(db_session, NINE_AM)
    db_session.commit()
    # Opted out of that kind in 我的: skipped, nothing sent.
    db_session.execute(text("INSERT INTO sms_opt_out (citizen_id, kind) VALUES (:c, 'licence_expiry')"),
                       {"c": holder.id})
    db_session.commit()
    [(_, result)] = delivery.deliver_batch(db_session, None, [reminder(db_session).id], NINE_AM, sms=sms)
    assert result.outcome is delivery.Outcome.SKIPPED
    assert reloaded(db_session, reminder(db_session)).status_reason == "no_consent"
    assert sms_emulator.inbox() == []


def test_a_typed_phone_is_not_texted_and_the_daily_cap_holds(app, db_session, holder, sms_emulator, cipher):
    set_phone(cipher, reloaded(db_session, holder), PHONE)          # typed: unverified
    licences.sweep_expiry_reminders(db_session, NINE_AM)
    db_session.commit()
    sms = channel(app, sms_emulator)
    [(_, typed)] = delivery.deliver_batch(db_session, None, [reminder(db_session).id], NINE_AM, sms=sms)
    assert typed.outcome is delivery.Outcome.SKIPPED and sms_emulator.inbox() == []

    set_phone(cipher, reloaded(db_session, holder), PHONE, verified_at=NINE_AM)
    db_session.execute(text("UPDATE notification SET status = 'pending', status_reason = NULL"))
    db_session.commit()
    capped = channel(app, sms_emulator, daily_cap=0)
    [(_, result)] = delivery.deliver_batch(db_session, None, [reminder(db_session).id], NINE_AM, sms=capped)
    assert result.outcome is delivery.Outcome.SKIPPED and sms_emulator.inbox() == []


@pytest.mark.parametrize("fault, outcome, status", [
    ({"latency_ms": 3000}, delivery.Outcome.UNKNOWN, "unknown"),          # sent, no answer: never resent
    ({"code": "InternalError.Timeout"}, delivery.Outcome.RETRY, "pending"),
    ({"code": "FailedOperation.PhoneNumberInBlacklist", "per_number": True}, delivery.Outcome.FAILED, "failed"),
    ({"http_status": 502}, delivery.Outcome.RETRY, "pending"),
])
def test_provider_faults_end_as_the_outbox_rules_say(app, db_session, holder, sms_emulator, fault, outcome, status):
    licences.sweep_expiry_reminders(db_session, NINE_AM)
    db_session.commit()
    sms_emulator.fault(times=1, **fault)
    sms = channel(app, sms_emulator, timeout=1.0)
    [(_, result)] = delivery.deliver_batch(db_session, None, [reminder(db_session).id], NINE_AM, sms=sms)
    assert result.outcome is outcome
    row = reloaded(db_session, reminder(db_session))
    assert row.status == status and row.channel in (None, "sms")
    if outcome is delivery.Outcome.RETRY:
        assert row.deliver_after > NINE_AM
        [(_, again)] = delivery.deliver_batch(db_session, None, [row.id], row.deliver_after, sms=sms)
        assert again.outcome is delivery.Outcome.SENT and len(sms_emulator.inbox()) == 1


def test_the_emulator_refuses_a_wrongly_signed_or_stale_request(app, sms_emulator):
    settings = app.config["BANSHI_SETTINGS"]
    body = json.dumps({"PhoneNumberSet": [f"+86{PHONE}"], "SmsSdkAppId": settings.sms_sdk_app_id,
                       "SignName": settings.sms_sign_name, "TemplateId": "2001",
                       "TemplateParamSet": ["食品经营许可证", "JY1", "2027年02月20日"]}).encode()

    def post(secret_key: str, *, payload: bytes = body, skew: int = 0) -> dict:
        timestamp = str(int(time.time()) + skew)
        date = datetime.utcfromtimestamp(int(timestamp)).strftime("%Y-%m-%d")
        headers = {"content-type": "application/json", "host": settings.sms_endpoint}
        signature = tc3_signature(secret_key, date=date, timestamp=timestamp, method="POST", uri="/", query="",
                                  headers=headers, signed=["content-type", "host"], payload=body)
        response = requests.post(f"http://{settings.sms_endpoint}/", data=payload, timeout=5, headers={
            "Content-Type": "application/json", "Host": settings.sms_endpoint, "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11", "X-TC-Timestamp": timestamp, "X-TC-Region": "ap-guangzhou",
            "Authorization": f"TC3-HMAC-SHA256 Credential={settings.sms_secret_id}/{date}/sms/tc3_request, "
                             f"SignedHeaders=content-type;host, Signature={signature}"})
        return response.json()["Response"]

    assert post(settings.sms_secret_key)["SendStatusSet"][0]["Code"] == "Ok"
    assert post("not-the-key")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    tampered = body.replace(PHONE.encode(), b"13900000000")
    assert post(settings.sms_secret_key, payload=tampered)["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert post(settings.sms_secret_key, skew=-600)["Error"]["Code"] == "AuthFailure.SignatureExpire"
    assert len(sms_emulator.inbox()) == 1
    assert hashlib.sha256(body).hexdigest() != hashlib.sha256(tampered).hexdigest()


def test_sms_preferences_in_my_page_over_http(client, db_session, verified_login):
    headers = verified_login()
    prefs = client.get("/api/v1/me/sms", headers=headers).get_json()
    assert prefs["available"] is True and prefs["phone_verified"] is False and prefs["daily_cap"] == 3
    assert [(k["kind"], k["enabled"]) for k in prefs["kinds"]] == [
        ("licence_expiry", True), ("application_materials_due", True), ("waitlist_offer", True),
        ("appointment_closed", True), ("application_correction", True), ("application_ready", True),
        ("application_mailed", True), ("application_completed", True), ("rating_invitation", True),
        ("policy_match", True)]
    changed = client.put("/api/v1/me/sms", headers=headers, json={"opted_out": ["waitlist_offer"]}).get_json()
    assert [k["enabled"] for k in changed["kinds"]] == [True, True, False] + [True] * 7
    refused = client.put("/api/v1/me/sms", headers=headers, json={"opted_out": ["appointment_booked"]})
    assert refused.status_code == 422
    assert "不是可以用短信提醒的消息类型" in str(refused.get_json()["error"]["fields"])
    assert [k["enabled"] for k in client.get("/api/v1/me/sms", headers=headers).get_json()["kinds"]] == [
        True, True, False] + [True] * 7
