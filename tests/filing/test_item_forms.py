"""A form for every item, as data (filing/forms.yaml): every demo item has one definition that loads and
checks (an unknown field type, material or prefill source fails); each demo item is filed online over HTTP
through its own form; values prefill from the person and the business; a 告知承诺 signed in the app is carried
by the case (staff read it, the timeline shows it); staff of the case's centre revoke the approval after a
failed check (审管联动) with the reason in the timeline, audit-logged and told to the applicant — and staff of
another centre cannot."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
import yaml
from sqlalchemy import select

from miniapp_api.applications.models import Application
from miniapp_api.businesses.models import Business
from miniapp_api.centres.models import ServiceItem
from miniapp_api.certificates import services as certificates
from miniapp_api.certificates.models import Certificate
from miniapp_api.filing.forms import (
    CATALOGUE,
    DefinitionError,
    catalogue_materials,
    definitions,
    parse,
)
from miniapp_api.filing.services import material_names
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.models import AuditLog
from tests.console.conftest import ConsoleUser
from tests.factories import (
    CentreFactory,
    ItemFactory,
    WindowFactory,
    credit_code,
    make_staff,
    representative_login,
)
from tests.files import samples

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
CATALOGUE_ITEMS = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["items"]
DEMO_ITEMS = list(CATALOGUE_ITEMS)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- the definitions -------------------------------------------------------------------------------------


def test_every_demo_item_has_a_form_whose_materials_are_the_items_own():
    forms = definitions()
    assert len(DEMO_ITEMS) == 9 and set(DEMO_ITEMS) <= set(forms)
    for name in DEMO_ITEMS:
        form, own = forms[name], CATALOGUE_ITEMS[name]["materials"]
        assert form.fields, name
        assert [m.name for m in form.materials] == [m["name"] for m in own], name
        key = {m["name"]: m["key"] for m in own}
        # Only a material the guide calls non-key may be 容缺.
        assert all(not key[m.name] for m in form.materials if m.deferrable), name
        assert all(p.text and p.condition for p in form.promises), name


BASE = {"applicant": "person", "fields": [{"key": "a", "label": "甲", "type": "text", "prefill": "person.name"}],
        "materials": ["申请表"], "promises": [{"key": "p", "condition": "条件", "text": "本人承诺", "instead_of": "申请表"}]}


@pytest.mark.parametrize("broken, says", [
    ({"fields": [{"key": "a", "label": "甲", "type": "signature"}]}, "unknown type"),
    ({"fields": [{"key": "a", "label": "甲", "type": "text", "prefill": "person.shoe_size"}]}, "unknown prefill source"),
    ({"fields": [{"key": "a", "label": "甲", "type": "text", "prefill": "licence.number"}]}, "no licence_type"),
    ({"fields": [{"key": "a", "label": "甲", "type": "text", "colour": "red"}]}, "unknown attribute"),
    ({"materials": ["申请表", "结婚证"]}, "unknown material"),
    ({"promises": [{"key": "p", "condition": "条件", "text": "承诺", "instead_of": "结婚证"}]}, "unknown material"),
    ({"promises": [{"key": "p", "condition": "条件"}]}, "needs key, condition and text"),
    ({"applicant": "robot"}, "unknown applicant"),
])
def test_a_definition_naming_something_unknown_fails_to_load(broken, says):
    known = {"残疾人证办理": ["申请表", "身份证或户口簿"]}
    assert parse({"残疾人证办理": BASE}, known)["残疾人证办理"].promises[0].instead_of == "申请表"
    with pytest.raises(DefinitionError, match=says):
        parse({"残疾人证办理": {**BASE, **broken}}, known)


def test_the_form_file_loads_against_the_catalogue():
    assert parse(yaml.safe_load((CATALOGUE.parent.parent / "filing" / "forms.yaml").read_text(encoding="utf-8"))
                 ["forms"], catalogue_materials()) == definitions()


# --- filing every demo item over HTTP ----------------------------------------------------------------------


def sample_value(field: dict):
    return {"text": f"测试{field['label']}"[:field.get("max_length") or 20],
            "textarea": "测试内容", "number": field.get("min") or 1, "date": "2026-12-01",
            "choice": (field.get("choices") or [""])[0]}[field["type"]]


def upload(client, headers, n: int) -> int:
    answer = client.post("/api/v1/files", headers=headers, content_type="multipart/form-data", data={
        "purpose": "material", "file": (io.BytesIO(samples.photo_with_gps(colour=(n * 20 % 255, 90, 120))),
                                        "a.jpg", "image/jpeg")})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["file"]["id"]


@pytest.fixture
def hall(db_session, frozen):
    centre = CentreFactory(region="开发区")
    items = {name: ItemFactory(name=name, audience="business" if definitions()[name].applicant == "business"
                               else "citizen", materials=spec["materials"],
                               time_limit_working_days=spec["time_limit_working_days"])
             for name, spec in CATALOGUE_ITEMS.items()}
    WindowFactory(centre_id=centre.id, items=list(items.values()))
    business = Business(credit_code=credit_code(77), name="聊城市开发区周记连锁药房有限公司", kind="enterprise",
                        industry_code="F5251", size_class="small", address="聊城市开发区长江路9号", region="371571",
                        registered_on=date(2020, 3, 1), representative_name="周敏", employees=40)
    db_session.add(business)
    clerk = make_staff(db_session, [centre], ("window_staff",))
    outsider = make_staff(db_session, [CentreFactory()], ("window_staff",))
    db_session.commit()
    return dict(centre=centre, items=items, business=business, clerk=clerk, outsider=outsider)


@pytest.fixture
def applicant(client, db_session, verified_login, hall):
    return representative_login(db_session, verified_login, hall["business"], "周敏", 3701, "o-item-forms")


def open_form(client, headers, hall, name: str) -> tuple[dict, dict]:
    item = hall["items"][name]
    business = {"business_id": hall["business"].id} if definitions()[name].applicant == "business" else {}
    query = f"?business_id={hall['business'].id}" if business else ""
    form = client.get(f"/api/v1/items/{item.code}/online-form{query}", headers=headers)
    assert form.status_code == 200, form.get_json()
    started = client.post("/api/v1/filings", headers=headers,
                          json={"item_code": item.code, "centre_id": hall["centre"].id, **business})
    assert started.status_code == 201, started.get_json()
    return form.get_json(), started.get_json()


@pytest.mark.parametrize("name", DEMO_ITEMS)
def test_each_demo_item_is_filed_online_through_its_own_form(client, db_session, hall, applicant, staff_login,
                                                              name):
    item = hall["items"][name]
    assert client.get(f"/api/v1/items/{item.code}").get_json()["online_form"] is True
    form, draft = open_form(client, applicant, hall, name)
    assert [f["key"] for f in form["fields"]] == [f.key for f in definitions()[name].fields]
    # The definition's rules are the server's: an empty submission is refused field by field.
    refused = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=applicant)
    assert refused.status_code == 422
    required = {f"values.{f['key']}" for f in form["fields"] if f["required"] and f["key"] not in draft["values"]}
    assert required <= set(refused.get_json()["error"]["fields"])
    values = {f["key"]: draft["values"].get(f["key"], sample_value(f)) for f in form["fields"]}
    deferred = [m["name"] for m in form["materials"] if not m["key"]]
    uploads = {m["name"]: [upload(client, applicant, n)] for n, m in enumerate(form["materials"]) if m["key"]}
    saved = client.put(f"/api/v1/filings/{draft['id']}", headers=applicant, json={
        "values": values, "materials": uploads, "deferred": deferred,
        "promise_text": "承诺于10个工作日内补交" if deferred else None})
    assert saved.status_code == 200, saved.get_json()
    submitted = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=applicant)
    assert submitted.status_code == 201, submitted.get_json()
    reference = submitted.get_json()["reference"]
    seen = client.get(f"/api/staff/v1/applications/{reference}/filing", headers=staff_login(hall["clerk"])).get_json()
    assert seen["item_name"] == name
    assert {v["key"] for v in seen["values"]} == {k for k, v in values.items() if v not in (None, "")}
    assert [m["name"] for m in seen["materials"]] == [m["name"] for m in form["materials"]]


def test_a_form_prefills_from_the_person_and_from_the_business(client, hall, applicant):
    form, draft = open_form(client, applicant, hall, "不动产登记")
    assert form["prefill"] == {"owner_name": "周敏"} and draft["values"] == {"owner_name": "周敏"}
    form, draft = open_form(client, applicant, hall, "分支机构变更登记（批量）")
    assert form["prefill"] == {"enterprise_name": "聊城市开发区周记连锁药房有限公司"}
    assert draft["values"] == form["prefill"]


# --- 告知承诺 and 审管联动 ----------------------------------------------------------------------------------

LICENCE = "营业执照（设立登记）"
VALUES = {"enterprise_name": "聊城市开发区周记餐饮有限公司", "residence": "聊城市开发区长江路9号",
          "registered_capital": 50, "scope": "餐饮服务"}


def file_on_promise(client, hall, applicant) -> str:
    form, draft = open_form(client, applicant, hall, LICENCE)
    promise = form["promises"][0]
    assert (promise["key"], promise["instead_of"]) == ("residence_true", "住所使用证明")
    uploads = {m["name"]: [upload(client, applicant, n)] for n, m in enumerate(form["materials"]) if m["key"]}
    body = {"values": VALUES, "materials": uploads}
    # Without the promise, the 住所使用证明 is owed (uploaded or 容缺); an unknown promise is refused.
    unknown = client.put(f"/api/v1/filings/{draft['id']}", headers=applicant, json={**body, "promises": ["nope"]})
    assert unknown.status_code == 422 and "promises.nope" in unknown.get_json()["error"]["fields"]
    forged = client.put(f"/api/v1/filings/{draft['id']}", headers=applicant,
                        json={**body, "values": {**VALUES, "promise.residence_true": "2020-01-01"}})
    assert forged.status_code == 422
    assert client.put(f"/api/v1/filings/{draft['id']}", headers=applicant, json=body).status_code == 200
    owed = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=applicant)
    assert owed.status_code == 422 and "materials.住所使用证明" in owed.get_json()["error"]["fields"]
    # Signed in the app: the promise stands in for the 住所使用证明.
    signed = client.put(f"/api/v1/filings/{draft['id']}", headers=applicant,
                        json={**body, "promises": ["residence_true"]})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["promises"] == {"residence_true": "2026-11-23T10:00:00+08:00"}
    submitted = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=applicant)
    assert submitted.status_code == 201, submitted.get_json()
    return submitted.get_json()["reference"]


def approve(client, clerk, reference):
    for step in ({"to": "accepted"}, {"to": "in_review"}, {"to": "approved"}):
        moved = client.post(f"/api/staff/v1/applications/{reference}/advance", headers=clerk, json=step)
        assert moved.status_code == 200, moved.get_json()


def test_a_signed_promise_is_carried_by_the_case(client, hall, applicant, staff_login):
    reference = file_on_promise(client, hall, applicant)
    clerk = staff_login(hall["clerk"])
    seen = client.get(f"/api/staff/v1/applications/{reference}/filing", headers=clerk).get_json()
    assert [(p["condition"], p["signed_at"]) for p in seen["promises"]] == [
        ("住所（经营场所）真实、合法、可用", "2026-11-23T10:00:00+08:00")]
    progress = client.get(f"/api/v1/applications/{reference}", headers=applicant).get_json()
    notes = [e.get("note") or "" for e in progress["timeline"]]
    assert any("告知承诺" in n and "本企业依法享有使用权" in n for n in notes), progress["timeline"]


def test_staff_of_the_centre_revoke_an_approval_granted_on_a_promise_with_the_reason_in_the_timeline(
        app, client, db_session, hall, applicant, staff_login):
    reference = file_on_promise(client, hall, applicant)
    approve(client, staff_login(hall["clerk"]), reference)
    path = f"/console/applications/{reference}/revoke-approval"
    form = {"reason": "实地核查：长江路9号为住宅，不能用作经营场所", "confirm": "true"}

    outsider = ConsoleUser(app)
    assert outsider.log_in(hall["outsider"]).status_code == 303
    assert outsider.post(path, form).status_code == 404                    # another centre's staff

    clerk = ConsoleUser(app)
    assert clerk.log_in(hall["clerk"]).status_code == 303
    page = clerk.get(f"/console/applications/{reference}").get_data(as_text=True)
    assert "告知承诺核查" in page and "撤销审批" in page
    unconfirmed = clerk.post(path, {"reason": form["reason"]})
    assert unconfirmed.status_code == 422                                 # the confirmation is ticked first
    assert clerk.post(path, form).status_code == 303
    assert clerk.post(path, form).status_code == 409                      # once

    progress = client.get(f"/api/v1/applications/{reference}", headers=applicant).get_json()
    assert any("审批已撤销" in (e.get("note") or "") and form["reason"] in e["note"] for e in progress["timeline"])
    db_session.expire_all()
    audit = db_session.scalars(select(AuditLog).where(AuditLog.action == "application.revoke_approval")).one()
    assert (audit.actor, audit.subject_id, audit.detail) == (f"staff:{hall['clerk'].id}", reference,
                                                            {"reason": form["reason"]})
    told = db_session.scalars(select(Notification).where(Notification.title == "审批已撤销")).all()
    assert len(told) == 1 and form["reason"] in told[0].body
    page = clerk.get(f"/console/applications/{reference}").get_data(as_text=True)
    assert "审批已撤销" in page


def test_a_case_revoked_before_it_is_closed_issues_no_certificate(app, client, db_session, hall, applicant,
                                                                   staff_login):
    """Revoked while the result is in the post: marking it 已办结 afterwards closes the case, and the certificate
    (and any licence renewal) a completed approval would issue does not come."""
    reference = file_on_promise(client, hall, applicant)
    api_clerk = staff_login(hall["clerk"])
    approve(client, api_clerk, reference)
    mailed = client.post(f"/api/staff/v1/applications/{reference}/advance", headers=api_clerk,
                         json={"to": "mailed", "carrier": "中国邮政EMS", "tracking_number": "1190012345678"})
    assert mailed.status_code == 200, mailed.get_json()
    clerk = ConsoleUser(app)
    assert clerk.log_in(hall["clerk"]).status_code == 303
    assert clerk.post(f"/console/applications/{reference}/revoke-approval",
                      {"reason": "实地核查：住所不能用作经营场所", "confirm": "true"}).status_code == 303
    closed = client.post(f"/api/staff/v1/applications/{reference}/advance", headers=api_clerk,
                         json={"to": "completed"})
    assert closed.status_code == 200, closed.get_json()
    db_session.expire_all()
    application = db_session.scalars(select(Application).where(Application.reference == reference)).one()
    assert application.status == "completed"
    assert not certificates.was_approved(db_session, application)
    assert certificates.issue_for(db_session, app.extensions["banshi.keyring"], app.extensions["banshi.cipher"],
                                  application, NOW) is None
    assert db_session.scalar(select(Certificate.id).where(Certificate.application_id == application.id)) is None


def test_an_approval_not_granted_on_a_promise_cannot_be_revoked_that_way(app, client, hall, applicant, staff_login):
    form, draft = open_form(client, applicant, hall, "设施农用地备案")
    uploads = {m["name"]: [upload(client, applicant, n)] for n, m in enumerate(form["materials"])}
    values = {"location": "固河镇东村三组", "area_mu": 12, "land_use": "作物种植", "period_years": 5}
    assert client.put(f"/api/v1/filings/{draft['id']}", headers=applicant,
                      json={"values": values, "materials": uploads}).status_code == 200
    reference = client.post(f"/api/v1/filings/{draft['id']}/submit", headers=applicant).get_json()["reference"]
    approve(client, staff_login(hall["clerk"]), reference)
    clerk = ConsoleUser(app)
    clerk.log_in(hall["clerk"])
    refused = clerk.post(f"/console/applications/{reference}/revoke-approval",
                         {"reason": "核查发现改变用途", "confirm": "true"})
    assert refused.status_code == 409


def test_online_materials_are_the_items_own_list_and_the_definition_says_which_may_wait():
    own = [{"name": "食品经营许可申请书", "key": True}, {"name": "食品安全管理制度", "key": False},
           {"name": "从业人员健康证明", "key": False}, {"name": "本地补充材料", "key": False}]
    form = definitions()["食品经营许可证（新办）"]
    assert material_names(ServiceItem(name=form.item_name, materials=own), form) == {
        "食品经营许可申请书": True, "食品安全管理制度": False, "从业人员健康证明": False, "本地补充材料": False}
    strict = form.__class__(**{**form.__dict__, "materials": tuple(
        m.__class__(m.name, deferrable=False) for m in form.materials)})
    assert material_names(ServiceItem(name=form.item_name, materials=own), strict)["食品安全管理制度"] is True
