"""智能导服 in the console as an author meets it: the Q&A list a page at a time and searchable, YAML mistakes said by
line and column in Chinese, and a scenario's conditions previewed in the author's own words."""

from __future__ import annotations

import html
import re

import yaml
from sqlalchemy import select

from miniapp_api.guidance.models import GuideEntry, GuideScenario
from miniapp_api.platform.errors import yaml_problem
from tests.factories import MONDAY_8AM


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_q_and_a_list_comes_a_page_at_a_time_and_the_search_narrows_it(console, world, db_session):
    home = world["home"]
    common = {"version": 1, "status": "draft", "owner_centre_id": home.id, "department": "综合服务",
              "created_by": "测试", "variants": [], "item_codes": [], "scenario_codes": [], "centre_ids": []}
    for n in range(64):
        db_session.add(GuideEntry(code=f"qa-{n:03d}", question=f"社保问题第{n}条" if n % 2 else f"医保问题第{n}条",
                                  answer="答案", **common))
    db_session.commit()
    user = console(world["home_staff"])
    first = text_of(user.get("/console/guidance"))
    assert "问答（65）" in first and "第 1 页，共 3 页" in first and first.count('<tr><td><a href="/console/guidance/entries/') == 30
    third = text_of(user.get("/console/guidance?page=3"))
    assert "第 3 页，共 3 页" in third and "下一页" not in third and "上一页" in third
    assert "第 1 页" in text_of(user.get("/console/guidance?page=abc"))
    searched = text_of(user.get("/console/guidance?q=医保"))
    assert "问答（32）" in searched and "社保问题" not in searched and "第 1 页，共 2 页" in searched
    assert "q=%E5%8C%BB%E4%BF%9D&amp;page=2" in user.get("/console/guidance?q=医保").get_data(as_text=True)


def test_yaml_mistakes_are_said_by_line_and_column_in_plain_words():
    for broken, line, words in (("- key: a\n  text: 是否: 有执照\n", 2, "加上引号"),
                                ("- {key: a, text: 是否有执照\n", 2, "花括号"),
                                ("- key: a\n\ttext: b\n", 2, "Tab")):
        try:
            yaml.safe_load(broken)
        except yaml.YAMLError as exc:
            said = yaml_problem(exc)
        else:
            raise AssertionError(f"{broken!r} parsed")
        assert said.startswith(f"YAML 格式错误：第 {line} 行") and words in said, said
        assert "expected" not in said and "mapping" not in said


def test_the_scenario_preview_reads_its_conditions_in_words(console, world, db_session):
    home, item = world["home"], world["item"]
    db_session.add(GuideScenario(
        code="small-restaurant", version=1, status="draft", owner_centre_id=home.id, department="市场监管局",
        created_by="测试", title="我想开个小饭馆", summary="开饭馆要办的事", audience="business",
        questions=[{"key": "has_licence", "text": "是否已有营业执照", "kind": "yesno"},
                   {"key": "area", "text": "店面多大", "kind": "choice",
                    "options": [{"value": "small", "label": "50 平方米以下"}, {"value": "large", "label": "50 平方米以上"}]}],
        outcomes=[{"item": item.code, "when": {"has_licence": False, "area": ["small", "large"]}}]))
    db_session.commit()
    page = text_of(console(world["home_staff"]).get("/console/guidance/scenarios/small-restaurant"))
    preview = page.split('aria-label="群众看到的样子"')[1].split("</section>")[0]
    assert "（当“是否已有营业执照”答“否”，且“店面多大”答“50 平方米以下”或“50 平方米以上”时）" in preview, preview
    # The keys are only in the form's hidden values (what a condition picks), never in what the author reads.
    assert "has_licence" not in re.sub(r"<[^>]+>", "", page) and MONDAY_8AM.year == 2026


def scenario_post(user, url: str, data: dict):
    return user.client.post(url, data={"csrf_token": user.csrf(), **data})


def test_a_refused_scenario_form_comes_back_with_every_row_as_typed(console, world, db_session):
    user, item = console(world["home_staff"]), world["item"]
    url = f"/console/guidance/scenarios/{world['guide']['scenario']}"
    typed = {
        "title": "测试情景改", "summary": "改过的简介", "audience": "business", "department": "综合服务",
        "owner_centre_id": str(world["home"].id),
        "questions.0.key": "first", "questions.0.text": "是否第一次办理？", "questions.0.kind": "yesno",
        "questions.1.key": "", "questions.1.text": "住在哪里？", "questions.1.kind": "choice",
        "questions.1.options.0.value": "", "questions.1.options.0.label": "本市",
        "questions.1.options.1.value": "", "questions.1.options.1.label": "外地",
        "questions.1.when.0": "first=false",
        "questions.2.key": "", "questions.2.text": "有", "questions.2.kind": "yesno",
        "outcomes.0.item": item.code, "outcomes.0.when.0": "first=true", "outcomes.0.note": "第一次办理请带齐材料",
        "outcomes.0.materials.0.name": "户口簿", "outcomes.0.materials.0.key": "false",
        "outcomes.0.materials.0.form": "copy", "outcomes.0.materials.0.count": "30",
        "outcomes.1.item": "NOPE-9", "outcomes.1.when.0": "q2=a2", "outcomes.1.when.1": "gone=true",
    }
    before = [(v.version, v.status, v.title) for v in db_session.scalars(select(GuideScenario))]
    answer = scenario_post(user, url, typed)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "未做任何更改" in page
    for value in ("测试情景改", "改过的简介", "是否第一次办理？", "住在哪里？", "本市", "外地", "第一次办理请带齐材料", "户口簿",
                  "NOPE-9"):
        assert f'value="{value}"' in page, value
    assert 'value="30"' in page and 'value="copy" selected' in page and 'value="false" selected' in page
    for picked in ("first=false", "first=true", "q2=a2"):
        assert f'value="{picked}" selected' in page, picked
    assert '<option value="gone=true" selected>（所选的问题或选项已不存在）</option>' in page
    errors = dict(re.findall(r'<p class="field-error" id="e-([\w-]+)">(.*?)</p>', page))
    assert errors == {"questions-2-text": "问题文字需要2-100个字", "outcomes-0-materials-0-count": "份数请填 1-20 的数字",
                      "outcomes-1-item": "没有找到事项：NOPE-9",
                      "outcomes-1-when-1": "这个条件所选的问题或选项已经不存在，请重新选择"}, errors
    assert re.search(r'name="outcomes.1.item"[^>]*aria-invalid="true" aria-describedby="e-outcomes-1-item"', page)
    db_session.expire_all()
    assert [(v.version, v.status, v.title) for v in db_session.scalars(select(GuideScenario))] == before


def test_adding_and_removing_rows_draws_the_form_again_without_saving(console, world, db_session):
    user = console(world["home_staff"])
    url = f"/console/guidance/scenarios/{world['guide']['scenario']}"
    typed = {"title": "还没保存的名称", "summary": "测试", "audience": "citizen", "department": "综合服务",
             "owner_centre_id": str(world["home"].id),
             "questions.0.key": "first", "questions.0.text": "是否第一次？", "questions.0.kind": "yesno",
             "outcomes.0.item": world["item"].code}
    added = scenario_post(user, url, {**typed, "edit": "add:questions"})
    page = added.get_data(as_text=True)
    assert added.status_code == 200 and 'value="还没保存的名称"' in page and "第2个问题" in page
    assert 'name="questions.1.key" value="q2"' in page           # a key the conditions can name, made up
    with_material = scenario_post(user, url, {**typed, "edit": "add:outcomes.0.materials"}).get_data(as_text=True)
    assert 'name="outcomes.0.materials.0.name"' in with_material
    removed = scenario_post(user, url, {**typed, "edit": "remove:questions.0"}).get_data(as_text=True)
    assert "是否第一次？" not in removed.split("scenario-form")[1]
    db_session.expire_all()
    assert db_session.scalar(select(GuideScenario.title).where(GuideScenario.code == world["guide"]["scenario"])) \
        == "测试情景"


def test_yaml_is_exported_and_imported_on_the_same_page(console, world, db_session):
    user = console(world["home_staff"])
    url = f"/console/guidance/scenarios/{world['guide']['scenario']}"
    exported = user.client.get(f"{url}?format=yaml")
    assert exported.status_code == 200 and exported.mimetype == "text/yaml"
    assert "attachment" in exported.headers["Content-Disposition"]
    text = exported.get_data(as_text=True).replace("title: 测试情景", "title: 导入的情景")
    assert scenario_post(user, url, {"edit": "import", "yaml": text}).status_code == 303
    db_session.expire_all()
    newest = db_session.scalars(select(GuideScenario).where(GuideScenario.code == world["guide"]["scenario"])
                                .order_by(GuideScenario.version.desc())).first()
    assert (newest.version, newest.status, newest.title) == (2, "draft", "导入的情景")
    # Without its owner the YAML keeps the scenario's own (a hand-written one need not name it).
    short = "\n".join(line for line in text.splitlines() if not line.startswith(("  owner_centre:", "  department:")))
    assert scenario_post(user, url, {"edit": "import", "yaml": short.replace("导入的情景", "再次导入")}).status_code == 303
    wrong = text.replace("kind: yesno", "kind: maybe")
    refused = scenario_post(user, url, {"edit": "import", "yaml": wrong})
    page = text_of(refused)
    line = wrong.splitlines().index("    kind: maybe") + 1
    assert refused.status_code == 422 and f"第 {line} 行（第1个问题的回答方式（kind））：问题类型只能是" in page
    assert "kind: maybe" in page                                      # the text is kept


def test_every_place_to_correct_is_listed_with_a_link_to_it(console, world):
    user = console(world["home_staff"])
    url = f"/console/guidance/scenarios/{world['guide']['scenario']}"
    answer = scenario_post(user, url, {"title": "", "summary": "测试", "audience": "citizen", "department": "综合服务",
                                       "owner_centre_id": str(world["home"].id),
                                       "questions.0.key": "first", "questions.0.text": "是否第一次？",
                                       "questions.0.kind": "yesno", "questions.1.key": "first",
                                       "questions.1.text": "住在本市吗？", "questions.1.kind": "yesno"})
    page = text_of(answer)
    assert answer.status_code == 422 and "有 3 处需要改正，已在下面标出；未做任何更改。" in page
    links = re.findall(r'<li><a href="#([\w-]+)">(.*?)</a></li>', page)
    assert links == [("f-title", "此项必填"), ("questions-1", "第2个问题：问题编号 first 重复"),
                     ("outcomes", "至少需要一个结果事项")], links
    assert 'id="e-questions-1-key"' in page
