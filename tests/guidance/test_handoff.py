"""转人工: a question without a good answer becomes a 咨询 feedback for the owner centre, and the report."""

from datetime import timedelta

import time_machine

from miniapp_api.feedback.models import Feedback
from miniapp_api.guidance import services
from miniapp_api.guidance.models import GuideMiss
from tests.feedback.conftest import at


def test_handing_off_files_a_consultation_for_the_owner_centre(client, db_session, guide, login, wechat):
    with time_machine.travel(at("2026-11-23 10:00"), tick=False):
        citizen = login("o-asker")
        question = "社保卡丢了怎么补办"
        answer = client.get("/api/v1/guide/search", query_string={"q": question}).get_json()
        assert answer["handoff"]["offered"] is True
        response = client.post("/api/v1/guide/handoff", headers=citizen, json={"q": question})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["message"].startswith("已转人工咨询，工作人员将在")
        feedback = db_session.get(Feedback, body["feedback_id"])
        assert feedback.kind == "consultation" and feedback.text == "【智能导服转人工】社保卡丢了怎么补办"
        assert feedback.centre_id == answer["handoff"]["centre_id"] is not None
        assert feedback.due_on > feedback.created_at.date()          # the consultation SLA applies
        mine = client.get("/api/v1/feedback", headers=citizen).get_json()["feedback"]
        assert [f["id"] for f in mine] == [feedback.id]
        miss = db_session.query(GuideMiss).filter_by(query=question).one()
        assert (miss.asked, miss.handed_off, miss.last_feedback_id) == (1, 1, feedback.id)


def test_handing_off_needs_a_signed_in_citizen_and_words(client, guide, login):
    assert client.post("/api/v1/guide/handoff", json={"q": "社保卡丢了"}).status_code == 401
    citizen = login("o-asker-2")
    response = client.post("/api/v1/guide/handoff", headers=citizen, json={"q": "🙏🙏🙏"})
    assert response.status_code == 422 and "q" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/guide/handoff", headers=citizen, json={"q": "社保", "centre_id": 999999}
                       ).status_code == 422


def test_the_report_lists_recent_misses_most_asked_first(client, db_session, guide):
    with time_machine.travel(at("2026-11-20 09:00"), tick=False):
        client.get("/api/v1/guide/search", query_string={"q": "公积金怎么提取"})
    with time_machine.travel(at("2026-11-23 09:00"), tick=False):
        for _ in range(3):
            client.get("/api/v1/guide/search", query_string={"q": "驾驶证到期换证"})
        client.get("/api/v1/guide/search", query_string={"q": "公积金怎么提取"})
        client.get("/api/v1/guide/search", query_string={"q": "营业执照怎么办理"})          # answered: not listed
    rows = services.misses(db_session, at("2026-11-23 09:00") - timedelta(days=1))
    assert [(r["query"], r["asked"]) for r in rows] == [("驾驶证到期换证", 3), ("公积金怎么提取", 1)]
    everything = services.misses(db_session, at("2026-11-23 09:00") - timedelta(days=30))
    assert [(r["query"], r["asked"]) for r in everything] == [("驾驶证到期换证", 3), ("公积金怎么提取", 2)]


def test_numbers_typed_into_the_search_box_never_reach_the_report(client, db_session, guide):
    client.get("/api/v1/guide/search", query_string={"q": "我的身份证370102199001011234丢了社保"})
    client.get("/api/v1/guide/search", query_string={"q": "电话13912345678怎么改社保"})
    kept = [m.query for m in db_session.query(GuideMiss).order_by(GuideMiss.id)]
    assert kept == ["我的身份证******丢了社保", "电话******怎么改社保"]
