"""网上申报 through the API: a restaurant's agent fills the prefilled form, uploads the materials, promises two
non-key ones (容缺), chooses 邮寄 and submits; staff 预审 asks for 补正 of one material; the agent answers from
the phone; staff accept (容缺), approve, mail and complete; the electronic certificate is issued. And every
bad input is refused by field, changing nothing."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from miniapp_api.applications.models import Application
from miniapp_api.businesses.models import Business
from miniapp_api.certificates.models import Certificate
from miniapp_api.filing.models import Filing
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI
from tests.factories import (
    CentreFactory,
    ItemFactory,
    WindowFactory,
    credit_code,
    id_number,
    make_staff,
    representative_login,
)
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
MATERIALS = [{"name": name, "key": key, "form": "copy", "count": 1} for name, key in (
    ("食品经营许可申请书", True), ("营业执照", True), ("法定代表人或负责人身份证", True), ("经营场所平面图和设备布局图", True),
    ("食品安全管理制度", False), ("从业人员健康证明", False))]
KEY = [m["name"] for m in MATERIALS if m["key"]]
VALUES = {"premises": "聊城市开发区黄河路18号", "main_form": "餐饮服务经营者", "scope": "热食类食品制售", "staff_count": 6}
MAIL = {"name": "王老板", "phone": "13912345678", "address": "山东省聊城市开发区黄河路18号"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db_session, frozen):
    centre = CentreFactory(region="开发区")
    item = ItemFactory(name="食品经营许可证（新办）", audience="business", materials=MATERIALS,
                       time_limit_working_days=10)
    plain = ItemFactory(name="城市道路挖掘许可")          # an item without an online form
    WindowFactory(centre_id=centre.id, items=[item, plain])
    business = Business(credit_code=credit_code(21), name="聊城市开发区老王家常菜馆", kind="individual",
                        industry_code="H6210", size_class="micro", address="聊城市开发区黄河路18号", region="371571",
                        registered_on=date(2025, 3, 1), representative_name="王老板", employees=6)
    db_session.add(business)
    clerk = make_staff(db_session, [centre], ("window_staff",))
    outsider = make_staff(db_session, [CentreFactory()], ("window_staff",))
    db_session.commit()
    return dict(centre=centre, item=item, plain=plain, business=business, clerk=clerk, outsider=outsider)


@pytest.fixture
def agent(client, db_session, verified_login, world):
    return representative_login(db_session, verified_login, world["business"], "王老板", 2101, "o-filing-agent")


def upload(client, headers, data: bytes, name: str = "a.jpg", content_type: str = "image/jpeg") -> int:
    answer = client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                         data={"purpose": "material", "file": (io.BytesIO(data), name, content_type)})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["file"]["id"]


def materials(client, headers) -> dict[str, list[int]]:
    ids = {}
    for n, name in enumerate(KEY):
        data = samples.pdf(pages=1 + n) if n % 2 else samples.photo_with_gps(colour=(n * 40, 90, 120))
        ids[name] = [upload(client, headers, data, *(("a.pdf", "application/pdf") if n % 2 else ()))]
    return ids


def start(client, headers, world) -> dict:
    started = client.post("/api/v1/filings", headers=headers, json={
        "item_code": world["item"].code, "centre_id": world["centre"].id, "business_id": world["business"].id})
    assert started.status_code == 201, started.get_json()
    return started.get_json()


def test_a_restaurant_files_online_answers_a_correction_and_receives_its_certificate(
        client, db_session, world, agent, staff_login):
    form = client.get(f"/api/v1/items/{world['item'].code}/online-form?business_id={world['business'].id}",
                      headers=agent).get_json()
    assert form["applicant"] == "business" and [c["id"] for c in form["centres"]] == [world["centre"].id]
    assert form["prefill"] == {"premises": "聊城市开发区黄河路18号", "staff_count": 6}
    assert [m["name"] for m in form["materials"] if m["key"]] == KEY

    draft = start(client, agent, world)
    assert draft["values"] == form["prefill"] and draft["status"] == "draft"
    body = {"values": VALUES, "materials": materials(client, agent), "deferred": ["食品安全管理制度", "从业人员健康证明"],
            "promise_text": "承诺于10个工作日内补交", "delivery": "mail", "mail": MAIL}
    saved = client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=body)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["mail"] == MAIL
    assert MAIL["address"] not in str(db_session.scalars(select(Filing.mail_enc)).one())   # stored encrypted
    submitted = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=agent)
    assert submitted.status_code == 201, submitted.get_json()
    reference = submitted.get_json()["reference"]
    assert submitted.get_json()["status"] == "submitted"
    again = client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=body)
    assert again.status_code == 409

    clerk = staff_login(world["clerk"])
    seen = client.get(f"/api/staff/v1/applications/{reference}/filing", headers=clerk).get_json()
    assert [v["label"] for v in seen["values"]] == ["经营场所地址", "主体业态", "经营项目", "从业人员人数"]
    assert seen["mail"] == MAIL and seen["deferred"] == ["食品安全管理制度", "从业人员健康证明"]
    licence_photo = next(m for m in seen["materials"] if m["name"] == "营业执照")["file_ids"][0]
    assert client.get(f"/api/staff/v1/files/{licence_photo}", headers=clerk).status_code == 200
    outsider = staff_login(world["outsider"])
    assert client.get(f"/api/staff/v1/applications/{reference}/filing", headers=outsider).status_code == 404
    assert client.get(f"/api/staff/v1/files/{licence_photo}", headers=outsider).status_code == 404

    # 预审: 补正 of one material, before acceptance (no legal clock yet).
    path = f"/api/staff/v1/applications/{reference}/advance"
    asked = client.post(path, headers=clerk, json={"to": "needs_correction", "corrections": [
        {"name": "营业执照", "note": "照片模糊，请重新拍摄"}]})
    assert asked.status_code == 200, asked.get_json()
    progress = client.get(f"/api/v1/applications/{reference}", headers=agent).get_json()
    owed = [m for m in progress["materials"] if m["name"] == "营业执照"]
    assert progress["status"] == "needs_correction" and owed[0]["note"] == "照片模糊，请重新拍摄"
    sharper = upload(client, agent, samples.photo_with_gps(size=(1200, 900), colour=(10, 200, 10)))
    answered = client.post(f"/api/v1/applications/{reference}/corrections", headers=agent,
                           json={"answers": [{"material_id": owed[0]["id"], "file_ids": [sharper], "note": "已重拍"}]})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["status"] == "submitted"                  # back to 预审 by itself
    assert client.get(f"/api/staff/v1/files/{sharper}", headers=clerk).status_code == 200

    # Accepted with the two promised materials (容缺), approved, mailed, received, completed.
    for step in ({"to": "accepted_pending_materials", "missing_materials": seen["deferred"],
                  "promise_text": "承诺于10个工作日内补交", "materials_due_on": "2026-12-04"},
                 {"to": "in_review"}, {"to": "approved"},
                 {"to": "mailed", "carrier": "中国邮政EMS", "tracking_number": "EMS1234567890"}):
        moved = client.post(path, headers=clerk, json=step)
        assert moved.status_code == 200, (step, moved.get_json())
    case = db_session.scalars(select(Application).where(Application.reference == reference)).one()
    for material in case.materials:
        if material.kind == "deferred":
            received = client.post(f"/api/staff/v1/applications/{reference}/materials/{material.id}/received",
                                   headers=clerk, json={})
            assert received.status_code == 200, received.get_json()
    assert client.post(path, headers=clerk, json={"to": "completed"}).status_code == 200
    events.dispatch(db_session, events.pending_events(db_session, NOW), NOW)
    db_session.commit()
    certificate = db_session.scalars(select(Certificate).where(Certificate.application_id == case.id)).one()
    assert certificate.credit_code == credit_code(21) and certificate.type_name == "食品经营许可证"
    mine = client.get("/api/v1/certificates", headers=agent).get_json()["certificates"]
    assert [c["identifier"] for c in mine] == [certificate.identifier]
    timeline = [e["kind"] for e in client.get(f"/api/v1/applications/{reference}", headers=agent).get_json()["timeline"]]
    assert timeline[:3] == ["submitted_online", "status", "material_reported"]


def test_a_submission_with_gaps_is_refused_by_field_and_changes_nothing(client, db_session, world, agent, login):
    draft = start(client, agent, world)
    files = materials(client, agent)
    first_key = KEY[0]
    partial = {"values": {"premises": "聊城市开发区黄河路18号", "staff_count": "六"},
               "materials": {k: v for k, v in files.items() if k != first_key}}
    refused = client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=partial)
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"] == {
        "values.staff_count": "从业人员人数请填写整数"}
    partial["values"]["staff_count"] = 6
    assert client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=partial).status_code == 200
    gaps = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=agent)
    assert gaps.status_code == 422
    assert gaps.get_json()["error"]["fields"] == {
        "values.main_form": "请填写主体业态", "values.scope": "请填写经营项目",
        f"materials.{first_key}": f"请上传{first_key}（必需材料，不能先办后补）",
        "materials.食品安全管理制度": "请上传食品安全管理制度，或选择“先办、材料后补”",
        "materials.从业人员健康证明": "请上传从业人员健康证明，或选择“先办、材料后补”"}
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0

    stranger = login()
    theirs = upload(client, stranger, samples.photo_with_gps(colour=(1, 1, 1)))
    for bad, field in (({"materials": {first_key: [theirs]}}, f"materials.{first_key}[0]"),
                       ({"deferred": [first_key], "promise_text": "承诺补交"}, f"deferred.{first_key}"),
                       ({"materials": {"户口本": files[KEY[1]]}}, "materials.户口本"),
                       ({"values": {"colour": "红"}}, "values.colour"),
                       ({"delivery": "mail"}, "mail"),
                       ({"delivery": "mail", "mail": {**MAIL, "phone": "12345678901"}}, "mail.phone")):
        answer = client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=bad)
        assert answer.status_code == 422, bad
        assert field in answer.get_json()["error"]["fields"], (bad, answer.get_json())
    deferred_without_promise = {**partial, "values": VALUES, "materials": files,
                                "deferred": ["食品安全管理制度", "从业人员健康证明"]}
    assert client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=deferred_without_promise).status_code == 200
    no_promise = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=agent)
    assert no_promise.status_code == 422 and "promise_text" in no_promise.get_json()["error"]["fields"]
    assert db_session.get(Filing, draft["id"]).status == "draft"


def test_who_may_file_and_whose_filing_is_whose(client, db_session, world, agent, login, verified_login):
    unverified = login()
    refused = client.post("/api/v1/filings", headers=unverified, json={
        "item_code": world["item"].code, "centre_id": world["centre"].id, "business_id": world["business"].id})
    assert refused.status_code in (403, 422) and refused.get_json()["error"]["message"]
    other = verified_login("李四", id_number(2102))
    not_theirs = client.post("/api/v1/filings", headers=other, json={
        "item_code": world["item"].code, "centre_id": world["centre"].id, "business_id": world["business"].id})
    assert not_theirs.status_code == 404
    no_business = client.post("/api/v1/filings", headers=agent, json={
        "item_code": world["item"].code, "centre_id": world["centre"].id})
    assert no_business.status_code == 422 and "business_id" in no_business.get_json()["error"]["fields"]
    not_online = client.get(f"/api/v1/items/{world['plain'].code}/online-form", headers=agent)
    # The item's guide says whether 网上申报 is offered: the clients show the button only where a form exists.
    assert client.get(f"/api/v1/items/{world['plain'].code}").get_json()["online_form"] is False
    assert client.get(f"/api/v1/items/{world['item'].code}").get_json()["online_form"] is True
    assert not_online.status_code == 404 and "暂不支持网上申报" in not_online.get_json()["error"]["message"]
    draft = start(client, agent, world)
    for method, path in (("GET", f"/api/v1/filings/{draft['id']}"), ("PUT", f"/api/v1/filings/{draft['id']}"),
                         ("POST", f"/api/v1/filings/{draft['id']}/submit")):
        assert client.open(path, method=method, headers=other, json={} if method != "GET" else None
                           ).status_code == 404, (method, path)
    assert client.get("/api/v1/filings", headers=other).get_json()["filings"] == []


def test_the_console_shows_the_online_form_for_pre_review_and_asks_for_a_correction(
        client, db_session, world, agent, console):
    draft = start(client, agent, world)
    body = {"values": VALUES, "materials": materials(client, agent), "deferred": ["食品安全管理制度", "从业人员健康证明"],
            "promise_text": "承诺于10个工作日内补交", "delivery": "mail", "mail": MAIL}
    assert client.put(f"/api/v1/filings/{draft['id']}", headers=agent, json=body).status_code == 200
    reference = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=agent).get_json()["reference"]
    clerk = console(world["clerk"])
    page = clerk.get(f"/console/applications/{reference}").get_data(as_text=True)
    assert "网上申报（预审）" in page and "热食类食品制售" in page and MAIL["address"] in page
    assert "容缺后补" in page and page.count('href="/files/') == len(KEY)
    link = page.split('href="/files/', 1)[1].split('"', 1)[0]
    assert clerk.get(f"/files/{link}").status_code == 200
    asked = clerk.post(f"/console/applications/{reference}/advance",
                       {"to": "needs_correction", "corrections": "营业执照：照片模糊，请重新拍摄\n食品经营许可申请书：缺少签字"})
    assert asked.status_code == 303
    progress = client.get(f"/api/v1/applications/{reference}", headers=agent).get_json()
    assert progress["status"] == "needs_correction"
    assert sorted((m["name"], m["note"]) for m in progress["materials"]) == [
        ("营业执照", "照片模糊，请重新拍摄"), ("食品经营许可申请书", "缺少签字")]
    # One of two answered: still waiting; both: back to 预审, and the console shows the new files.
    first, second = progress["materials"]
    new_ids = [upload(client, agent, samples.photo_with_gps(colour=(n, n, 200))) for n in (3, 4)]
    one = client.post(f"/api/v1/applications/{reference}/corrections", headers=agent,
                      json={"answers": [{"material_id": first["id"], "file_ids": [new_ids[0]]}]})
    assert one.get_json()["status"] == "needs_correction"
    both = client.post(f"/api/v1/applications/{reference}/corrections", headers=agent,
                       json={"answers": [{"material_id": second["id"], "file_ids": [new_ids[1]]}]})
    assert both.get_json()["status"] == "submitted"
    again = clerk.get(f"/console/applications/{reference}").get_data(as_text=True)
    assert again.count("申请人已在线补正") == 2
