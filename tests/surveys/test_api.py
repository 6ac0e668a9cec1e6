"""The survey API as the mini-program and the console use it."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.surveys import services
from tests.factories import CentreFactory, ItemFactory, make_staff
from tests.surveys.test_surveys import NOON


def test_answer_over_http_then_staff_read_the_results(client, db_session, login, staff_login):
    services.ensure_defaults(db_session)
    centre, item = CentreFactory(), ItemFactory()
    admin = make_staff(db_session, [], ("admin",))
    with time_machine.travel(NOON, tick=False):
        headers = login("o-survey-http")
        citizen_id = db_session.scalars(select(Citizen.id).where(Citizen.openid == "o-survey-http")).one()
        centre_id, item_id, item_name = centre.id, item.id, item.name
        services.invite(db_session, [services.Subject(
            trigger="appointment.served", subject_type="appointment", subject_id=1, citizen_id=citizen_id,
            centre_id=centre.id, item_id=item.id, key="http-1")], NOON - timedelta(hours=3))
        services.send_due(db_session, NOON)
        token = db_session.scalar(select(Notification.page).where(Notification.kind == "survey_invitation")
                                  ).split("token=")[1]
        db_session.commit()
        survey = client.get(f"/api/v1/surveys/{token}", headers=headers)
        assert survey.status_code == 200 and survey.get_json()["about"] == item_name
        assert [q["kind"] for q in survey.get_json()["questions"]] == ["scale", "yes_no", "single", "multiple", "text"]
        bad = client.post(f"/api/v1/surveys/{token}/answers", headers=headers, json={"answers": {"score": 0}})
        assert bad.status_code == 422
        assert bad.get_json()["error"]["fields"] == {"answers.score": "请选择1到5之间的分数", "answers.once": "此题必答"}
        good = client.post(f"/api/v1/surveys/{token}/answers", headers=headers,
                           json={"answers": {"score": 4, "once": True, "waiting": "10分钟以内"}})
        assert good.status_code == 201 and good.get_json()["follow_up"] is None
        again = client.post(f"/api/v1/surveys/{token}/answers", headers=headers,
                            json={"answers": {"score": 4, "once": True}})
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "survey_already_answered"
        staff = staff_login(admin)
        rows = client.get("/api/staff/v1/surveys/results?group_by=centre", headers=staff).get_json()["rows"]
        assert rows == [{"key": centre_id, "asked": 1, "answered": 1, "response_rate": 1.0, "questions": {
            "score": {"average": 4.0, "answers": 1}, "once": {"yes_rate": 1.0, "answers": 1},
            "waiting": {"counts": {"10分钟以内": 1}}}}]
        exported = client.get("/api/staff/v1/surveys/results.csv", headers=staff)
        assert exported.mimetype == "text/csv" and "10分钟以内" in exported.get_data(as_text=True)

    with time_machine.travel(NOON + timedelta(days=46), tick=False):   # past the 30-day contact gap, then expired
        services.invite(db_session, [services.Subject(
            trigger="appointment.served", subject_type="appointment", subject_id=2, citizen_id=citizen_id,
            centre_id=centre_id, item_id=item_id, key="http-2")], NOON + timedelta(days=31))
        services.send_due(db_session, NOON + timedelta(days=31, hours=3))
        services.remind_and_expire(db_session, NOON + timedelta(days=45, hours=4))
        late = db_session.scalars(select(Notification.page).where(Notification.kind == "survey_invitation")
                                  .order_by(Notification.id.desc())).first().split("token=")[1]
        db_session.commit()
        expired = client.get(f"/api/v1/surveys/{late}", headers=login("o-survey-http"))
        assert expired.status_code == 410 and expired.get_json()["error"]["code"] == "survey_expired"
