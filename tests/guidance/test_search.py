"""Search on the real PostgreSQL index: how citizens type, what they must never see, and bad input."""

from pathlib import Path

import pytest
import time_machine
import yaml

from miniapp_api.guidance import authoring, search
from miniapp_api.guidance.models import GuideDoc, GuideMiss
from miniapp_api.guidance.schemas import EntryForm, SynonymForm
from miniapp_api.platform.errors import DomainError
from tests.factories import MONDAY_8AM
from tests.guidance.conftest import SEEDED_AT

EVAL = yaml.safe_load((Path(__file__).resolve().parents[2] / "bench" / "guide_eval.yaml").read_text())


def top(session, query: str, **kwargs) -> list[str]:
    return [f"{h.kind}:{h.ref}" for h in search.search(session, query, **kwargs).hits]


def test_the_way_citizens_type(db_session, guide):
    assert top(db_session, "我想开个小饭馆")[0] == "scenario:open-restaurant"
    assert top(db_session, "營業執照怎麼辦理")[0] == "entry:licence-01"             # traditional characters
    assert top(db_session, "营业只照怎么办理")[0] == "entry:licence-01"             # one wrong character
    assert top(db_session, "yyzz")[0] == "item:SD0003"                              # pinyin initials
    assert top(db_session, "yingyezhizhao")[0] == "item:SD0003"                     # full pinyin
    assert top(db_session, "ＹＹＺＺ")[0] == "item:SD0003"                          # full-width letters
    assert top(db_session, "叉车证到期了")[0] == "entry:equipment-02"


def test_a_synonym_finds_what_the_entries_call_otherwise(db_session, guide):
    question = "驾照分扣完了怎么恢复"
    assert not search.search(db_session, "机动车驾驶证记满分怎么办").confident
    authoring.save_entry(db_session, guide.manager, EntryForm(
        code="driving-points", question="机动车驾驶证记满12分怎么办？", answer="参加满分学习并考试合格后恢复。",
        owner_centre_id=guide.business_owner.id, department="公安交警"), SEEDED_AT)
    authoring.publish(db_session, guide.manager, "entry", "driving-points", SEEDED_AT)
    before = search.search(db_session, question)
    authoring.add_synonyms(db_session, guide.manager, SynonymForm(
        words="驾照=驾驶证", owner_centre_id=guide.business_owner.id, department="公安交警"), SEEDED_AT)
    after = search.search(db_session, question)
    assert after.hits[0].ref == "driving-points"
    assert after.best_score > before.best_score


def test_drafts_are_never_found_and_a_new_draft_leaves_the_published_answer(db_session, guide):
    form = EntryForm(code="bike-plate", question="电动自行车上牌去哪里办理？", answer="到车管所或指定登记点办理。",
                     owner_centre_id=guide.business_owner.id, department="公安交警")
    authoring.save_entry(db_session, guide.author, form, SEEDED_AT)
    assert "entry:bike-plate" not in top(db_session, "电动自行车上牌")
    assert db_session.query(GuideDoc).filter_by(ref="bike-plate").count() == 0
    authoring.publish(db_session, guide.manager, "entry", "bike-plate", SEEDED_AT)
    assert top(db_session, "电动自行车上牌")[0] == "entry:bike-plate"
    authoring.save_entry(db_session, guide.author, form.model_copy(update={"question": "电动车挂牌照怎么弄？"}),
                         SEEDED_AT)
    assert top(db_session, "电动自行车上牌")[0] == "entry:bike-plate"                 # still version 1
    assert "entry:bike-plate" not in top(db_session, "挂牌照")


def test_the_audience_filter_keeps_business_items_from_citizens(db_session, guide):
    for_citizens = top(db_session, "营业执照", audience="citizen")
    assert "item:SD0003" not in for_citizens
    assert "item:SD0003" in top(db_session, "营业执照", audience="business")


@pytest.mark.parametrize("question", EVAL["unanswerable"])
def test_what_the_demo_cannot_answer_is_not_presented_as_an_answer(db_session, guide, question):
    assert not search.search(db_session, question).confident


# --- over HTTP --------------------------------------------------------------------------------------------------


def test_the_answer_leads_to_items_and_scenarios(client, guide):
    body = client.get("/api/v1/guide/search", query_string={"q": "开饭店要办什么证"}).get_json()
    assert body["confident"] is True and body["best"]["code"] == "food-new-02"
    assert body["best"]["answer"].startswith("先办营业执照")
    assert [i["code"] for i in body["items"]][:1] == ["SD0001"]
    assert "open-restaurant" in [s["code"] for s in body["scenarios"]]
    assert body["handoff"]["offered"] is False and body["suggestions"] == []


@time_machine.travel(MONDAY_8AM, tick=False)          # both questions on one day, whatever the hour
def test_a_weak_answer_says_so_offers_a_person_and_is_written_down(client, db_session, guide):
    body = client.get("/api/v1/guide/search", query_string={"q": "社保卡丢了怎么补办"}).get_json()
    assert body["confident"] is False and body["message"].startswith("没有找到确切的答案")
    assert body["handoff"]["offered"] is True
    assert body["suggestion_title"] in (None, "您是不是要找")
    client.get("/api/v1/guide/search", query_string={"q": "社保卡丢了怎么补办"})
    miss = db_session.query(GuideMiss).filter_by(query="社保卡丢了怎么补办").one()
    assert miss.asked == 2 and miss.handed_off == 0


@pytest.mark.parametrize(("query", "status", "message"), [
    ("", 422, "请输入您想办的事或想问的问题"),
    ("   ", 422, "请输入您想办的事或想问的问题"),
    ("证", 422, "请至少输入两个字，或输入拼音首字母（如 yyzz）"),
    ("办" * 500, 422, None),
    ("😀🙏🎉", 422, "请用文字描述您想办的事，例如“我想开个小饭馆”"),
    ("！？。，", 422, "请用文字描述您想办的事，例如“我想开个小饭馆”"),
])
def test_bad_queries_answer_with_the_envelope(client, guide, query, status, message):
    response = client.get("/api/v1/guide/search", query_string={"q": query})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["fields"].get("q")
    if message:
        assert error["message"] == message or error["fields"]["q"] == message


@pytest.mark.parametrize("query", ["'; DROP TABLE guide_doc; --", "1' OR '1'='1", "社保' | '营业", "a:* & !b",
                                   "\\x00\\", "营业执照' OR 1=1 --"])
def test_sql_and_tsquery_syntax_is_only_text(client, db_session, guide, query):
    response = client.get("/api/v1/guide/search", query_string={"q": query})
    assert response.status_code in (200, 422)
    assert db_session.query(GuideDoc).count() > 200
    if response.status_code == 200:
        assert isinstance(response.get_json()["results"], list)


def test_the_missing_question_parameter_is_refused(client, guide):
    response = client.get("/api/v1/guide/search")
    assert response.status_code == 422 and "q" in response.get_json()["error"]["fields"]


def test_an_entry_names_the_centres_it_points_to(client, db_session, guide):
    authoring.save_entry(db_session, guide.manager, EntryForm(
        code="canal-weekend", question="运河社区周六能办食品证吗？", answer="运河社区服务中心周六上午开放，可以办理。",
        item_codes=["SD0001"], centre_ids=[guide.business_owner.id], owner_centre_id=guide.business_owner.id,
        department="市场监管局"), SEEDED_AT)
    authoring.publish(db_session, guide.manager, "entry", "canal-weekend", SEEDED_AT)
    db_session.commit()
    body = client.get("/api/v1/guide/search", query_string={"q": "运河社区周六能办食品证吗"}).get_json()
    assert body["best"]["code"] == "canal-weekend"
    assert body["best"]["centres"] == [{"id": guide.business_owner.id, "name": guide.business_owner.name}]
    with pytest.raises(DomainError) as refused:
        authoring.save_entry(db_session, guide.manager, EntryForm(
            code="nowhere", question="不存在的中心问题？", answer="答案。", centre_ids=[999999],
            owner_centre_id=guide.business_owner.id, department="市场监管局"), SEEDED_AT)
    assert refused.value.fields == {"centre_ids": "没有找到该服务中心"}
