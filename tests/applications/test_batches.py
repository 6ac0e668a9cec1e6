"""批量办理: 140 operator certificates created, accepted and advanced together — all or nothing."""

import time_machine

from miniapp_api.applications.models import Application, ApplicationEvent
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import credit_code, id_number


def members(count: int) -> list[dict]:
    return [{"type": "person", "name": "赵强", "id_number": id_number(1000 + n), "phone": f"1391234{n:04d}"}
            for n in range(count)]


def create(client, staff, counter, count=140, **extra):
    return client.post("/api/staff/v1/batches", headers=staff, json={
        "item_code": counter.quick.code, "centre_id": counter.district.id, "title": "特种设备作业人员证复审（批量）",
        "business_name": "聊城某物流有限公司", "credit_code": credit_code(3), "members": members(count), **extra})


def test_a_batch_of_140_is_accepted_and_advanced_in_one_call_each(client, counter, db_session, staff_login):
    with time_machine.travel(MONDAY_8AM, tick=False):
        staff = staff_login(counter.staff)
        created = create(client, staff, counter, accept={"to": "accepted"})
        assert created.status_code == 201, created.get_json()
        batch = created.get_json()
        assert batch["progress"] == {"accepted": 140} and len(batch["members"]) == 140
        assert {m["due_on"] for m in batch["members"]} == {"2026-11-26"}
        advanced = client.post(f"/api/staff/v1/batches/{batch['reference']}/advance", headers=staff,
                               json={"to": "in_review"})
        assert advanced.status_code == 200 and advanced.get_json() == {"advanced": 140,
                                                                       "progress": {"in_review": 140}}
        one = batch["members"][17]["reference"]
        detail = client.get(f"/api/staff/v1/applications/{one}", headers=staff).get_json()
        assert detail["status"] == "in_review" and detail["batch"]["progress"] == {"in_review": 140}


def test_if_one_member_cannot_move_none_does(client, counter, db_session, staff_login):
    staff = staff_login(counter.staff)
    batch = create(client, staff, counter, accept={"to": "accepted"}).get_json()
    odd_one = batch["members"][70]["reference"]
    client.post(f"/api/staff/v1/applications/{odd_one}/advance", headers=staff, json={"to": "in_review"})
    events_before = db_session.query(ApplicationEvent).count()
    refused = client.post(f"/api/staff/v1/batches/{batch['reference']}/advance", headers=staff,
                          json={"to": "in_review"})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "batch_transition_refused"
    assert [r["reference"] for r in error["refused"]] == [odd_one]
    statuses = {a.status for a in db_session.query(Application).filter(Application.reference != odd_one,
                                                                       Application.batch_id.isnot(None))}
    assert statuses == {"accepted"}
    assert db_session.query(ApplicationEvent).count() == events_before
    # Advancing only those still accepted works.
    moved = client.post(f"/api/staff/v1/batches/{batch['reference']}/advance", headers=staff,
                        json={"to": "in_review", "only_from": "accepted"})
    assert moved.get_json() == {"advanced": 139, "progress": {"in_review": 140}}


def test_a_bad_member_refuses_the_whole_batch(client, counter, db_session, staff_login):
    staff = staff_login(counter.staff)
    body = members(30)
    body[12]["id_number"] = "371502198001011230"   # wrong check digit
    response = client.post("/api/staff/v1/batches", headers=staff, json={
        "item_code": counter.quick.code, "centre_id": counter.district.id, "title": "分支机构变更登记",
        "business_name": "聊城某连锁超市有限公司", "members": body})
    assert response.status_code == 422
    assert "members.12.id_number" in response.get_json()["error"]["fields"]
    assert db_session.query(Application).count() == 0
