"""The rating API: rate over HTTP, the revisit answered by the citizen, staff fixing, statistics JSON."""

import time_machine

from miniapp_api.appointments import services as booking
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity


def test_rate_then_staff_fix_then_the_citizen_accepts_the_fix(client, db_session, served, login, staff_login):
    application = served.completed_application()
    with time_machine.travel(MONDAY_8AM, tick=False):
        citizen = login(served.citizen.openid)
        db_session.commit()
        rated = client.post("/api/v1/ratings", headers=citizen,
                            json={"target": "application", "id": application.id, "level": 2, "tags": ["态度差"]})
        assert rated.status_code == 201, rated.get_json()
        body = rated.get_json()
        assert body["is_bad"] is True and body["level_name"] == "不满意" and body["rectification_id"]
        again = client.post("/api/v1/ratings", headers=citizen,
                            json={"target": "application", "id": application.id, "level": 5})
        assert again.status_code == 409 and again.get_json()["error"]["message"] == "您已评价过这项服务，感谢您的反馈"
        path = f"/api/staff/v1/rectifications/{body['rectification_id']}"
        manager = staff_login(served.manager)
        listed = client.get("/api/staff/v1/rectifications?status=open", headers=manager).get_json()
        assert [r["id"] for r in listed["rectifications"]] == [body["rectification_id"]]
        fixed = client.post(f"{path}/fix", headers=manager, json={"category": "立行立改", "reply": "已对窗口人员批评教育"})
        assert fixed.status_code == 200 and fixed.get_json()["status"] == "fixed"
        mine = client.get(f"/api/v1/rectifications/{body['rectification_id']}", headers=citizen).get_json()
        assert mine["can_revisit"] is True and mine["reply"] == "已对窗口人员批评教育"
        accepted = client.post(f"/api/v1/rectifications/{body['rectification_id']}/revisit", headers=citizen,
                               json={"satisfied": True})
        assert accepted.get_json()["status"] == "revisited"
        stats = client.get("/api/staff/v1/ratings/stats?group_by=window", headers=manager).get_json()
        assert stats["rows"][0]["rectification_rate"] == 1.0 and stats["rows"][0]["good_rate"] == 0.0
        centres = client.get("/api/staff/v1/ratings/stats", headers=manager).get_json()
        assert centres["group_by"] == "centre" and centres["rows"][0]["total"] == 1


def test_bad_rating_input_gets_field_messages(client, db_session, served, login):
    application = served.completed_application()
    db_session.commit()
    citizen = login(served.citizen.openid)
    response = client.post("/api/v1/ratings", headers=citizen,
                           json={"target": "application", "id": application.id, "level": 7})
    assert response.status_code == 422 and response.get_json()["error"]["fields"] == {"level": "数值太大"}
    response = client.post("/api/v1/ratings", headers=citizen,
                           json={"target": "ticket", "id": application.id, "level": 3})
    assert response.status_code == 422 and "target" in response.get_json()["error"]["fields"]


def test_nobody_rates_someone_elses_appointment(client, db_session, login, cipher):
    with time_machine.travel(MONDAY_8AM, tick=False):
        hall = build_hall(db_session, MONDAY_8AM)
        owner = citizen_with_identity(db_session, cipher, 77)
        appointment = booking.book_appointment(
            db_session, citizen_id=owner.id, person=booking.person_for_self(owner, cipher),
            slot_id=hall.slot(db_session, hall.general, "2026-11-24 09:00").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        db_session.commit()
        body = {"target": "appointment", "id": appointment.id, "level": 1}
        stranger = client.post("/api/v1/ratings", headers=login("o-stranger-rates"), json=body)
        assert stranger.status_code == 404 and stranger.get_json()["error"]["code"] == "target_not_found"
        early = client.post("/api/v1/ratings", headers=login(owner.openid), json=body)
        assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_yet_ratable"


def test_the_old_evaluations_url_still_answers_released_mini_programs(client, db_session, served, login):
    """Released mini-programs post to /api/v1/evaluations: the same rating, the list under its old key."""
    application = served.completed_application()
    with time_machine.travel(MONDAY_8AM, tick=False):
        citizen = login(served.citizen.openid)
        db_session.commit()
        rated = client.post("/api/v1/evaluations", headers=citizen,
                            json={"target": "application", "id": application.id, "level": 5})
        assert rated.status_code == 201 and rated.get_json()["level_name"] == "非常满意"
        twice = client.post("/api/v1/ratings", headers=citizen,
                            json={"target": "application", "id": application.id, "level": 1})
        assert twice.status_code == 409                                   # one rating, whichever URL took it
        new, old = (client.get(url, headers=citizen).get_json() for url in ("/api/v1/ratings", "/api/v1/evaluations"))
        assert new["ratings"] == old["evaluations"] and [r["id"] for r in new["ratings"]] == [rated.get_json()["id"]]
        # A page asks whether its own thing was rated: one target, one id.
        mine = client.get(f"/api/v1/ratings?target=application&target_id={application.id}", headers=citizen)
        assert [r["id"] for r in mine.get_json()["ratings"]] == [rated.get_json()["id"]]
        for other in (f"target=application&target_id={application.id + 1}", "target=appointment"):
            assert client.get(f"/api/v1/ratings?{other}", headers=citizen).get_json()["ratings"] == []
        assert client.get("/api/v1/ratings?target=nope", headers=citizen).status_code == 422
