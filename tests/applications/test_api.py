"""Citizen and staff API for applications: intake at the counter, progress, lookup, scope, batches."""

import time_machine

from miniapp_api.applications import progress
from miniapp_api.applications.models import Application
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.applications.schemas import ApplicationOut, StaffApplicationOut
from miniapp_api.applications.services import Advance
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.models import AuditLog
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import CentreFactory, credit_code, id_number, make_staff

PROMISE = "本人承诺十个工作日内补交健康证明。"


def intake_body(counter, person=1, phone="13812345678", **extra):
    body = {"item_code": counter.item.code, "centre_id": counter.district.id,
            "applicant": {"type": "person", "name": "李娜", "id_number": id_number(person), "phone": phone}}
    body.update(extra)
    return body


def test_counter_intake_then_progress_as_the_citizen_sees_it(client, counter, db_session, staff_login,
                                                            verified_login):
    with time_machine.travel(MONDAY_8AM, tick=False):
        staff = staff_login(counter.staff)
        citizen = verified_login("李娜", id_number(1), openid="o-lina")
        created = client.post("/api/staff/v1/applications", headers=staff, json=intake_body(counter, accept={
            "to": "accepted_pending_materials", "missing_materials": ["从业人员健康证明"], "promise_text": PROMISE,
            "materials_due_on": "2026-12-04", "internal_note": "申请人说健康证明下周出"}))
        assert created.status_code == 201, created.get_json()
        body = created.get_json()
        ref = body["reference"]
        assert body["status"] == "accepted_pending_materials" and body["due_on"] == "2026-12-07"
        assert body["id_number_masked"].count("*") == 10 and body["phone_masked"] == "138****5678"
        assert body["timeline"][-1]["internal_note"] == "申请人说健康证明下周出"

        # Not linked yet: the citizen finds it with the receipt's reference and phone digits.
        assert client.get(f"/api/v1/applications/{ref}", headers=citizen).status_code == 404
        found = client.post("/api/v1/applications/lookup", headers=citizen,
                            json={"reference": ref, "phone_last4": "5678"})
        assert found.status_code == 200
        mine = client.get("/api/v1/applications", headers=citizen).get_json()["applications"]
        assert [a["reference"] for a in mine] == [ref]
        detail = client.get(f"/api/v1/applications/{ref}", headers=citizen).get_json()
        assert detail["status_name"] == "已受理，材料可以以后补交"
        assert all(e["internal_note"] is None and e["by"] is None for e in detail["timeline"])
        assert "申请人说健康证明下周出" not in str(detail)
        material = detail["materials"][0]
        assert material["name"] == "从业人员健康证明" and not material["received"]

        # The citizen says it was sent; staff see the note and confirm receipt.
        sent = client.post(f"/api/v1/applications/{ref}/materials", headers=citizen,
                           json={"material_id": material["id"], "note": "已快递，顺丰 SF1234567890"})
        assert sent.status_code == 200
        assert sent.get_json()["timeline"][-1]["note"] == "从业人员健康证明：已快递，顺丰 SF1234567890"
        received = client.post(f"/api/staff/v1/applications/{ref}/materials/{material['id']}/received",
                               headers=staff)
        assert received.get_json()["materials"][0]["received"] is True

        for step in ({"to": "in_review"}, {"to": "approved"},
                     {"to": "mailed", "carrier": "EMS", "tracking_number": "1187654321098"}, {"to": "completed"}):
            response = client.post(f"/api/staff/v1/applications/{ref}/advance", headers=staff, json=step)
            assert response.status_code == 200, response.get_json()
        done = client.get(f"/api/v1/applications/{ref}", headers=citizen).get_json()
        assert done["status"] == "completed" and done["delivery"]["tracking_number"] == "1187654321098"
        kinds = [n.body for n in db_session.query(Notification).filter_by(subject_type="application")
                 .order_by(Notification.id)]
        # Linked after acceptance by the lookup: approved, mailed, completed (in_review is not news).
        assert len(kinds) == 3 and "已办结" in kinds[-1] and "1187654321098" in kinds[-2]
        # The lookup also planned the 容缺 reminders for the newly linked citizen; receipt cancelled them.
        materials = db_session.query(Notification).filter_by(subject_type="application_materials").all()
        assert len(materials) == 2 and {n.status for n in materials} == {"cancelled"}


def test_illegal_transition_answers_409_with_a_clear_code(client, counter, db_session, staff_login):
    staff = staff_login(counter.staff)
    ref = client.post("/api/staff/v1/applications", headers=staff, json=intake_body(counter)).get_json()["reference"]
    response = client.post(f"/api/staff/v1/applications/{ref}/advance", headers=staff, json={"to": "completed"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "illegal_transition" and error["message"] == "办件当前状态为“已提交”，不能变更为“已办结”"
    assert db_session.query(Application).filter_by(reference=ref).one().status == "submitted"


def test_lookup_never_tells_a_wrong_phone_from_an_unknown_reference_and_is_rate_limited(
        client, counter, db_session, staff_login, login, cipher):
    application = counter.intake(cipher, MONDAY_8AM)
    db_session.commit()
    citizen = login("o-guesser")
    wrong = client.post("/api/v1/applications/lookup", headers=citizen,
                        json={"reference": application.reference, "phone_last4": "0000"})
    unknown = client.post("/api/v1/applications/lookup", headers=citizen,
                          json={"reference": "BS20261123-ZZZZZZ", "phone_last4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda r: {k: v for k, v in r.get_json()["error"].items() if k != "request_id"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    statuses = [client.post("/api/v1/applications/lookup", headers=citizen,
                            json={"reference": application.reference, "phone_last4": f"{n:04d}"}).status_code
                for n in range(1, 8)]
    assert statuses[:4] == [404] * 4 and statuses[4:] == [429] * 3
    # Even the right digits wait now: guessing cannot continue.
    right = client.post("/api/v1/applications/lookup", headers=citizen,
                        json={"reference": application.reference, "phone_last4": "5678"})
    assert right.status_code == 429
    assert db_session.query(Application).filter_by(id=application.id).one().proxy_citizen_id is None


def test_staff_of_another_centre_get_404_and_district_staff_reach_community_cases(
        client, counter, db_session, staff_login, cipher):
    community_case = counter.intake(cipher, MONDAY_8AM, centre=counter.community)
    stranger = make_staff(db_session, [CentreFactory()], ("centre_manager",))
    db_session.commit()
    ref = community_case.reference
    outsider = staff_login(stranger)
    for method, path, body in (("GET", f"/api/staff/v1/applications/{ref}", None),
                               ("POST", f"/api/staff/v1/applications/{ref}/advance", {"to": "accepted"})):
        response = client.open(path, method=method, headers=outsider, json=body)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "application_not_found"
    assert client.post("/api/staff/v1/applications", headers=outsider,
                       json=intake_body(counter)).status_code == 404
    assert client.get("/api/staff/v1/applications", headers=outsider).get_json()["applications"] == []
    district = staff_login(counter.staff)
    assert client.get(f"/api/staff/v1/applications/{ref}", headers=district).status_code == 200
    assert db_session.query(AuditLog).filter_by(action="view_application", subject_id=ref).count() == 1


def test_bad_intake_input_gets_field_messages_in_chinese(client, counter, staff_login):
    other_window = counter.community.windows[0].id
    staff = staff_login(counter.staff)
    response = client.post("/api/staff/v1/applications", headers=staff, json={
        "item_code": counter.item.code, "centre_id": counter.district.id,
        "applicant": {"type": "business", "name": "聊城某某餐饮有限公司", "credit_code": "91371500MA00000000"}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["applicant.credit_code"] == "统一社会信用代码格式不正确"
    response = client.post("/api/staff/v1/applications", headers=staff, json=intake_body(counter,
                                                                                          window_id=other_window))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"window_id": "该窗口不属于本中心"}
    response = client.post("/api/staff/v1/applications", headers=staff, json={
        "item_code": counter.item.code, "centre_id": counter.district.id, "window_id": counter.window.id,
        "applicant": {"type": "business", "name": "聊城某某餐饮有限公司", "credit_code": credit_code(7)}})
    assert response.status_code == 201


def test_a_citizen_cannot_read_or_report_on_someone_elses_application(client, counter, db_session, login, cipher):
    owner, stranger = login("o-owner-app"), login("o-stranger-app")
    application = counter.intake(cipher, MONDAY_8AM, accept=None)

    application.citizen_id = db_session.query(Citizen).filter_by(openid="o-owner-app").one().id
    db_session.commit()
    ref = application.reference
    assert client.get(f"/api/v1/applications/{ref}", headers=owner).status_code == 200
    assert client.get(f"/api/v1/applications/{ref}", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/applications/{ref}/materials", headers=stranger,
                       json={"material_id": 1}).status_code == 404
    assert client.get("/api/v1/applications", headers=stranger).get_json()["applications"] == []


def test_progress_documents_match_their_declared_schemas(client, counter, db_session, staff_login, cipher):
    """The read model builds JSON without pydantic: the OpenAPI schemas must still describe it exactly."""

    application = counter.intake(cipher, MONDAY_8AM, accept=Advance(
        S.ACCEPTED_PENDING_MATERIALS, missing_materials=["从业人员健康证明"], promise_text=PROMISE,
        materials_due_on=MONDAY_8AM.date(), internal_note="内部"))
    today = MONDAY_8AM.date()
    citizen_doc = progress.by_id(db_session, application.id, today)
    staff_doc = progress.by_id(db_session, application.id, today, staff_view=True, cipher=cipher)
    assert ApplicationOut.model_validate(citizen_doc).model_dump(mode="json") == citizen_doc
    assert StaffApplicationOut.model_validate(staff_doc).model_dump(mode="json") == staff_doc
    assert citizen_doc["timeline"][0]["at"].endswith("+08:00")
    assert staff_doc["timeline"][-1]["internal_note"] == "内部" and citizen_doc["timeline"][-1]["internal_note"] is None


def test_padding_a_reference_does_not_open_a_new_bucket_of_guesses(client, counter, db_session, login, cipher):
    application = counter.intake(cipher, MONDAY_8AM)
    db_session.commit()
    citizen = login("o-padder")
    paddings = ["{}", " {}", "{}\t", "  {} ", "\t{}\t", "{}  ", " \t{}"]
    statuses = [client.post("/api/v1/applications/lookup", headers=citizen,
                            json={"reference": padding.format(application.reference),
                                  "phone_last4": f"{n:04d}"}).status_code
                for n, padding in enumerate(paddings, start=1)]
    assert statuses == [404] * 5 + [429] * 2
