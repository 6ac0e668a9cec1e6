"""居民点单 → 干部接单 → 办理 → 答复 → 群众评单, with reopen, content check, SLA 催办 and 督办."""

import time_machine

from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback import services
from miniapp_api.feedback.models import Feedback, FeedbackEvent
from miniapp_api.staff.models import StaffNotice
from tests.factories import CentreFactory, make_staff
from tests.feedback.conftest import at

COMPLAINT = {"kind": "complaint", "text": "三号窗口工作人员午休提前半小时离岗，排了一个小时的队。", "contact_ok": True}


def test_the_full_loop_with_one_reopen(client, db_session, hall, login, staff_login):
    with time_machine.travel(at("2026-11-23 10:00"), tick=False):
        citizen = login("o-complainer")
        client.patch("/api/v1/me", headers=citizen, json={"real_name": "周敏", "phone": "13912345678"})
        filed = client.post("/api/v1/feedback", headers=citizen, json={**COMPLAINT, "window_id": hall.window.id})
        assert filed.status_code == 201, filed.get_json()
        feedback = filed.get_json()
        assert feedback["status"] == "submitted" and feedback["due_on"] == "2026-12-14"   # 15 working days
        assert str(db_session.get(Feedback, feedback["id"]).remind_on) == "2026-12-02"      # 催办 at half time
        handler = staff_login(hall.handler)
        path = f"/api/staff/v1/feedback/{feedback['id']}"
        inbox = client.get("/api/staff/v1/feedback", headers=handler).get_json()["feedback"]
        assert [f["id"] for f in inbox] == [feedback["id"]]
        staff_view = client.get(path, headers=handler).get_json()
        assert staff_view["filed_by"] == "周敏" and staff_view["phone_masked"] == "139****5678"
        for step, body in (("assign", {}), ("start", None),
                           ("answer", {"answer": "已调整午休轮岗，三号窗口午间保留一人值守。", "internal_note": "约谈当事人"})):
            response = client.post(f"{path}/{step}", headers=handler, json=body)
            assert response.status_code == 200, response.get_json()

    with time_machine.travel(at("2026-11-24 09:00"), tick=False):
        mine = client.get(f"/api/v1/feedback/{feedback['id']}", headers=citizen).get_json()
        assert mine["status"] == "answered" and mine["can_rate"] is True
        assert "约谈当事人" not in str(mine)
        unhappy = client.post("/api/v1/ratings", headers=citizen,
                              json={"target": "feedback", "id": feedback["id"], "level": 2,
                                    "comment": "今天中午还是没人"})
        assert unhappy.status_code == 201, unhappy.get_json()
        reopened = client.get(f"/api/v1/feedback/{feedback['id']}", headers=citizen).get_json()
        assert reopened["status"] == "assigned" and reopened["reopen_count"] == 1
        assert reopened["due_on"] == "2026-12-15"
        assert reopened["timeline"][-1]["note"] == "今天中午还是没人"
        # Back to the same handler (a new working day, a new staff session), who answers again.
        handler = staff_login(hall.handler)
        assert client.post(f"{path}/start", headers=handler).status_code == 200
        assert client.post(f"{path}/answer", headers=handler,
                           json={"answer": "已安排专人午间值守并公示值守表。"}).status_code == 200
        again = client.post("/api/v1/ratings", headers=citizen,
                            json={"target": "feedback", "id": feedback["id"], "level": 4})
        assert again.status_code == 201
        closed = client.get(f"/api/v1/feedback/{feedback['id']}", headers=citizen).get_json()
        assert closed["status"] == "closed"
        titles = [e["kind"] for e in closed["timeline"]]
        assert titles == ["filed", "assigned", "started", "answered", "reopened", "started", "answered", "rated"]
        third = client.post("/api/v1/ratings", headers=citizen,
                            json={"target": "feedback", "id": feedback["id"], "level": 5})
        assert third.status_code == 409 and third.get_json()["error"]["code"] == "not_yet_ratable"


def test_risky_text_is_refused_with_a_clear_message_and_nothing_is_stored(client, db_session, hall, login):
    citizen = login("o-risky")
    response = client.post("/api/v1/feedback", headers=citizen,
                           json={"kind": "report", "text": "有人在大厅门口拉人加微信领钱，疑似诈骗"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "content_risky" and "安全检测" in error["fields"]["text"]
    assert db_session.query(Feedback).count() == 0


def test_when_wechat_is_down_the_feedback_waits_hidden_until_checked(client, db_session, hall, login, wechat,
                                                                      staff_login, app):
    citizen = login("o-unchecked")
    wechat.fault("msg_sec_check", http_status=502)
    filed = client.post("/api/v1/feedback", headers=citizen, json={**COMPLAINT, "centre_id": hall.district.id})
    assert filed.status_code == 201
    handler = staff_login(hall.handler)
    assert client.get("/api/staff/v1/feedback", headers=handler).get_json()["feedback"] == []
    assert client.get(f"/api/staff/v1/feedback/{filed.get_json()['id']}", headers=handler).status_code == 404
    wechat.control("DELETE", "faults")
    gateway = app.extensions["banshi.wechat"]()
    assert services.recheck_content(db_session, gateway, filed.get_json()["id"], at("2026-11-23 10:05")) == "pass"
    db_session.commit()
    assert [f["id"] for f in client.get("/api/staff/v1/feedback", headers=handler).get_json()["feedback"]] == [
        filed.get_json()["id"]]


def test_a_retried_filing_with_the_same_key_files_once(client, db_session, hall, login):
    citizen = login("o-retry")
    headers = {**citizen, "Idempotency-Key": "fb-0001"}
    first = client.post("/api/v1/feedback", headers=headers, json={**COMPLAINT, "centre_id": hall.district.id})
    second = client.post("/api/v1/feedback", headers=headers, json={**COMPLAINT, "centre_id": hall.district.id})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db_session.query(Feedback).count() == 1


def test_anonymous_feedback_hides_the_citizen_from_staff(client, db_session, hall, login, staff_login):
    citizen = login("o-anon")
    client.patch("/api/v1/me", headers=citizen, json={"real_name": "吴刚", "phone": "13700001111"})
    filed = client.post("/api/v1/feedback", headers=citizen,
                        json={**COMPLAINT, "centre_id": hall.district.id, "anonymous": True}).get_json()
    seen = client.get(f"/api/staff/v1/feedback/{filed['id']}", headers=staff_login(hall.handler)).get_json()
    assert seen["filed_by"] == "匿名" and seen["phone_masked"] is None
    assert "吴刚" not in str(seen)


def test_citizens_and_other_centres_cannot_see_it(client, db_session, hall, login, staff_login):
    owner, stranger = login("o-owner-fb"), login("o-stranger-fb")
    filed = client.post("/api/v1/feedback", headers=owner, json={**COMPLAINT, "centre_id": hall.district.id})
    feedback_id = filed.get_json()["id"]
    assert client.get(f"/api/v1/feedback/{feedback_id}", headers=stranger).status_code == 404
    assert client.post("/api/v1/ratings", headers=stranger,
                       json={"target": "feedback", "id": feedback_id, "level": 1}).status_code == 404
    outsider = make_staff(db_session, [CentreFactory()], ("centre_manager",))
    db_session.commit()
    assert client.get(f"/api/staff/v1/feedback/{feedback_id}", headers=staff_login(outsider)).status_code == 404


def test_sla_reminder_then_escalation_then_the_level_above_on_the_right_working_days(db_session, hall):
    # Filed Mon 23 Nov 2026 as a complaint: 15 working days to 14 Dec, half of them (7) to 2 Dec
    # (dates as file_feedback computes them, checked in the loop test above).
    citizen = Citizen(openid="o-sla")
    db_session.add(citizen)
    db_session.flush()
    feedback = Feedback(citizen_id=citizen.id, kind="complaint", text="x" * 10, centre_id=hall.district.id,
                        content_check="pass", status="assigned", assignee_staff_id=hall.handler.id, sla_days=15,
                        due_on=at("2026-12-14 00:00").date(), remind_on=at("2026-12-02 00:00").date(),
                        updated_at=at("2026-11-23 10:00"), photos=[])
    db_session.add(feedback)
    db_session.flush()

    def sweep(local: str):
        return services.sla_sweep(db_session, at(local))

    def notices(staff):
        return [n.kind for n in db_session.query(StaffNotice).filter_by(staff_id=staff.id).order_by(StaffNotice.id)]

    assert vars(sweep("2026-12-01 17:00")) == {"reminded": 0, "escalated": 0, "escalated_up": 0}
    assert vars(sweep("2026-12-02 08:15")) == {"reminded": 1, "escalated": 0, "escalated_up": 0}
    sweep("2026-12-02 09:15")
    assert notices(hall.handler) == ["remind"]
    assert vars(sweep("2026-12-14 18:15"))["escalated"] == 0          # due today: not late yet
    assert vars(sweep("2026-12-15 08:15"))["escalated"] == 1
    sweep("2026-12-15 09:15")
    assert notices(hall.manager) == ["escalate"] and notices(hall.handler) == ["remind"]
    assert vars(sweep("2026-12-16 08:15"))["escalated_up"] == 0
    assert vars(sweep("2026-12-17 08:15"))["escalated_up"] == 1       # two working days after the 督办
    sweep("2026-12-18 08:15")
    assert notices(hall.city_supervisor) == ["escalate"]
    kinds = [e.kind for e in db_session.query(FeedbackEvent).filter_by(feedback_id=feedback.id)]
    assert kinds == ["reminded", "escalated", "escalated"]
    public = [e.public_note for e in db_session.query(FeedbackEvent).filter_by(feedback_id=feedback.id,
                                                                              visible_to_citizen=True)]
    assert public == ["已超过办理时限，已提交督办"]
