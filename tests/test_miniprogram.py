"""The reference mini-program: its Node tests run here (README's test command), and every page the
backend links to from a message exists in it."""

import json
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select, text

from config.settings import PROJECT_ROOT
from miniapp_api.applications import branches
from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, ApplicationStatus
from miniapp_api.appointments import queue
from miniapp_api.appointments import services as booking
from miniapp_api.appointments.messages import RELATIONS
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.assistance import services as assistance
from miniapp_api.certificates import services as certificates
from miniapp_api.certificates.models import Certificate
from miniapp_api.centres.models import Centre
from miniapp_api.demo.policies import seed_policies
from miniapp_api.feedback import services as feedback
from miniapp_api.feedback.models import FeedbackKind
from miniapp_api.guidance.models import GuideScenario
from miniapp_api.identity import services as identity
from miniapp_api.identity.messages import RELATIONS as FAMILY_RELATIONS
from miniapp_api.identity.models import Scope
from miniapp_api.inspections import services as inspections
from miniapp_api.licences import services as licences
from miniapp_api.licences.models import Licence
from miniapp_api.mydata import export as mydata_export
from miniapp_api.mydata import services as mydata
from miniapp_api.notifications import appointment_notices
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from miniapp_api.policies import matching
from miniapp_api.policies.models import PersonFact, PolicyItem, PolicyMatch
from miniapp_api.projects import services as projects
from miniapp_api.ratings import rectifications
from miniapp_api.surveys import services as surveys
from tests.factories import (
    MONDAY_8AM,
    ItemFactory,
    WindowFactory,
    build_hall,
    business_with_agent,
    citizen_with_identity,
    credit_code,
    id_number,
    make_staff,
)
from tests.files import samples
from tests.licences.test_licences import csv_text, food_licence
from tests.projects.world import PLAN

MINIPROGRAM = PROJECT_ROOT / "miniprogram"


def test_request_layer_and_page_logic_pass_nodes_test_runner():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Node.js is required in CI for the mini-program's tests")
        pytest.skip("no Node.js on this machine")
    result = subprocess.run([node, "--test", "test/"], cwd=MINIPROGRAM, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)", result.stdout, re.M).group(1))
    assert passed >= 77 and "# fail 0" in result.stdout


def test_every_page_a_message_links_to_exists_in_the_mini_program():
    pages = set(json.loads((MINIPROGRAM / "app.json").read_text())["pages"])
    linked = {module.PAGE.split("?")[0] for module in (applications, assistance, feedback, licences, appointment_notices, rectifications,
                                                       surveys, certificates)} | {appointment_notices.WAITLIST_PAGE.split("?")[0],
                                                                                  applications.BUNDLE_PAGE.split("?")[0],
                                                                                  applications.BRANCH_FILING_PAGE.split("?")[0]}
    assert linked - pages == set()
    for page in pages:
        for suffix in (".js", ".wxml", ".json"):
            assert (MINIPROGRAM / f"{page}{suffix}").exists(), f"{page}{suffix}"


def test_the_shared_lists_match_the_api():
    """Relations and feedback kinds the pages offer are the values the API accepts."""

    source = (MINIPROGRAM / "utils" / "format.js").read_text()
    relations = re.search(r" RELATIONS = \[([^\]]*)\]", source).group(1)
    assert re.findall(r'"([^"]+)"', relations) == list(RELATIONS)
    family = re.search(r"FAMILY_RELATIONS = \[([^\]]*)\]", source).group(1)
    assert re.findall(r'"([^"]+)"', family) == list(FAMILY_RELATIONS)
    scopes = re.search(r"SCOPES = \[(.*?)\];", source, re.S).group(1)
    assert re.findall(r'\["(\w+)", "', scopes) == [s.value for s in Scope]
    kinds = re.search(r"FEEDBACK_KINDS = \[(.*?)\];", source, re.S).group(1)
    assert re.findall(r'\["(\w+)", "', kinds) == [k.value for k in FeedbackKind]


@pytest.mark.integration
def test_the_pages_in_tencents_miniprogram_simulate_against_a_live_server(live_server, committed_db, wechat, app,
                                                                          tmp_path):
    """miniprogram-simulate loads the real pages (WXML, page code, utils) and drives them: their wx.request is
    real HTTP to this server, wx.login and the face check go to the WeChat emulator."""
    node = shutil.which("node")
    installed = (MINIPROGRAM / "node_modules" / "miniprogram-simulate").exists()
    if node is None or not installed:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Node.js and the mini-program's npm packages (scripts/node.sh) are required in CI")
        pytest.skip("no Node.js or no miniprogram/node_modules on this machine")
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM + timedelta(hours=1), tick=True):   # the hall is open: walk-ins too
        hall = build_hall(session, MONDAY_8AM, counters=1)
        ItemFactory(code="FOOD-RENEW", name="食品经营许可证（延续）")
        # A 代办点 under the hall wrote down a request for 李持 (his ID number seen on his card): he claims it.
        site = Centre(name="李庄村代办点", level="site", parent_id=hall.centre.id, region="测试区")
        session.add(site)
        session.flush()
        clerk = make_staff(session, [site], ("site_clerk",), name="村代办员")
        assistance.take_at_desk(session, cipher, clerk, assistance.DeskIn(
            site_id=site.id, contact_name="李持", contact_phone="13912345678", contact_id_number=id_number(9501),
            situation="想办残疾人证，不会用手机"), MONDAY_8AM)
        # A business item the general window serves: the branch-filing page's item picker lists it by name.
        hall.general.items.append(ItemFactory(name="分支机构变更登记（批量）", audience="business"))
        holder = citizen_with_identity(session, cipher, 9501, name="李持")
        holder_appointment = booking.book_appointment(
            session, citizen_id=holder.id, person=booking.person_for_self(holder, cipher),
            slot_id=hall.slot(session, hall.general, "2026-11-25 10:00").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :centre "
                             "AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date = '2026-11-25'"),
                        {"centre": hall.centre.id})
        licences.import_csv(session, cipher, csv_text(food_licence("JY13715000000077", "2027-01-20", contact=9502)),
                            issuing_centre_id=hall.centre.id, now=MONDAY_8AM)
        # 电子证照: the same person's operator certificate, issued by a completed 复审 case.
        review = ItemFactory(code="OPERATOR-REVIEW", name="特种设备作业人员证复审", materials=[
            {"name": "原证书", "form": "original", "count": 1, "key": True},
            {"name": "体检报告", "form": "copy", "count": 1, "key": False}])
        WindowFactory(centre_id=hall.centre.id, items=[review])
        clerk = make_staff(session, [hall.centre], ("window_staff",))
        case = applications.intake(session, cipher, clerk, item_code=review.code, centre_id=hall.centre.id,
                                   applicant=applications.Applicant("person", "王持证", id_number=id_number(9502)),
                                   now=MONDAY_8AM, accept=applications.Advance(ApplicationStatus.ACCEPTED))
        for step in (ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED, ApplicationStatus.COMPLETED):
            applications.advance(session, clerk, case, applications.Advance(step), MONDAY_8AM)
        events.dispatch(session, events.pending_events(session, utcnow()), utcnow())
        certificate_id = session.scalar(select(Certificate.id).where(Certificate.application_id == case.id))
        assert certificate_id is not None
        # 一件事: the holder's 跨省通办 bundle, one item done, the other waiting for 预审.
        bundle_items = [ItemFactory(name="卫生健康领域“一件事”跨省通办"), ItemFactory(name="残疾人证办理")]
        WindowFactory(centre_id=hall.centre.id, items=bundle_items)
        session.flush()
        session.expire(hall.centre, ["windows"])
        sync_slots(session, hall.centre.id, MONDAY_8AM)   # its window's slots: the bundle booked as one visit
        holder_applicant = applications.Applicant("person", "李持", id_number=id_number(9501))
        bundle = applications.open_bundle_case(session, bundle_code="KSCJ", title="残疾人证跨省通办一件事",
                                               centre_id=hall.centre.id, applicant=holder_applicant,
                                               citizen_id=holder.id, proxy_citizen_id=None,
                                               receiving_province="河南省", now=MONDAY_8AM)
        children = [applications.file_online(session, cipher, item=item, centre_id=hall.centre.id,
                                             applicant=holder_applicant, citizen_id=holder.id, proxy_citizen_id=None,
                                             delivery="pickup", now=MONDAY_8AM, public_note="一表申请已提交",
                                             bundle_case_id=bundle.id) for item in bundle_items]
        applications.advance(session, clerk, children[0], applications.Advance(ApplicationStatus.ACCEPTED),
                             MONDAY_8AM)
        # 政策快享: an 86-year-old with 聊城 户籍 and a 1-level disability certificate, the demo policies matched.
        elder = citizen_with_identity(session, cipher, 9503, name="孙秀英")
        session.add(PersonFact(id_hash=elder.verified_id_hash, birth_date=date(1940, 3, 1), hukou_region="371502",
                               disability_level=1, updated_at=MONDAY_8AM))
        seed_policies(session, MONDAY_8AM, centre=hall.centre)
        allowance = session.scalars(select(PolicyItem).where(PolicyItem.code == "GXJT-01")).one()
        policy_match = session.scalar(select(PolicyMatch.id).where(PolicyMatch.policy_item_id == allowance.id,
                                                                   PolicyMatch.citizen_id == elder.id))
        # 我的数据: a copy built for the holder (what the worker does), and the clerk's look at her bundle case.
        applications.staff_view(session, clerk, children[0].reference)
        holder_export = mydata.request_export(session, holder, utcnow())
        session.flush()
        assert mydata.claim(session, holder_export.id, utcnow())
        assert mydata_export.build(session, cipher, app.extensions["banshi.storage"], holder_export.id, utcnow())
        # 我的企业: a restaurant's representative, and an agent confirmed at a counter, in force for a year.
        restaurant, owner, bookkeeper = business_with_agent(session, cipher, 9504, now=MONDAY_8AM,
                                                            registered_on=date(2020, 1, 1))
        # 补正: 赵补正's case filed online, the window asking for a clearer photo of the old certificate.
        fixer = citizen_with_identity(session, cipher, 9511, name="赵补正")
        to_fix = applications.file_online(session, cipher, item=review, centre_id=hall.centre.id,
                                          applicant=applications.Applicant("person", "赵补正", id_number=id_number(9511)),
                                          citizen_id=fixer.id, proxy_citizen_id=None, delivery="pickup",
                                          now=MONDAY_8AM, public_note="网上申报已提交")
        applications.advance(session, clerk, to_fix, applications.Advance(
            ApplicationStatus.NEEDS_CORRECTION, corrections=[("原证书", "照片模糊，请重新拍摄")]), MONDAY_8AM)
        # What wx.chooseMedia picks on the phone: photos as a camera takes them.
        photos = []
        for n in range(2):
            photos.append(str(tmp_path / f"photo-{n}.jpg"))
            (tmp_path / f"photo-{n}.jpg").write_bytes(samples.photo_with_gps(colour=(60 * n, 90, 120)))
        # 分支机构批量变更 of the restaurant, filed by its representative: one branch at 补正, one refused.
        chain = branches.file_branches(
            session, cipher, owner, business_id=restaurant.id, item_code=hall.quick.code, centre_id=hall.centre.id,
            title="两家门店经营范围变更", material_ids=[], now=MONDAY_8AM,
            branches=[branches.Branch("周记餐饮东关分店", credit_code(9601)),
                      branches.Branch("周记餐饮西关分店", credit_code(9602))])
        first, second = session.scalars(select(Application).where(Application.batch_id == chain.id)
                                        .order_by(Application.id)).all()
        applications.advance(session, clerk, first, applications.Advance(
            ApplicationStatus.NEEDS_CORRECTION, corrections=[("营业执照", "复印件不清晰")]), MONDAY_8AM)
        for step in (ApplicationStatus.REJECTED, ApplicationStatus.COMPLETED):
            applications.advance(session, clerk, second, applications.Advance(step), MONDAY_8AM)
        # Another restaurant (its agent's link is not ended above): its 食品经营许可证 as an 电子证照, and a 批量办理
        # for two of its staff that its agent handles, one member's result mailed (followed on the case page).
        other, _, batch_agent = business_with_agent(session, cipher, 9520, now=MONDAY_8AM,
                                                        registered_on=date(2021, 1, 1))
        food = Licence(licence_type="食品经营许可证", number="JY13715000009504", holder_type="business",
                       holder_name=other.name, credit_code=other.credit_code, issuing_centre_id=hall.centre.id,
                       issued_on=date(2026, 1, 1), expires_on=date(2031, 1, 1))
        session.add(food)
        session.flush()
        session.add(Certificate(identifier=f"11203715712026{food.id:06d}", type_code="1120", type_name="食品经营许可证",
                                licence_id=food.id, holder_type="business", holder_name=other.name,
                                credit_code=other.credit_code, issuing_centre_id=hall.centre.id,
                                issued_on=date(2026, 1, 1), expires_on=date(2031, 1, 1), payload={}, signature="",
                                key_id="0" * 16, verify_token="simulate-business-certificate"))
        batch = applications.new_batch(session, clerk, item=review, centre_id=hall.centre.id, title="2026年员工证件复审",
                                       business_name=other.name, credit_code=other.credit_code,
                                       agent_id=batch_agent.id, now=MONDAY_8AM)
        members = [applications.add_batch_member(session, cipher, clerk, batch, applications.Applicant(
            "person", name, id_number=id_number(9510 + i)), MONDAY_8AM) for i, name in enumerate(("张大山", "李小河"))]
        for step in (ApplicationStatus.ACCEPTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED):
            applications.advance(session, clerk, members[0], applications.Advance(step), MONDAY_8AM)
        applications.advance(session, clerk, members[0], applications.Advance(
            ApplicationStatus.MAILED, carrier="中国邮政EMS", tracking_number="1190012345678"), MONDAY_8AM)
        matching.match_subjects(session, "business", [other.id], MONDAY_8AM)   # 小微企业房租补贴 (数据比对)
        # 重点项目 of the restaurant: 立项 done, 用地 late (due 11-20), a case filed for it.
        chief = make_staff(session, [hall.centre], ("centre_manager",), name="钱主任")
        kitchen = projects.create_project(session, chief, name="周记中央厨房项目", credit_code=restaurant.credit_code,
                                          centre_id=hall.centre.id, investment_wan=8000, location="开发区黄河路",
                                          lead_staff_id=chief.id)
        filed, late, *_ = [projects.add_milestone(session, clerk, kitchen.id, stage=stage, title=title,
                                                  target_on=target) for stage, title, target in PLAN]
        projects.mark_done(session, clerk, kitchen.id, filed.id, MONDAY_8AM)
        land_case = applications.intake(session, cipher, clerk, item_code=hall.quick.code, centre_id=hall.centre.id,
                                        applicant=applications.Applicant("business", restaurant.name,
                                                                         credit_code=restaurant.credit_code,
                                                                         phone="13800001234"), now=MONDAY_8AM)
        projects.link_case(session, clerk, kitchen.id, late.id, land_case.id)
        # 设施农用地备案 accepted with one material to follow (先办后补), its 远程踏勘 scheduled for Tuesday.
        farm_item = ItemFactory(name="设施农用地备案", materials=[
            {"name": "用地协议", "form": "original", "count": 1, "key": True},
            {"name": "村委会意见", "form": "original", "count": 1, "key": False}])
        WindowFactory(centre_id=hall.centre.id, items=[farm_item])
        farmer = citizen_with_identity(session, cipher, 9530, name="钱踏勘")
        farm_case = applications.intake(session, cipher, clerk, item_code=farm_item.code, centre_id=hall.centre.id,
                                        applicant=applications.Applicant("person", "钱踏勘", id_number=id_number(9530)),
                                        now=MONDAY_8AM, accept=applications.Advance(
                                            ApplicationStatus.ACCEPTED_PENDING_MATERIALS, missing_materials=["村委会意见"],
                                            promise_text="承诺10个工作日内补交村委会意见",
                                            materials_due_on=date(2026, 12, 7)))
        farm_case.citizen_id = farmer.id
        inspector = make_staff(session, [hall.centre], ("window_staff",), name="赵踏勘")
        inspector_slot = inspections.add_slot(session, inspector, centre_id=hall.centre.id,
                                              starts_at=MONDAY_8AM + timedelta(days=1, hours=2), minutes=30,
                                              now=MONDAY_8AM)
        inspections.schedule(session, clerk, farm_case, slot_id=inspector_slot.id,
                             video_link="https://video.liaocheng.gov.cn/room/9530", now=MONDAY_8AM)
        clip = tmp_path / "site.mp4"
        clip.write_bytes(samples.video(seconds=25))
        # 改约: a booking on Tuesday at 09:30 that its holder moves to another time the same day.
        mover = citizen_with_identity(session, cipher, 9531, name="孙改约")
        to_move = booking.book_appointment(
            session, citizen_id=mover.id, person=booking.person_for_self(mover, cipher),
            slot_id=hall.slot(session, hall.general, "2026-11-24 09:30").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        # 亲友代办: 周代办 may see 王持证's records (查看办件与证照, on a paper authorisation recorded at a counter) and
        # book for 孙秀英 (代为预约 only).
        delegate = citizen_with_identity(session, cipher, 9540, name="周代办")
        authorised = {}
        for name, number, scopes in (("王持证", 9502, ["view"]), ("孙秀英", 9503, ["book"])):
            invitation = identity.invite_relative(session, cipher, delegate, name=name, id_number=id_number(number),
                                                  relation="父母", scopes=scopes, valid_days=365, now=MONDAY_8AM)
            identity.record_paper_authorisation(session, clerk, code=invitation.code, paper_ref=f"SQ-2026-{number}",
                                                centre_id=hall.centre.id, now=MONDAY_8AM)
            authorised[name] = invitation.authorisation.id
        # 评价这次服务: 吴评价's visit this morning at 09:30, checked in, called and served at the general window.
        rater = citizen_with_identity(session, cipher, 9541, name="吴评价")
        visit = booking.book_appointment(
            session, citizen_id=rater.id, person=booking.person_for_self(rater, cipher),
            slot_id=hall.slot(session, hall.general, "2026-11-23 09:30").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        ticket = queue.check_in(session, citizen_id=rater.id, appointment_id=visit.id, now=utcnow())
        assert queue.call_next(session, window_id=hall.general.id, now=utcnow()).id == ticket.id
        queue.start_serving(session, window_id=hall.general.id, ticket_id=ticket.id, now=utcnow())
        queue.finish_serving(session, window_id=hall.general.id, ticket_id=ticket.id, now=utcnow())
        # 情景引导: two published scenarios to browse on the guide page.
        published = {"version": 1, "status": "published", "owner_centre_id": hall.centre.id, "department": "综合服务",
                     "created_by": "测试", "published_by": "测试", "published_at": MONDAY_8AM}
        session.add(GuideScenario(code="open-restaurant", title="我想开一家小饭馆", summary="营业执照、食品经营许可一次问清",
                                  audience="business", questions=[{"key": "first", "text": "是第一次开店吗？",
                                                                   "kind": "yesno"}],
                                  outcomes=[{"item": "FOOD-RENEW"}], **published))
        session.add(GuideScenario(code="retire", title="我要退休了", summary="养老保险待遇申领要办哪些事",
                                  audience="citizen", questions=[{"key": "first", "text": "是否在本市参保？",
                                                                  "kind": "yesno"}],
                                  outcomes=[{"item": hall.quick.code}], **published))
        session.commit()
        fixture = {"rater_openid": rater.openid, "served_appointment": visit.id, "delegate_openid": delegate.openid, "view_authorisation": authorised["王持证"],
                   "book_authorisation": authorised["孙秀英"], "farm_openid": farmer.openid, "farm_reference": farm_case.reference, "clip": str(clip),
                   "mover_openid": mover.openid, "mover_appointment": to_move.id,"review_item": review.code, "project_case": land_case.reference, "fixer_openid": fixer.openid, "correction_reference": to_fix.reference,
                   "photos": photos,"item": hall.quick.code, "representative_openid": owner.openid,
                   "agent_openid": bookkeeper.openid, "business_id": restaurant.id, "policy_openid": elder.openid, "policy_id": allowance.id,
                   "policy_match": policy_match, "centre_name": hall.centre.name, "centre_id": hall.centre.id, "day": "2026-11-24",
                   "full_day": "2026-11-25", "holder_openid": holder.openid, "holder_appointment": holder_appointment.id,
                   "id_number": id_number(9502), "other_id_number": id_number(9560), "licence_type": "食品经营许可证",
                   "certificate_id": certificate_id, "bundle_reference": bundle.reference,
                   "bundle_child": children[1].reference, "holder_export": holder_export.id,
                   "branch_filing": chain.reference, "branch_child": first.reference,
                   "batch_agent_openid": batch_agent.openid, "batch_business_id": other.id,
                   "batch_reference": batch.reference, "mailed_reference": members[0].reference}
        result = subprocess.run([node, "--test", "test/simulate/"], cwd=MINIPROGRAM, capture_output=True, text=True,
                                timeout=300, env=dict(os.environ, BANSHI_API=live_server, WECHAT_EMULATOR=wechat.url,
                                                      BANSHI_FIXTURE=json.dumps(fixture, ensure_ascii=False)))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# pass 28" in result.stdout and "# skipped 0" in result.stdout and "# fail 0" in result.stdout
