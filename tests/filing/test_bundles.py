"""一件事 bundles through the API: one shared form (一表申请) mapped onto each item, one deduplicated material set
(一套材料), one parent case with a child case per item (each its own department, state and time limit), one
timeline, the last child completing the parent — once, also when two children complete at the same moment —
and rating and survey for the whole bundle, never per item."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
import yaml
from sqlalchemy import select

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, BundleCase
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.certificates.models import Certificate
from miniapp_api.citizens.models import Citizen
from miniapp_api.filing.bundles import bundle_definitions
from miniapp_api.filing.forms import definition_for
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.models import DomainEvent
from miniapp_api.ratings.models import Rating, Rectification
from miniapp_api.staff.models import Staff
from miniapp_api.surveys.models import SurveyInvitation
from tests.concurrency import connections, run_together  # noqa: F401
from tests.factories import CentreFactory, ItemFactory, WindowFactory, credit_code, id_number, make_staff
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
CATALOGUE = yaml.safe_load((Path(__file__).resolve().parents[2] / "miniapp_api/demo/catalogue.yaml")
                           .read_text(encoding="utf-8"))["items"]
HEALTH, CARD = "卫生健康领域“一件事”跨省通办", "残疾人证办理"
VALUES = {"receiving_province": "河南省", "hukou_address": "河南省濮阳市华龙区人民路8号", "disability_kind": "肢体残疾",
          "hospital": "聊城市人民医院"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def catalogue_item(name: str, **extra):
    detail = CATALOGUE[name]
    return ItemFactory(name=name, audience="citizen", materials=detail["materials"],
                       time_limit_working_days=detail["time_limit_working_days"],
                       duration_minutes=detail["duration_minutes"], **extra)


@pytest.fixture
def world(db_session, frozen):
    return bundle_world(db_session)


def bundle_world(db_session) -> dict:
    """A district centre handling both items of the 跨省通办 bundle, a community centre handling one, a clerk."""
    centre = CentreFactory(region="开发区", name="聊城经济技术开发区政务服务中心")
    community = CentreFactory(region="开发区", name="运河社区服务中心")
    health, card = catalogue_item(HEALTH), catalogue_item(CARD)
    WindowFactory(centre_id=centre.id, items=[health, card])
    WindowFactory(centre_id=community.id, items=[card])          # one of the two only: not offered there
    clerk = make_staff(db_session, [centre], ("window_staff",))
    db_session.commit()
    return dict(centre=centre, community=community, health=health, card=card, clerk=clerk)


def upload(client, headers, data: bytes) -> int:
    answer = client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                         data={"purpose": "material", "file": (io.BytesIO(data), "a.jpg", "image/jpeg")})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["file"]["id"]


def submit_bundle(client, headers, world) -> str:
    started = client.post("/api/v1/filings", headers=headers, json={"bundle_code": "KSCJ",
                                                                   "centre_id": world["centre"].id})
    assert started.status_code == 201, started.get_json()
    filing = started.get_json()
    assert filing["bundle_code"] == "KSCJ" and filing["item_code"] is None
    body = {"values": VALUES, "materials": {"申请人身份证": [upload(client, headers, samples.photo_with_gps())],
                                            "近期免冠照片": [upload(client, headers, samples.photo_with_gps(
                                                colour=(9, 9, 9)))]}}
    saved = client.put(f"/api/v1/filings/{filing['id']}", headers=headers, json=body)
    assert saved.status_code == 200, saved.get_json()
    submitted = client.post(f"/api/v1/filings/{filing['id']}/submit", headers=headers)
    assert submitted.status_code == 201, submitted.get_json()
    assert submitted.get_json()["kind"] == "bundle"
    return submitted.get_json()["reference"]


def advance(client, clerk, reference: str, *steps: str) -> None:
    for step in steps:
        moved = client.post(f"/api/staff/v1/applications/{reference}/advance", headers=clerk, json={"to": step})
        assert moved.status_code == 200, (reference, step, moved.get_json())


def test_a_cross_province_bundle_runs_as_two_cases_under_one_and_is_rated_once(
        client, db_session, world, verified_login, staff_login, login):
    citizen = verified_login("赵红", id_number(3301), openid="o-bundle-zhao")
    listed = {b["code"]: b for b in client.get("/api/v1/bundles").get_json()["bundles"]}
    assert list(listed) == ["KSCJ"]              # the restaurant bundle's items are not in this catalogue
    assert [(i["name"], i["department"]) for i in listed["KSCJ"]["items"]] == [
        (HEALTH, "卫生健康委员会（残疾评定）"), (CARD, "残疾人联合会")]

    form = client.get("/api/v1/bundles/KSCJ/online-form", headers=citizen).get_json()
    assert [c["id"] for c in form["centres"]] == [world["centre"].id]        # the community handles one item only
    assert [(m["name"], m["key"], m["items"]) for m in form["materials"]] == [
        ("申请人身份证", True, [HEALTH, CARD]), ("近期免冠照片", False, [CARD])]   # one ID copy for both
    assert {n["name"] for n in form["not_needed"]} == {"事项申请表", "申请表"}
    elsewhere = client.post("/api/v1/filings", headers=citizen, json={"bundle_code": "KSCJ",
                                                                     "centre_id": world["community"].id})
    assert elsewhere.status_code == 422 and elsewhere.get_json()["error"]["message"] == "本中心不办理该事项"

    reference = submit_bundle(client, citizen, world)
    bundle = db_session.scalars(select(BundleCase).where(BundleCase.reference == reference)).one()
    assert bundle.receiving_province == "河南省" and bundle.title == "残疾人证跨省通办一件事"
    health_case, card_case = bundle.children
    assert (health_case.item_id, card_case.item_id) == (world["health"].id, world["card"].id)
    assert {c.citizen_id for c in bundle.children} == {bundle.citizen_id}

    seen = client.get(f"/api/v1/bundle-cases/{reference}", headers=citizen).get_json()
    assert seen["phase"] == "submitted" and seen["phase_name"] == "等待预审"
    assert [(c["item_name"], c["department"], c["status"]) for c in seen["children"]] == [
        (HEALTH, "卫生健康委员会（残疾评定）", "submitted"), (CARD, "残疾人联合会", "submitted")]
    assert [line["item_name"] for line in seen["timeline"]] == [HEALTH, CARD] and not seen["can_rate"]

    # Each department reads its item's part of the one form and only the materials its item needs.
    clerk = staff_login(world["clerk"])
    for case, keys, names in ((health_case, {"receiving_province", "hukou_address", "disability_kind", "hospital"},
                               ["申请人身份证"]),
                              (card_case, {"receiving_province", "hukou_address", "disability_kind"},
                               ["申请人身份证", "近期免冠照片"])):
        part = client.get(f"/api/staff/v1/applications/{case.reference}/filing", headers=clerk).get_json()
        assert part["bundle_reference"] == reference
        assert {v["key"] for v in part["values"]} == keys
        assert [m["name"] for m in part["materials"]] == names
        photo = part["materials"][-1]["file_ids"][0]
        assert client.get(f"/api/staff/v1/files/{photo}", headers=clerk).status_code == 200

    # 补正 on one item: the bundle shows it; answered online, that item goes back to 预审 by itself.
    asked = client.post(f"/api/staff/v1/applications/{card_case.reference}/advance", headers=clerk, json={
        "to": "needs_correction", "corrections": [{"name": "近期免冠照片", "note": "请用白色背景"}]})
    assert asked.status_code == 200, asked.get_json()
    assert client.get(f"/api/v1/bundle-cases/{reference}", headers=citizen).get_json()["phase"] == "needs_correction"
    owed = next(m for m in client.get(f"/api/v1/applications/{card_case.reference}", headers=citizen)
                .get_json()["materials"] if m["kind"] == "correction")
    answered = client.post(f"/api/v1/applications/{card_case.reference}/corrections", headers=citizen, json={
        "answers": [{"material_id": owed["id"], "file_ids": [upload(client, citizen, samples.photo_with_gps(
            colour=(250, 250, 250)))]}]})
    assert answered.status_code == 200 and answered.get_json()["status"] == "submitted"

    # Each item runs its own legal time limit; the first done leaves the bundle open.
    advance(client, clerk, health_case.reference, "accepted", "in_review", "approved", "completed")
    db_session.expire_all()
    assert db_session.get(BundleCase, bundle.id).completed_at is None
    health_due = db_session.get(Application, health_case.id).due_on
    child_rating = client.post("/api/v1/ratings", headers=citizen, json={"target": "application",
                                                                         "id": health_case.id, "level": 5})
    assert child_rating.status_code == 409 and child_rating.get_json()["error"]["code"] == "rate_the_bundle"
    early = client.post("/api/v1/ratings", headers=citizen, json={"target": "bundle", "id": bundle.id, "level": 5})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_yet_ratable"

    advance(client, clerk, card_case.reference, "accepted", "in_review", "approved", "completed")
    db_session.expire_all()
    assert db_session.get(Application, card_case.id).due_on != health_due    # 5 vs 20 working days
    assert db_session.get(BundleCase, bundle.id).completed_at is not None
    done = db_session.scalars(select(DomainEvent).where(DomainEvent.kind == events.BUNDLE_COMPLETED)).all()
    assert [(e.subject_type, e.subject_id) for e in done] == [("bundle", bundle.id)]
    events.dispatch(db_session, events.pending_events(db_session, NOW), NOW)
    db_session.commit()

    # One survey, about the bundle; the certificate the card item issues; one rating, for the bundle.
    invited = db_session.scalars(select(SurveyInvitation)).all()
    assert [(i.subject_type, i.subject_id) for i in invited] == [("bundle", bundle.id)]
    certificate = db_session.scalars(select(Certificate).where(Certificate.application_id == card_case.id)).one()
    assert certificate.type_name == "中华人民共和国残疾人证"
    seen = client.get(f"/api/v1/bundle-cases/{reference}", headers=citizen).get_json()
    assert seen["phase"] == "completed" and seen["can_rate"]
    stranger = login()
    assert client.get(f"/api/v1/bundle-cases/{reference}", headers=stranger).status_code == 404
    assert client.post("/api/v1/ratings", headers=stranger, json={"target": "bundle", "id": bundle.id,
                                                                   "level": 1}).status_code == 404
    rated = client.post("/api/v1/ratings", headers=citizen, json={"target": "bundle", "id": bundle.id, "level": 2,
                                                                   "comment": "两个部门让我讲了两遍情况"})
    assert rated.status_code == 201, rated.get_json()
    rating = db_session.scalars(select(Rating).where(Rating.target_type == "bundle")).one()
    assert rating.centre_id == world["centre"].id and rating.item_id is None
    rectification = db_session.scalars(select(Rectification)).one()
    assert rectification.summary.startswith("残疾人证跨省通办一件事：不满意")
    again = client.post("/api/v1/ratings", headers=citizen, json={"target": "bundle", "id": bundle.id, "level": 5})
    assert again.status_code == 409
    assert not client.get(f"/api/v1/bundle-cases/{reference}", headers=citizen).get_json()["can_rate"]
    listed = client.get("/api/v1/bundle-cases", headers=citizen).get_json()["bundle_cases"]
    assert [(b["reference"], b["phase"], b["items"]) for b in listed] == [(reference, "completed", [HEALTH, CARD])]


def test_two_items_completed_at_the_same_moment_complete_the_bundle_once(app, committed_db, connections,  # noqa: F811
                                                                          cipher):
    session = committed_db.session
    centre = CentreFactory(region="开发区")
    items = [catalogue_item(HEALTH), catalogue_item(CARD)]
    WindowFactory(centre_id=centre.id, items=items)
    clerk = make_staff(session, [centre], ("window_staff",))
    applicant = applications.Applicant("person", "钱明", id_number=id_number(3302), phone="13912345678")
    bundles, pairs = [], []
    for _ in range(5):                    # five bundles, each pair of children completed by two threads at once
        bundle = applications.open_bundle_case(session, bundle_code="KSCJ", title="残疾人证跨省通办一件事",
                                               centre_id=centre.id, applicant=applicant, citizen_id=None,
                                               proxy_citizen_id=None, receiving_province="河南省", now=NOW)
        children = [applications.file_online(session, cipher, item=item, centre_id=centre.id, applicant=applicant,
                                             citizen_id=None, proxy_citizen_id=None, delivery="pickup", now=NOW,
                                             public_note="一表申请", bundle_case_id=bundle.id) for item in items]
        for child in children:
            for step in (applications.S.ACCEPTED, applications.S.IN_REVIEW, applications.S.APPROVED):
                applications.advance(session, clerk, child, applications.Advance(step), NOW)
        bundles.append(bundle.id)
        pairs.append([c.id for c in children])
    session.commit()
    clerk_id = clerk.id

    for ids in pairs:
        def complete(index: int, ids=ids) -> None:
            with connections() as own:
                application = own.scalars(select(Application).where(Application.id == ids[index])
                                          .with_for_update()).one()
                applications.advance(own, own.get(Staff, clerk_id), application,
                                     applications.Advance(applications.S.COMPLETED), NOW)
                own.commit()

        run_together(2, complete)
    session.expire_all()
    assert all(session.get(BundleCase, b).completed_at is not None for b in bundles)
    published = session.scalars(select(DomainEvent.subject_id).where(DomainEvent.kind == events.BUNDLE_COMPLETED))
    assert sorted(published) == sorted(bundles)          # each bundle completed exactly once


def test_every_bundle_form_fills_every_required_field_of_its_items_own_forms():
    """A shared form that forgot a field an item's own online form requires would send staff an incomplete case."""
    for bundle in bundle_definitions().values():
        for item_name in bundle.item_names:
            own = definition_for(item_name)
            if own is None:
                continue
            required = {f.key: f.label for f in bundle.form().fields if f.required}
            filled = bundle.values_for(item_name, required)
            missing = [f.key for f in own.fields if f.required and f.key not in filled]
            assert not missing, (bundle.code, item_name, missing)


def test_opening_a_restaurant_is_one_form_for_a_business_with_each_department_reading_its_part(
        client, db_session, frozen, verified_login, staff_login, login):
    centre = CentreFactory(region="开发区")
    licence, food = (ItemFactory(name=name, audience="business", materials=CATALOGUE[name]["materials"],
                                 time_limit_working_days=CATALOGUE[name]["time_limit_working_days"])
                     for name in ("营业执照（设立登记）", "食品经营许可证（新办）"))
    WindowFactory(centre_id=centre.id, items=[licence, food])
    business = Business(credit_code=credit_code(41), name="聊城市开发区小周面馆", kind="individual",
                        industry_code="H6210", size_class="micro", address="聊城市开发区长江路6号", region="371571",
                        registered_on=date(2026, 11, 20), representative_name="周老板", employees=3)
    db_session.add(business)
    clerk = make_staff(db_session, [centre], ("window_staff",))
    db_session.commit()
    agent = verified_login("周老板", id_number(3304), openid="o-bundle-noodles")
    agent_id = db_session.scalars(select(Citizen.id).where(Citizen.openid == "o-bundle-noodles")).one()
    db_session.add(BusinessLink(business_id=business.id, citizen_id=agent_id, role="representative",
                                source="registry"))
    db_session.commit()

    form = client.get(f"/api/v1/bundles/KBCY/online-form?business_id={business.id}", headers=agent).get_json()
    assert form["prefill"] == {"premises": "聊城市开发区长江路6号", "staff_count": 3}
    assert [(m["name"], m["key"]) for m in form["materials"]] == [
        ("公司章程", True), ("股东主体资格证明", True), ("法定代表人身份证", True), ("住所使用证明", False),
        ("经营场所平面图和设备布局图", True), ("食品安全管理制度", False), ("从业人员健康证明", False)]
    assert next(m for m in form["materials"] if m["name"] == "法定代表人身份证")["items"] == [licence.name, food.name]
    assert {n["name"] for n in form["not_needed"]} == {"设立登记申请书", "食品经营许可申请书", "营业执照"}
    refused = client.post("/api/v1/filings", headers=agent, json={"bundle_code": "KBCY", "centre_id": centre.id})
    assert refused.status_code == 422 and "business_id" in refused.get_json()["error"]["fields"]
    stranger = verified_login("吴某", id_number(3305))
    theirs = client.post("/api/v1/filings", headers=stranger, json={"bundle_code": "KBCY", "centre_id": centre.id,
                                                                   "business_id": business.id})
    assert theirs.status_code == 404
    both = client.post("/api/v1/filings", headers=agent, json={"bundle_code": "KBCY", "item_code": food.code,
                                                               "centre_id": centre.id})
    assert both.status_code == 422

    draft = client.post("/api/v1/filings", headers=agent, json={"bundle_code": "KBCY", "centre_id": centre.id,
                                                                "business_id": business.id}).get_json()
    photos = {name: [upload(client, agent, samples.photo_with_gps(colour=(n * 30, 60, 90)))]
              for n, (name, key) in enumerate((m["name"], m["key"]) for m in form["materials"]) if key}
    body = {"values": {"premises": "聊城市开发区长江路6号", "registered_capital": 10, "main_form": "餐饮服务经营者",
                       "scope": "热食类食品制售", "staff_count": 3},
            "materials": photos, "deferred": ["住所使用证明", "食品安全管理制度", "从业人员健康证明"],
            "promise_text": "承诺开业前补交"}
    assert client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=body).status_code == 200
    submitted = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=agent)
    assert submitted.status_code == 201, submitted.get_json()
    bundle = db_session.scalars(select(BundleCase).where(
        BundleCase.reference == submitted.get_json()["reference"])).one()
    assert (bundle.applicant_type, bundle.proxy_citizen_id, bundle.receiving_province) == ("business", agent_id, None)
    assert all(c.credit_code == business.credit_code and c.proxy_citizen_id == agent_id for c in bundle.children)
    children = [(c.item.name, c.reference, c.events[0].internal_note) for c in bundle.children]

    desk = staff_login(clerk)
    parts = {name: client.get(f"/api/staff/v1/applications/{ref}/filing", headers=desk).get_json()
             for name, ref, _ in children}
    assert {v["label"]: v["value"] for v in parts[licence.name]["values"]} == {
        "经营场所地址": "聊城市开发区长江路6号", "注册资本（万元）": 10, "经营项目": "热食类食品制售"}
    assert [v["label"] for v in parts[food.name]["values"]] == ["经营场所地址", "主体业态", "经营项目", "从业人员人数"]
    assert parts[licence.name]["deferred"] == ["住所使用证明"]
    assert parts[food.name]["deferred"] == ["食品安全管理制度", "从业人员健康证明"]
    internal = {name: note for name, _, note in children}
    assert "住所使用证明" in internal[licence.name] and "住所使用证明" not in internal[food.name]
    listed = client.get("/api/v1/bundle-cases", headers=agent).get_json()["bundle_cases"]
    assert [b["title"] for b in listed] == ["开办餐饮店一件事"]
    assert client.get("/api/v1/bundle-cases", headers=login()).get_json()["bundle_cases"] == []
