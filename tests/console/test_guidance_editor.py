"""智能导服 in the console as an author meets it: the Q&A list a page at a time and searchable, YAML mistakes said by
line and column in Chinese, and a scenario's conditions previewed in the author's own words."""

from __future__ import annotations

import html

import yaml

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
    assert "has_licence=" not in page and MONDAY_8AM.year == 2026
