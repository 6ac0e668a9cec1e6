"""Asking for help over HTTP: the citizen's words are content-checked before staff read them (risky refused, nothing
stored; WeChat down: stored and flagged for staff), a retried request is filed once, bad input keeps the envelope."""

import time_machine

from miniapp_api.assistance.models import AssistanceRequest
from tests.factories import MONDAY_8AM, build_hall, make_staff


def test_risky_words_are_refused_and_nothing_is_stored(client, db_session, login):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        response = client.post("/api/v1/assistance", headers=login("o-risky-help"), json={
            "centre_id": hall.centre.id, "situation": "有人在大厅门口拉人加微信领钱，疑似诈骗"})
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "content_risky" and "安全检测" in error["fields"]["situation"]
        assert db_session.query(AssistanceRequest).count() == 0


def test_when_wechat_is_down_the_request_is_stored_and_flagged_for_staff(client, db_session, login, wechat, console):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        clerk = make_staff(db_session, [hall.centre], ("window_staff",))
        db_session.commit()
        wechat.fault("msg_sec_check", http_status=502)
        asked = client.post("/api/v1/assistance", headers=login("o-down-help"),
                            json={"centre_id": hall.centre.id, "situation": "想给父亲办理残疾人证，不知道流程"})
        assert asked.status_code == 201, asked.get_json()
        assert db_session.get(AssistanceRequest, asked.get_json()["id"]).content_check == "review"
        page = console(clerk).get(f"/console/assistance/{asked.get_json()['id']}").get_data(as_text=True)
        assert "想给父亲办理残疾人证" in page and "未经内容安全检测" in page


def test_a_retried_request_with_the_same_key_is_filed_once_and_bad_input_is_explained(client, db_session, login):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        headers = {**login("o-retry-help"), "Idempotency-Key": "help-0001"}
        body = {"centre_id": hall.centre.id, "item_code": hall.quick.code}
        first, second = (client.post("/api/v1/assistance", headers=headers, json=body) for _ in range(2))
        assert first.status_code == second.status_code == 201
        assert first.get_json()["id"] == second.get_json()["id"]
        assert db_session.query(AssistanceRequest).count() == 1
        short = client.post("/api/v1/assistance", headers=login("o-short-help"),
                            json={"centre_id": hall.centre.id, "situation": "帮我"})
        assert short.status_code == 422 and "situation" in short.get_json()["error"]["fields"]
        unknown = client.post("/api/v1/assistance", headers=login("o-unknown-help"),
                              json={"centre_id": hall.centre.id, "item_code": "NO-SUCH-ITEM"})
        assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (422, "link_not_found")
