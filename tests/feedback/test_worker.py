"""Real RQ worker: feedback filed while WeChat's content check was down is checked by the job afterwards."""

import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import text

from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback import services
from miniapp_api.feedback.models import Feedback, FeedbackKind
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.wechat import WeChatGateway
from tests.factories import CentreFactory
from tests.workers import run_worker

MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def file_checked(session, gateway, citizen, data, now):
    """As the filing view does: WeChat's check first, then the filing with its verdict."""
    return services.file_feedback(session, citizen, data, services.content_verdict(gateway, citizen.openid, data), now)


def test_the_late_content_check_runs_in_a_worker(app, committed_db, wechat, redis_client, process_env, settings):
    session = committed_db.session
    centre = CentreFactory()

    citizen = Citizen(openid="o-late-check")
    session.add(citizen)
    session.commit()
    wechat.state.session_keys[citizen.openid] = "k"
    gateway = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client,
                            settings.wechat_timeout_seconds)
    wechat.fault("msg_sec_check", errcode=-1)
    feedback = file_checked(session, gateway, citizen, services.FeedbackIn(
        kind=FeedbackKind.SUGGESTION, text="建议大厅增加老年人专用座椅", centre_id=centre.id), MONDAY_10AM)
    session.commit()
    assert feedback.content_check == "unchecked"
    wechat.control("DELETE", "faults")
    run_worker(process_env, at=MONDAY_10AM)
    session.expire_all()
    assert session.get(Feedback, feedback.id).content_check == "pass"


def test_unchecked_feedback_whose_job_was_lost_is_swept_then_handed_to_staff(db_session, wechat, redis_client,
                                                                             settings):
    """The check job is gone (Redis lost it, or its retries were spent): the sweep checks again while WeChat
    answers, and after a day hands what is still unchecked to staff for a manual check (then the SLA counts)."""
    centre = CentreFactory()
    gateway = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client,
                            settings.wechat_timeout_seconds)
    people = [Citizen(openid=f"o-unchecked-{n}") for n in range(3)]
    db_session.add_all(people)
    db_session.flush()
    for citizen in people:
        wechat.state.session_keys[citizen.openid] = "k"
    wechat.fault("msg_sec_check", errcode=-1)
    filed = [file_checked(db_session, gateway, citizen, services.FeedbackIn(
        kind=FeedbackKind.SUGGESTION, text=f"建议增加自助机 {n}", centre_id=centre.id), MONDAY_10AM)
        for n, citizen in enumerate(people)]
    redis_client.flushdb()                  # the check jobs are lost with Redis
    assert {f.content_check for f in filed} == {"unchecked"}
    # WeChat still down: the sweep stops at the first refusal and keeps them waiting.
    report = services.sweep_unchecked(db_session, gateway, MONDAY_10AM + timedelta(minutes=15))
    assert (report.checked, report.to_manual_review, report.still_waiting) == (0, 0, 3)
    # WeChat back for one of them, then a day passes for the rest.
    wechat.control("DELETE", "faults")
    wechat.fault("msg_sec_check", errcode=-1, times=1)
    filed[0].created_at = MONDAY_10AM + timedelta(hours=2)     # the newest one
    report = services.sweep_unchecked(db_session, gateway, MONDAY_10AM + timedelta(hours=25))
    assert report.to_manual_review == 2 and report.still_waiting == 1
    report = services.sweep_unchecked(db_session, gateway, MONDAY_10AM + timedelta(hours=25, minutes=15))
    assert report.checked == 1
    assert [f.content_check for f in filed] == ["pass", "review", "review"]
    note = [e for e in filed[1].events if e.kind == "manual_review"][0]
    assert not note.visible_to_citizen and "人工审核" in note.internal_note


def test_a_slow_content_check_does_not_hold_the_citizen(db_session, wechat, redis_client, settings):
    """WeChat answering in 3 s is past what filing waits for (FILING_CHECK_SECONDS): the feedback is taken at
    once, unchecked, and the late check decides (the gateway's own timeout, 5 s, would have waited)."""
    centre = CentreFactory()
    gateway = WeChatGateway(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base, redis_client,
                            settings.wechat_timeout_seconds)
    citizen = Citizen(openid="o-slow-check")
    db_session.add(citizen)
    db_session.flush()
    wechat.state.session_keys[citizen.openid] = "k"
    wechat.fault("msg_sec_check", latency_ms=3000, times=1)
    filed = file_checked(db_session, gateway, citizen, services.FeedbackIn(
        kind=FeedbackKind.SUGGESTION, text="建议增加轮椅", centre_id=centre.id), MONDAY_10AM)
    assert services.FILING_CHECK_SECONDS < 3 < settings.wechat_timeout_seconds
    assert filed.content_check == "unchecked"


def test_no_transaction_is_open_while_wechat_checks_the_text(app, committed_db, wechat, redis_client, settings):
    """Filing waits up to FILING_CHECK_SECONDS for WeChat's check: meanwhile the request holds no transaction
    (PostgreSQL shows none of its sessions idle in transaction), so a slow WeChat cannot pin connections."""
    centre = CentreFactory()
    committed_db.session.commit()
    client = app.test_client()
    openid = "o-check-outside"
    token = client.post("/api/v1/auth/login", json={"code": wechat.login_code(openid)}).get_json()["token"]
    wechat.fault("msg_sec_check", latency_ms=2000, times=1)
    answer: dict = {}
    filing = threading.Thread(target=lambda: answer.update(response=client.post(
        "/api/v1/feedback", json={"kind": "suggestion", "text": "建议增加老花镜", "centre_id": centre.id},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "outside-1"})))
    filing.start()
    seen = []
    # Sampled for 0.7 s from the moment the emulator has the call (it counts it before its delay). The filing
    # stops waiting at FILING_CHECK_SECONDS (1.5 s); after that its own transaction rightly begins.
    while wechat.state.calls["msg_sec_check"] == 0 and filing.is_alive():
        time.sleep(0.01)
    window_ends = time.monotonic() + 0.7
    with committed_db.engine.connect() as probe:
        while time.monotonic() < window_ends:
            seen.append(probe.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar())
            probe.rollback()
            time.sleep(0.05)
    filing.join()
    assert answer["response"].status_code == 201, answer["response"].get_json()
    assert len(seen) >= 5
    assert max(seen) == 0
