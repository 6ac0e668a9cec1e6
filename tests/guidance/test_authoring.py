"""Staff author guidance: versions and publishing, ownership, all-or-none imports with errors by line, item guides
edited with a preview, and the console pages."""

import io

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from miniapp_api.guidance import authoring, search
from miniapp_api.guidance.models import GuideDoc, GuideEntry, GuideScenario, GuideSynonym
from miniapp_api.guidance.schemas import EntryForm, ScenarioForm, SynonymForm
from miniapp_api.platform.errors import DomainError, NotFound
from tests.console.conftest import ConsoleUser
from tests.guidance.conftest import SEEDED_AT

HEADER = "code,question,variants,answer,item_codes,scenario_codes,owner_centre,department\n"


def entry_form(guide, **changes) -> EntryForm:
    values = {"code": "water-meter", "question": "自来水表坏了找谁修？", "answer": "拨打供水热线报修，免费上门。",
              "owner_centre_id": guide.business_owner.id, "department": "供水公司"}
    return EntryForm(**(values | changes))


def statuses(session, code: str) -> list[tuple[int, str]]:
    return [(r.version, r.status) for r in authoring.versions(session, GuideEntry, code)]


def test_a_published_version_stays_until_the_next_is_published(db_session, guide):
    authoring.save_entry(db_session, guide.author, entry_form(guide), SEEDED_AT)
    authoring.save_entry(db_session, guide.author, entry_form(guide, answer="拨打96000报修。"), SEEDED_AT)
    assert statuses(db_session, "water-meter") == [(1, "draft")]             # a draft is edited in place
    authoring.publish(db_session, guide.manager, "entry", "water-meter", SEEDED_AT)
    authoring.save_entry(db_session, guide.author, entry_form(guide, answer="拨打96000报修，24小时有人。"), SEEDED_AT)
    assert statuses(db_session, "water-meter") == [(2, "draft"), (1, "published")]
    assert search.search(db_session, "水表坏了").hits[0].ref == "water-meter"
    authoring.publish(db_session, guide.manager, "entry", "water-meter", SEEDED_AT)
    assert statuses(db_session, "water-meter") == [(2, "published"), (1, "retired")]
    with pytest.raises(DomainError) as refused:
        authoring.publish(db_session, guide.manager, "entry", "water-meter", SEEDED_AT)
    assert refused.value.status == 409 and refused.value.message == "没有待发布的草稿"


def test_staff_edit_only_what_their_centres_own(db_session, guide):
    with pytest.raises(NotFound):
        authoring.save_entry(db_session, guide.stranger, entry_form(guide), SEEDED_AT)
    with pytest.raises(NotFound):
        authoring.save_entry(db_session, guide.stranger, entry_form(guide, code="food-new-01"), SEEDED_AT)
    with pytest.raises(NotFound):
        authoring.publish(db_session, guide.stranger, "entry", "food-new-01", SEEDED_AT)
    with pytest.raises(NotFound):
        authoring.editable_item(db_session, guide.stranger, "SD0001")
    assert statuses(db_session, "food-new-01") == [(1, "published")]


def test_a_link_to_an_unknown_item_or_scenario_is_refused_by_field(db_session, guide):
    with pytest.raises(DomainError) as refused:
        authoring.save_entry(db_session, guide.author, entry_form(guide, item_codes=["NOPE"],
                                                                  scenario_codes=["no-such"]), SEEDED_AT)
    assert refused.value.fields == {"item_codes": "没有找到事项：NOPE", "scenario_codes": "没有找到办事情景：no-such"}


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


def test_a_csv_with_one_bad_line_imports_nothing_and_names_the_lines(db_session, guide):
    owner = guide.business_owner.name
    raw = csv_file(f"gas-1,燃气开户怎么办？,天然气开户|开通燃气,带房产证到燃气公司营业厅办理。,,,{owner},燃气公司",
                   f"gas-2,燃气过户怎么办？,,带双方身份证办理。,NOPE,,{owner},燃气公司",
                   f"Gas 3,燃气报修电话？,,拨打热线。,,,{owner},燃气公司",
                   "gas-4,燃气停气通知？,,关注公告。,,,不存在的中心,燃气公司")
    plan = authoring.plan_import(db_session, guide.author, authoring.read_import("gas.csv", raw))
    assert sorted(plan.errors) == ["line 3", "line 4", "line 5"]
    assert "没有找到事项：NOPE" in plan.errors["line 3"]
    assert "编号只能包含小写字母" in plan.errors["line 4"]
    before = db_session.query(GuideEntry).count()
    with pytest.raises(DomainError):
        authoring.apply_import(db_session, guide.author, plan, publish_now=False, now=SEEDED_AT)
    assert db_session.query(GuideEntry).count() == before


def test_a_good_csv_becomes_drafts_or_is_published(db_session, guide):
    owner = guide.business_owner.name
    raw = csv_file(f"gas-1,燃气开户怎么办？,天然气开户|开通燃气,带房产证到燃气公司营业厅办理。,SD0006,,{owner},燃气公司")
    plan = authoring.plan_import(db_session, guide.author, authoring.read_import("gas.csv", raw))
    assert plan.errors == {} and plan.entries[0][1].variants == ["天然气开户", "开通燃气"]
    assert authoring.apply_import(db_session, guide.author, plan, publish_now=False, now=SEEDED_AT) == 1
    assert statuses(db_session, "gas-1") == [(1, "draft")]
    assert "gas-1" not in [h.ref for h in search.search(db_session, "天然气开户").hits]
    plan = authoring.plan_import(db_session, guide.manager, authoring.read_import("gas.csv", raw))
    authoring.apply_import(db_session, guide.manager, plan, publish_now=True, now=SEEDED_AT)
    assert search.search(db_session, "天然气开户").hits[0].ref == "gas-1"


YAML = """scenarios:
  - code: move-house
    title: 我要搬家
    summary: 搬家要办的事
    audience: citizen
    owner_centre: {owner}
    department: 综合服务
    questions:
      - {{key: owner, text: 是否买了新房？, kind: yesno}}
    outcomes:
      - {{item: SD0006, when: {{owner: true}}}}
entries:
  - code: move-house-1
    question: 搬家后户口怎么迁？
    answer: 带户口簿和新住址证明到派出所办理。
    scenario_codes: [move-house]
    owner_centre: {owner}
    department: 综合服务
  - code: move-house-2
    question: 搬家后要改地址吗？
    answer: {answer}
    owner_centre: {owner}
    department: 综合服务
synonyms:
  - {{words: [搬家, 搬迁], owner_centre: {owner}, department: 综合服务}}
"""


def test_a_yaml_import_with_scenarios_entries_and_synonyms(db_session, guide):
    owner = guide.business_owner.name
    bad = YAML.format(owner=owner, answer="")
    plan = authoring.plan_import(db_session, guide.author, authoring.read_import("move.yaml", bad.encode()))
    assert list(plan.errors) == ["line 19"]                     # where the second entry begins
    good = YAML.format(owner=owner, answer="可以在网上变更。")
    plan = authoring.plan_import(db_session, guide.manager, authoring.read_import("move.yml", good.encode()))
    assert plan.errors == {} and plan.count == 4
    authoring.apply_import(db_session, guide.manager, plan, publish_now=True, now=SEEDED_AT)
    assert search.search(db_session, "我要搬迁").hits[0].ref in ("move-house", "move-house-1")
    assert db_session.query(GuideScenario).filter_by(code="move-house", status="published").count() == 1
    assert db_session.query(GuideSynonym).filter(GuideSynonym.words.contains(["搬迁"])).count() == 1


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("x.txt", b"hello", "只能导入 .csv、.yaml 或 .yml 文件"),
    ("x.csv", "编号\n".encode("gbk"), "文件须为 UTF-8 编码"),
    ("x.csv", b"code,question\n", "CSV 缺少列"),
    ("x.yaml", b"entries: [\n", "YAML 格式错误"),
    ("x.yaml", b"", "文件中没有可导入的内容"),
])
def test_files_that_cannot_be_read_are_refused_with_a_reason(db_session, guide, name, raw, message):
    with pytest.raises(DomainError) as refused:
        authoring.read_import(name, raw)
    assert message in " ".join(refused.value.fields.values())


# --- the console ---------------------------------------------------------------------------------------------


def test_an_item_guide_edited_in_the_console_reaches_citizens_when_published(app, client, db_session, guide,
                                                                             console):
    author, manager = console(guide.author), console(guide.manager)
    form = {"short": "开饭店先办这个，当场受理，不收费。",
            "what_you_get": "食品经营许可证（电子证照同步发放）", "who_can_apply": "开饭店、小吃店的经营者",
            "steps": "网上或窗口提交\n当场受理\n领证", "fee": "不收费",
            "materials": "食品经营许可申请书, 必需, 原件, 1\n营业执照, 必需, 复印件, 1\n健康证明, 可容缺, 复印件, 3"}
    assert author.post("/console/guidance/items/SD0001", form).status_code == 303
    page = author.get("/console/guidance/items/SD0001").get_data(as_text=True)
    assert "第1版草稿" in page and "健康证明（复印件 3 份，可容缺）" in page
    assert client.get("/api/v1/items/SD0001").get_json()["guide"]["fee"] == "不收费"
    assert client.get("/api/v1/items/SD0001").get_json()["materials"][0]["name"] == "食品经营许可申请书"
    assert "发布第1版" not in page                                      # window staff write, managers publish
    assert author.post("/console/guidance/item/SD0001/publish").status_code == 404
    assert manager.post("/console/guidance/item/SD0001/publish").status_code == 303
    item = client.get("/api/v1/items/SD0001").get_json()
    assert item["guide"]["who_can_apply"] == "开饭店、小吃店的经营者"
    assert item["guide"]["short"] == "开饭店先办这个，当场受理，不收费。"           # 长辈模式's one sentence
    assert [m["name"] for m in item["materials"]][-1] == "健康证明"
    assert search.search(db_session, "开饭店小吃店经营者").hits


def test_a_bad_material_line_is_refused_with_its_number(db_session, guide, console):
    author = console(guide.author)
    response = author.post("/console/guidance/items/SD0001", {
        "what_you_get": "证", "who_can_apply": "经营者", "steps": "提交", "fee": "不收费",
        "materials": "申请书, 必需, 原件, 1\n营业执照 复印件"})
    assert response.status_code == 422 and "第2行材料格式应为" in response.get_data(as_text=True)


def test_the_console_import_previews_then_writes(db_session, guide, console):
    manager = console(guide.manager)
    raw = csv_file(f"gas-9,燃气缴费在哪缴？,,微信或营业厅缴纳。,,,{guide.business_owner.name},燃气公司")
    preview = manager.post("/console/guidance/import", {"action": "preview",
                                                       "file": (io.BytesIO(raw), "gas.csv")},
                           content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "将导入问答 1 条" in page
    assert db_session.query(GuideEntry).filter_by(code="gas-9").count() == 0        # a preview writes nothing
    confirmed = manager.post("/console/guidance/import", {"action": "publish", "filename": "gas.csv",
                                                         "content": raw.decode()})
    assert confirmed.status_code == 303
    assert statuses(db_session, "gas-9") == [(1, "published")]


def test_another_centres_rows_are_refused_by_line_in_the_console(db_session, guide, console):
    stranger = console(guide.stranger)
    raw = csv_file(f"gas-8,燃气缴费在哪缴？,,微信或营业厅缴纳。,,,{guide.business_owner.name},燃气公司")
    response = stranger.post("/console/guidance/import", {"action": "publish", "filename": "gas.csv",
                                                         "content": raw.decode()})
    assert response.status_code == 422 and "第2行" in response.get_data(as_text=True)
    assert db_session.query(GuideEntry).filter_by(code="gas-8").count() == 0


def test_the_console_pages_show_entries_scenarios_and_the_misses(client, db_session, guide, console, app):
    author = console(guide.author)
    home = author.get("/console/guidance").get_data(as_text=True)
    assert "food-new-01" in home and "我想开个小饭馆" in home and "社保 = 社保卡 = 社会保障卡" not in home
    entry = author.get("/console/guidance/entries/food-new-01").get_data(as_text=True)
    assert "食品经营许可证怎么办理？" in entry and "第1版 · 已发布" in entry
    scenario = author.get("/console/guidance/scenarios/open-restaurant").get_data(as_text=True)
    assert "第一个问题：<strong>是否已经领取营业执照？</strong>" in scenario
    saved = author.post("/console/guidance/scenarios/open-restaurant", {
        "title": "我想开个小饭馆", "summary": "开饭店要办的证", "audience": "business", "department": "市场监管局",
        "owner_centre_id": str(guide.business_owner.id), "questions.0.key": "has_shop", "questions.0.text": "有店面吗？",
        "questions.0.kind": "yesno", "outcomes.0.item": "SD0001", "outcomes.0.when.0": "has_shop=true"})
    assert saved.status_code == 303
    assert [(v.version, v.status) for v in authoring.versions(db_session, GuideScenario, "open-restaurant")] == \
        [(2, "draft"), (1, "published")]
    broken = author.post("/console/guidance/scenarios/open-restaurant", {
        "title": "我想开个小饭馆", "summary": "开饭店", "audience": "business", "department": "市场监管局",
        "owner_centre_id": str(guide.business_owner.id), "questions.0.key": "a", "questions.0.text": "有吗？",
        "questions.0.kind": "maybe", "outcomes.0.item": "SD0001", "outcomes.0.when.0": "b=true"})
    text = broken.get_data(as_text=True)
    assert broken.status_code == 422 and "问题类型只能是" in text and "这个条件所选的问题或选项已经不存在" in text
    client.get("/api/v1/guide/search", query_string={"q": "公积金怎么提取"})
    misses = author.get("/console/guidance/misses").get_data(as_text=True)
    assert "公积金怎么提取" in misses and "新建问答" in misses
    assert ConsoleUser(app).get("/console/guidance").status_code == 302


def test_publishing_a_scenario_reindexes_the_entries_that_link_it(db_session, guide):
    def linked_terms() -> dict:
        return db_session.scalars(select(GuideDoc.weights).where(GuideDoc.ref == "food-new-02")).one()

    assert "餐厅" not in linked_terms()
    current = authoring.versions(db_session, GuideScenario, "open-restaurant")[0]
    form = ScenarioForm(code="open-restaurant", title="我想开个小餐厅", summary=current.summary,
                        audience=current.audience, questions=current.questions, outcomes=current.outcomes,
                        owner_centre_id=current.owner_centre_id, department=current.department)
    authoring.save_scenario(db_session, guide.author, form, SEEDED_AT)
    authoring.publish(db_session, guide.manager, "scenario", "open-restaurant", SEEDED_AT)
    assert linked_terms()["餐厅"] == "C"


@pytest.mark.parametrize("words", ["社保", "证=证件", "=".join(f"词{n}" for n in range(13)), "社保=" + "保" * 31])
def test_a_synonym_group_that_would_expand_everything_or_nothing_is_refused(guide, words):
    with pytest.raises(ValidationError) as refused:
        SynonymForm(words=words, owner_centre_id=guide.business_owner.id, department="综合服务")
    assert "同义词组需要2-12个词，每个词2-30个字" in str(refused.value)
