"""Everything that matters to the person, by SMS, over HTTP with real RQ workers and the Tencent Cloud SMS emulator.

Each SMS kind of a case (补正, 待领取, 已邮寄 with the tracking number, 办结, the 一次一评 invitation, 容缺 deadlines)
reaches a phone whose owner kept that kind switched on exactly once (the emulator's record), and never a phone whose
owner switched that kind off. Per-template parameter rules: every shipped template renders within what its
variables allow, and the emulator refuses a wrong count, an over-long value or a link with Tencent's codes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from rq import Queue
from sqlalchemy import select

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.citizens.services import set_phone
from miniapp_api.notifications import delivery, kinds
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import notify, set_sms_opt_outs
from miniapp_api.notifications.sms import load_sms_templates, sms_params
from miniapp_api.notifications.templates import template_for
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.ratings import services as ratings
from miniapp_api.sms import SmsError
from tests.factories import STAFF_PASSWORD, CentreFactory, ItemFactory, WindowFactory, citizen_with_identity, \
    id_number, make_staff
from tests.notifications.test_sms import channel
from tests.workers import run_worker

MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
TUESDAY_9AM = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)     # the 容缺 reminder, 1 working day before Wednesday
PROMISE = "本人承诺按期补交健康证明。"
TRACKING = "1187654321098"
# The state changes that lead each case to the event whose kind it tests (after intake and acceptance).
STEPS = {
    "application_materials_due": [],
    "application_correction": [{"to": "in_review"}, {"to": "needs_correction", "corrections_due_on": "2026-11-30",
                                "corrections": [{"name": "营业执照复印件", "note": "请加盖公章"}]}],
    "application_ready": [{"to": "in_review"}, {"to": "approved"},
                          {"to": "ready_for_pickup", "pickup_place": "市民中心一楼发证窗口"}],
    "application_mailed": [{"to": "in_review"}, {"to": "approved"},
                           {"to": "mailed", "carrier": "EMS", "tracking_number": TRACKING}],
    "application_completed": [{"to": "in_review"}, {"to": "approved"}, {"to": "completed"}],
    "rating_invitation": [{"to": "in_review"}, {"to": "approved"}, {"to": "completed"}],
}
CASE_SMS_KINDS = list(STEPS)


def test_the_case_kinds_and_policy_matches_are_declared_for_sms():
    assert set(CASE_SMS_KINDS) | {"policy_match"} <= set(kinds.sms_kinds())
    assert {"application_status", "appointment_booked"}.isdisjoint(kinds.sms_kinds())


def test_each_case_kind_reaches_exactly_the_phones_that_chose_it(app, committed_db, wechat, sms_emulator,
                                                                 redis_client, process_env, cipher):
    session = committed_db.session
    centre = CentreFactory()
    item = ItemFactory(code="FOOD-SMS", name="食品经营许可证（新办）")
    WindowFactory(centre_id=centre.id, items=[item])
    staff = make_staff(session, [centre])
    people: dict[tuple[str, bool], tuple[int, str, str]] = {}   # (kind, chose it) → (citizen id, phone, openid)
    for index, kind in enumerate(CASE_SMS_KINDS):
        for chose in (True, False):
            n = 7100 + index * 2 + (0 if chose else 1)
            citizen = citizen_with_identity(session, cipher, n, name="刘洋")
            phone = f"139{n:08d}"
            set_phone(cipher, citizen, phone, verified_at=MONDAY_10AM)
            people[kind, chose] = (citizen.id, phone, citizen.openid)
    session.commit()
    sms_emulator.follow_the_wall_clock()

    http = app.test_client()
    with time_machine.travel(MONDAY_10AM, tick=False):
        desk = {"Authorization": "Bearer " + http.post("/api/staff/v1/auth/login", json={
            "username": staff.username, "password": STAFF_PASSWORD}).get_json()["token"]}
        for (kind, chose), (citizen_id, phone, openid) in people.items():
            me = {"Authorization": "Bearer " + http.post("/api/v1/auth/login", json={
                "code": wechat.login_code(openid)}).get_json()["token"]}
            # 我的 → 短信提醒: one who chose the kind keeps only it on; one who did not switches only it off.
            off = [k for k in kinds.sms_kinds() if k != kind] if chose else [kind]
            saved = http.put("/api/v1/me/sms", headers=me, json={"opted_out": off})
            assert saved.status_code == 200, saved.get_json()
            accept = ({"to": "accepted_pending_materials", "missing_materials": ["从业人员健康证明"],
                       "promise_text": PROMISE, "materials_due_on": "2026-11-25"}
                      if kind == "application_materials_due" else {"to": "accepted"})
            n = int(openid.rsplit("-", 1)[1])
            created = http.post("/api/staff/v1/applications", headers=desk, json={
                "item_code": item.code, "centre_id": centre.id, "accept": accept,
                "applicant": {"type": "person", "name": "刘洋", "id_number": id_number(n), "phone": phone}})
            assert created.status_code == 201, created.get_json()
            reference = created.get_json()["reference"]
            linked = http.post("/api/v1/applications/lookup", headers=me,
                               json={"reference": reference, "phone_last4": phone[-4:]})
            assert linked.status_code == 200, linked.get_json()
            for step in STEPS[kind]:
                moved = http.post(f"/api/staff/v1/applications/{reference}/advance", headers=desk, json=step)
                assert moved.status_code == 200, moved.get_json()

    for _ in range(2):                                   # a second run (a retry, a second worker) sends nothing
        run_worker(process_env, at=MONDAY_10AM)
    for _ in range(2):                 # the 容缺 reminder's and the rating invitation's time come; the due sweep, twice
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.notifications.jobs.enqueue_due_notifications")
        run_worker(process_env, at=TUESDAY_9AM)

    templates = load_sms_templates()
    for kind in CASE_SMS_KINDS:
        template_id = templates[kind].template_id
        _, phone, _ = people[kind, True]
        texts = sms_emulator.inbox(phone=f"+86{phone}")
        assert [m["template_id"] for m in texts] == [template_id], (kind, texts)
        _, other, _ = people[kind, False]
        assert template_id not in [m["template_id"] for m in sms_emulator.inbox(phone=f"+86{other}")], kind
    # Nobody's phone got anything of a kind they switched off, and no number went over Tencent's limits.
    for (kind, chose), (citizen_id, phone, _) in people.items():
        for text in sms_emulator.inbox(phone=f"+86{phone}"):
            sent_kind = next(k for k, t in templates.items() if t.template_id == text["template_id"])
            assert sent_kind == kind if chose else sent_kind != kind
    session.expire_all()
    assert not session.scalars(select(Notification).where(Notification.status == "failed")).all()

    mailed = sms_emulator.inbox(phone=f"+86{people['application_mailed', True][1]}")[0]["content"]
    assert f"快递公司：EMS，运单号：{TRACKING}" in mailed and mailed.startswith("【办事通】您办理的食品经营许可证（新办）")
    correction = sms_emulator.inbox(phone=f"+86{people['application_correction', True][1]}")[0]["content"]
    assert "请于2026年11月30日前补正" in correction
    due = sms_emulator.inbox(phone=f"+86{people['application_materials_due', True][1]}")[0]["content"]
    assert "尚需补交：从业人员健康证明，请于2026年11月25日前补交" in due

    # 一次一评: the link is the approved fixed address and a random code; it leads to the case's rating page.
    rater_id, rater_phone, _ = people["rating_invitation", True]
    [invitation] = sms_emulator.inbox(phone=f"+86{rater_phone}")
    code = invitation["params"][2]
    assert f"https://bst.example.gov.cn/api/v1/r/{code} " in invitation["content"]
    assert code.isalnum() and len(code) == 10 and str(rater_id) not in code
    case = session.scalars(select(Application).where(Application.citizen_id == rater_id)).one()
    assert case.reference not in code and rater_phone[-4:] not in invitation["params"][2]
    opened = http.get(f"/api/v1/r/{code}")
    assert opened.status_code == 302
    target = urlsplit(opened.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("weixin", "dl", "/business/")
    query = parse_qs(target.query)
    assert query["path"] == ["pages/feedback/index"] and query["appid"] == [app.config["BANSHI_SETTINGS"].wechat_appid]
    assert parse_qs(query["query"][0]) == {"rate": ["application"], "id": [str(case.id)]}
    assert http.get("/api/v1/r/AAAAAAAAAA").status_code == 404
    assert http.get("/api/v1/r/not-a-code").status_code == 422


def test_a_new_policy_match_goes_by_sms_only_to_who_kept_it_on(app, db_session, sms_emulator, cipher):
    chosen, refused = (citizen_with_identity(db_session, cipher, n) for n in (7301, 7302))
    for citizen, phone in ((chosen, "13900007301"), (refused, "13900007302")):
        set_phone(cipher, citizen, phone, verified_at=MONDAY_10AM)
    set_sms_opt_outs(db_session, refused.id, ["policy_match"])
    rows = [notify(db_session, citizen_id=c.id, kind="policy_match", title="政策提醒", body="…", page=None,
                   context={"policy": "个体工商户首次贷款贴息补助政策（2026年度）", "benefit": "贷款贴息50%",
                            "tip": "点击查看并确认"}, now=MONDAY_10AM) for c in (chosen, refused)]
    db_session.commit()
    results = dict(delivery.deliver_batch(db_session, None, [r.id for r in rows], MONDAY_10AM,
                                          sms=channel(app, sms_emulator)))
    assert results[rows[0].id].outcome is delivery.Outcome.SENT
    assert results[rows[1].id].outcome is delivery.Outcome.SKIPPED
    [text] = sms_emulator.inbox()
    assert text["phone"] == "+8613900007301" and text["template_id"] == load_sms_templates()["policy_match"].template_id
    assert "个体工商户首次贷款贴息补助政策（202…" in text["content"]   # WeChat's 20-character cut


# --- per-template parameter rules -----------------------------------------------------------------------------

LONG = "一二三四五六七八九十" * 6


@pytest.mark.parametrize("kind", sorted(load_sms_templates()))
def test_every_template_sends_within_its_variables_even_from_overlong_values(app, sms_emulator, kind):
    """Every field as long as WeChat would ever keep it (and the SMS-only values longer): the parameters are cut
    to what the template's variables allow, so Tencent (the emulator) accepts each template."""
    template = load_sms_templates()[kind]
    fields = {key: LONG[:20] for key in template_for(kind).fields}
    fields.update({f"sms:{name}": "X" * 60 for name in template.params})
    params = sms_params(kind, fields)
    assert [len(p) <= most for p, most in zip(params, template.max_lengths, strict=True)] == [True] * len(params)
    serial = channel(app, sms_emulator).gateway.send("13900007400", template.template_id, params)
    assert serial and sms_emulator.inbox()[0]["template_id"] == template.template_id


def test_the_longest_tracking_number_staff_may_enter_goes_whole():
    longest = "SF" + "1234567890" * 3 + "12345678"          # AdvanceIn allows 40 letters, digits and dashes
    fields = {"sms:carrier": "中国邮政速递物流", "sms:tracking": longest}
    assert sms_params("application_mailed", fields)[3] == longest


@pytest.mark.parametrize("params, code", [
    (["食品经营许可证", "BS2026112300001"], "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"),
    (["食品经营许可证", "BS2026112300001", "EMS", "1" * 41], "InvalidParameterValue.TemplateParameterLengthLimit"),
    (["食品经营许可证", "BS2026112300001", "EMS", "https://x.cn/a"],
     "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"),
    (["食品经营许可证", "BS2026112300001", "www.sf.cn", TRACKING],
     "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"),
])
def test_the_emulator_refuses_parameters_tencent_would_refuse(app, sms_emulator, params, code):
    mailed = load_sms_templates()["application_mailed"].template_id
    with pytest.raises(SmsError) as refused:
        channel(app, sms_emulator).gateway.send("13900007401", mailed, params)
    assert refused.value.code == code and not refused.value.retryable
    assert sms_emulator.inbox() == []


def test_an_invitation_held_back_by_quiet_hours_is_not_sent_once_the_case_was_rated(app, db_session, sms_emulator,
                                                                                   cipher):
    """办结 at 22:30: the 一次一评 invitation, due an hour later, waits for 08:00; the person rates in the app at night;
    no SMS asks again."""
    late = datetime(2026, 11, 23, 22, 30, tzinfo=SHANGHAI)
    centre = CentreFactory()
    item = ItemFactory(code="FOOD-LATE")
    WindowFactory(centre_id=centre.id, items=[item])
    staff = make_staff(db_session, [centre])
    citizen = citizen_with_identity(db_session, cipher, 7501)
    set_phone(cipher, citizen, "13900007501", verified_at=late)
    case = applications.intake(db_session, cipher, staff, item_code=item.code, centre_id=centre.id,
                               applicant=applications.Applicant("person", "张三", id_number=id_number(7501)),
                               now=late, accept=applications.Advance(S.ACCEPTED))
    case.citizen_id = citizen.id
    for step in (S.IN_REVIEW, S.APPROVED, S.COMPLETED):
        applications.advance(db_session, staff, case, applications.Advance(step), late)
    db_session.commit()
    invitation = db_session.scalars(select(Notification).where(Notification.kind == "rating_invitation")).one()
    sms = channel(app, sms_emulator)
    assert delivery.deliver_batch(db_session, None, [invitation.id], late, sms=sms) == []     # not due yet
    [(_, deferred)] = delivery.deliver_batch(db_session, None, [invitation.id], late + timedelta(hours=1), sms=sms)
    assert deferred.outcome is delivery.Outcome.DEFERRED
    ratings.rate(db_session, citizen.id, ratings.RatingIn("application", case.id, 5), late)
    db_session.commit()
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    [(_, result)] = delivery.deliver_batch(db_session, None, [invitation.id], morning, sms=sms)
    assert result.outcome is delivery.Outcome.CANCELLED
    completed = db_session.scalars(select(Notification).where(Notification.kind == "application_completed")).one()
    [(_, told)] = delivery.deliver_batch(db_session, None, [completed.id], morning, sms=sms)
    assert told.outcome is delivery.Outcome.SENT
    assert [m["template_id"] for m in sms_emulator.inbox()] == [
        load_sms_templates()["application_completed"].template_id]
