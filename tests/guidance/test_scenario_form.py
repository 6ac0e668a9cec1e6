"""The scenario editor's form as the service sees it: rows of questions and outcomes become the scenario a YAML
document of the same content gives (one check for both), and a mistake is said at the row's field in Chinese."""

import pytest
import yaml
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from miniapp_api.guidance import authoring, scenario_rows
from miniapp_api.guidance.models import GuideScenario
from miniapp_api.platform.errors import DomainError
from tests.guidance.conftest import SEEDED_AT

SHOP_YAML = """
title: 我想开个小卖部
summary: 开小卖部要办的证
audience: business
department: 市场监管局
questions:
- key: q1
  text: 是否已经领取营业执照？
  kind: yesno
- key: q2
  text: 卖什么？
  kind: choice
  options:
  - {value: a1, label: 只卖预包装食品}
  - {value: a2, label: 现做现卖}
  when: {q1: true}
outcomes:
- item: SD0003
  when: {q1: false}
- item: SD0001
  when: {q2: a2}
  materials:
  - {name: 食品安全管理人员名单, key: false, form: original, count: 1}
- note: 只卖预包装食品的到窗口备案即可
  when: {q2: [a1]}
"""


def shop_post(guide, **changes) -> MultiDict:
    """The form as a browser posts it for the scenario above (the clerk typed Chinese and picked the rest)."""
    fields = {
        "title": "我想开个小卖部", "summary": "开小卖部要办的证", "audience": "business", "department": "市场监管局",
        "owner_centre_id": str(guide.business_owner.id),
        "questions.0.key": "", "questions.0.text": "是否已经领取营业执照？", "questions.0.kind": "yesno",
        "questions.1.key": "", "questions.1.text": "卖什么？", "questions.1.kind": "choice",
        "questions.1.options.0.value": "", "questions.1.options.0.label": "只卖预包装食品",
        "questions.1.options.1.value": "", "questions.1.options.1.label": "现做现卖",
        "questions.1.options.2.value": "", "questions.1.options.2.label": "",          # a blank row left over
        "questions.1.when.0": "q1=true",
        "questions.2.key": "", "questions.2.text": "", "questions.2.kind": "yesno",     # a blank question
        "outcomes.0.item": "SD0003", "outcomes.0.when.0": "q1=false", "outcomes.0.note": "",
        "outcomes.1.item": "食品经营许可证（新办）", "outcomes.1.when.0": "q2=a2", "outcomes.1.when.1": "",
        "outcomes.1.materials.0.name": "食品安全管理人员名单", "outcomes.1.materials.0.key": "false",
        "outcomes.1.materials.0.form": "original", "outcomes.1.materials.0.count": "1",
        "outcomes.2.item": "", "outcomes.2.note": "只卖预包装食品的到窗口备案即可", "outcomes.2.when.0": "q2=a1",
    }
    return MultiDict(fields | changes)


def from_form(session, guide, post: MultiDict, code: str = "small-shop"):
    values = {name: post[name] for name in ("title", "summary", "audience", "department", "owner_centre_id")
              if post.get(name)}
    return authoring.scenario_of_rows(session, {"code": code, **values}, scenario_rows.rows_of_post(post))


def refusal(session, guide, post: MultiDict) -> dict:
    with pytest.raises(DomainError) as refused:
        from_form(session, guide, post)
    assert refused.value.status == 422
    return refused.value.fields


def stored(row: GuideScenario) -> dict:
    return {name: getattr(row, name) for name in ("title", "summary", "audience", "owner_centre_id", "department",
                                                   "questions", "outcomes")}


def test_a_form_saved_and_a_yaml_saved_scenario_are_the_same(db_session, guide):
    by_form = authoring.save_scenario(db_session, guide.author, from_form(db_session, guide, shop_post(guide)),
                                      SEEDED_AT)
    record = yaml.safe_load(SHOP_YAML) | {"owner_centre": guide.business_owner.name}
    by_yaml = authoring.save_scenario(db_session, guide.author,
                                      authoring.scenario_of_yaml(db_session, yaml.safe_dump(record, allow_unicode=True),
                                                                 "small-shop-yaml"), SEEDED_AT)
    assert stored(by_form) == stored(by_yaml)
    # The item was picked by its name; the blank rows are left out; one pick is one value, not a list of one.
    assert by_form.outcomes[1]["item"] == "SD0001" and len(by_form.questions) == 2
    assert by_form.questions[1]["options"] == [{"value": "a1", "label": "只卖预包装食品"},
                                               {"value": "a2", "label": "现做现卖"}]
    assert by_form.outcomes[2] == {"note": "只卖预包装食品的到窗口备案即可", "when": {"q2": "a1"}}


def as_post(row: GuideScenario) -> MultiDict:
    """What the editor's page posts back untouched for a stored scenario."""
    rows = scenario_rows.rows_of_definition(row.questions, row.outcomes)
    post = MultiDict({"title": row.title, "summary": row.summary, "audience": row.audience,
                      "department": row.department, "owner_centre_id": str(row.owner_centre_id)})
    for part in ("questions", "outcomes"):
        for i, fields in enumerate(rows[part]):
            for name, value in fields.items():
                if name == "when":
                    post.update({f"{part}.{i}.when.{k}": pick for k, pick in enumerate(value)})
                elif isinstance(value, list):
                    post.update({f"{part}.{i}.{name}.{j}.{k}": v for j, sub in enumerate(value) for k, v in sub.items()})
                else:
                    post[f"{part}.{i}.{name}"] = value
    return post


def test_every_demo_scenario_comes_back_unchanged_through_the_form_and_the_export(db_session, guide):
    rows = db_session.scalars(select(GuideScenario).where(GuideScenario.status == "published")).all()
    assert len(rows) == 9
    for current in rows:
        by_form = from_form(db_session, guide, as_post(current), code=current.code)
        by_yaml = authoring.scenario_of_yaml(db_session, authoring.scenario_yaml(db_session, current), current.code)
        assert by_form.model_dump() == by_yaml.model_dump(), current.code
        assert (by_form.questions, by_form.outcomes) == (current.questions, current.outcomes), current.code
    exported = authoring.scenario_yaml(db_session, rows[0])
    assert exported.startswith(f"scenarios:\n- code: {rows[0].code}")


def test_an_unknown_item_or_a_bad_material_is_refused_at_its_field_in_chinese(db_session, guide):
    fields = refusal(db_session, guide, shop_post(guide, **{
        "outcomes.0.item": "NOPE-1", "outcomes.1.materials.0.count": "0",
        "outcomes.1.materials.1.name": "租赁合同", "outcomes.1.materials.1.form": "photo",
        "outcomes.1.materials.1.key": "true", "outcomes.1.materials.1.count": "1"}))
    assert fields["outcomes.0.item"] == "没有找到事项：NOPE-1"
    assert fields["outcomes.1.materials.0.count"] == "份数请填 1-20 的数字"
    assert fields["outcomes.1.materials.1.form"] == "材料形式只能是原件、复印件或原件和复印件"
    alone = refusal(db_session, guide, shop_post(guide, **{"outcomes.2.materials.0.name": "租赁合同"}))
    assert alone == {"outcomes.2.item": "有追加材料时请选择办理事项（材料列在事项下面）"}


def test_a_condition_on_a_question_or_choice_that_is_gone_is_refused(db_session, guide):
    fields = refusal(db_session, guide, shop_post(guide, **{
        "outcomes.0.when.0": "q9=true",              # no such question
        "outcomes.1.when.0": "q2=a7",                # no such choice
        "outcomes.2.when.0": "q2=a3"}))              # the blank third choice was never a choice
    assert fields == {name: "这个条件所选的问题或选项已经不存在，请重新选择"
                      for name in ("outcomes.0.when.0", "outcomes.1.when.0", "outcomes.2.when.0")}
    later = refusal(db_session, guide, shop_post(guide, **{"questions.1.when.0": "q2=a1"}))
    assert later == {"questions.1.when.0": "只能选择排在这个问题前面的问题作为条件"}


def test_the_definition_checks_land_on_the_rows_they_came_from(db_session, guide):
    post = shop_post(guide, **{"questions.1.options.1.label": "", "outcomes.3.materials.0.name": "",
                               "outcomes.3.note": "", "outcomes.3.item": "", "title": "",
                               "questions.3.text": "有", "questions.3.kind": "yesno"})
    fields = refusal(db_session, guide, post)
    assert fields["title"] == "此项必填"
    assert fields["questions.1.options"].startswith("选择题至少需要两个选项")
    assert fields["questions.3.text"] == "问题文字需要2-100个字"          # the blank row 2 is skipped, row 3 is named
    assert "outcomes.3" not in fields                                   # a blank outcome is left out, not refused


def test_adding_and_removing_rows_keeps_what_was_typed(guide):
    rows = scenario_rows.rows_of_post(shop_post(guide))
    rows = scenario_rows.edit(rows, "add:outcomes.1.materials")
    assert rows["outcomes"][1]["materials"][1] == {"name": "", "key": "true", "form": "original", "count": "1"}
    rows = scenario_rows.edit(rows, "remove:questions.2")
    rows = scenario_rows.edit(rows, "add:questions")
    assert [q["text"] for q in rows["questions"]] == ["是否已经领取营业执照？", "卖什么？", ""]
    assert [q["key"] for q in rows["questions"]] == ["q1", "q2", "q3"]
    assert scenario_rows.edit(rows, "remove:questions.99") == rows and scenario_rows.edit(rows, "drop:x") == rows
    picks = scenario_rows.answer_choices(rows, 1)
    assert picks == [{"number": 1, "text": "是否已经领取营业执照？", "picks": [("q1=true", "是"), ("q1=false", "否")]}]
