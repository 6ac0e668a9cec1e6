"""政策快享 in the console: the structured rule editor (rows → a versioned JSON rule, bad rows refused by row),
publication only with every case green, one business's explanation, grant cases reviewed and paid, and the
dashboard's figures."""

from sqlalchemy import select

from miniapp_api.policies.models import PolicyGrant, PolicyItem, PolicyRule
from tests.factories import make_staff, reloaded

CASES = ("- {name: 微型, facts: {size_class: micro, employees: 3}, eligible: true}\n"
         "- {name: 中型, facts: {size_class: medium, employees: 3}, eligible: false, failed: [size_class]}\n")


def test_the_editor_saves_rows_as_a_new_rule_version_and_refuses_bad_rows_by_row(console, world, db_session):
    manager = console(world["home_staff"])
    item = world["policy"]["item"]
    url = f"/console/policies/{item.id}"
    page = manager.get(url).get_data(as_text=True)
    assert "企业规模属于：微型" in page and "测试用例（2/2 通过）" in page
    bad = manager.post(url, {"fact_1": "size_class", "op_1": "in", "value_1": "特大型", "fact_2": "employees",
                             "op_2": "has", "value_2": "3", "cases": CASES})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "第1行条件" in text and "“企业规模”的取值只能是" in text and "第2行条件" in text
    assert db_session.scalar(select(PolicyRule.version).where(PolicyRule.policy_item_id == item.id)
                             .order_by(PolicyRule.version.desc()).limit(1)) == 1
    saved = manager.post(url, {"fact_1": "size_class", "op_1": "in", "value_1": "小型，微型", "fact_2": "employees",
                               "op_2": ">=", "value_2": "3", "fact_3": "industry_code", "op_3": "in",
                               "value_3": "H62", "group_3": "A", "fact_4": "licences", "op_4": "has",
                               "value_4": "食品经营许可证", "group_4": "A", "cases": CASES})
    assert saved.status_code == 303
    rule = db_session.scalars(select(PolicyRule).where(PolicyRule.policy_item_id == item.id)
                              .order_by(PolicyRule.version.desc())).first()
    assert (rule.version, rule.published_at) == (2, None)
    assert rule.rule == {"subject": "business", "all": [
        {"fact": "size_class", "op": "in", "value": ["small", "micro"]},
        {"fact": "employees", "op": ">=", "value": 3},
        {"any": [{"fact": "industry_code", "op": "in", "value": ["H62"]},
                 {"fact": "licences", "op": "has", "value": "食品经营许可证"}]}]}
    page = manager.get(url).get_data(as_text=True)
    # The cases lack the any-group's facts: both now fail, and publishing is refused.
    assert "测试用例（0/2 通过）" in page and "以下之一" in page
    refused = manager.post(f"{url}/publish")
    assert refused.status_code == 422 and "未通过" in refused.get_data(as_text=True)
    assert reloaded(db_session, item).rule_id != rule.id
    fixed = CASES.replace("employees: 3}", "employees: 3, industry_code: H6210}")
    manager.post(url, {"fact_1": "size_class", "op_1": "in", "value_1": "小型，微型", "fact_2": "employees",
                       "op_2": ">=", "value_2": "3", "fact_3": "industry_code", "op_3": "in", "value_3": "H62",
                       "group_3": "A", "fact_4": "licences", "op_4": "has", "value_4": "食品经营许可证",
                       "group_4": "A", "cases": fixed})
    assert manager.post(f"{url}/publish").status_code == 303
    item = reloaded(db_session, item)
    assert db_session.get(PolicyRule, item.rule_id).version == 3
    # The editor shows the published rule back as rows, the any-group as group A.
    page = manager.get(url).get_data(as_text=True)
    assert 'value="小型，微型"' in page and '<option value="A" selected>A</option>' in page


def test_staff_check_one_business_and_window_staff_cannot_publish(console, world, db_session):
    item, business = world["policy"]["item"], world["policy"]["business"]
    clerk = console(make_staff(db_session, [world["home"]], ("window_staff",)))
    page = clerk.get(f"/console/policies/{item.id}?credit_code={business.credit_code}").get_data(as_text=True)
    assert "测试小店符合条件" in page and "符合：企业规模属于：微型（您的企业规模为微型）" in page
    assert "发布这个版本" not in page
    assert clerk.post(f"/console/policies/{item.id}/publish").status_code == 404
    missing = clerk.get(f"/console/policies/{item.id}?credit_code=91371500MA00000000").get_data(as_text=True)
    assert "没有找到该个人或企业的数据" in missing


def test_grants_are_reviewed_and_paid_in_the_console_and_counted_on_the_dashboard(console, world, db_session):
    manager = console(world["home_staff"])
    grant = world["policy"]["grant"]
    listing = manager.get("/console/policy-grants").get_data(as_text=True)
    assert grant.reference in listing and "****1234" in listing
    refused = manager.post(f"/console/policy-grants/{grant.id}/review", {"approve": "no"})
    assert refused.status_code == 422 and "不通过时请写明原因" in refused.get_data(as_text=True)
    assert manager.post(f"/console/policy-grants/{grant.id}/review", {"approve": "yes"}).status_code == 303
    assert manager.post(f"/console/policy-grants/{grant.id}/paid").status_code == 303
    assert db_session.scalar(select(PolicyGrant.status).where(PolicyGrant.id == grant.id)) == "paid"
    assert manager.post(f"/console/policy-grants/{grant.id}/paid").status_code == 409
    dashboard = manager.get("/console/dashboard").get_data(as_text=True)
    assert "已发布政策事项 1 个，其中免申即享 100.0%" in dashboard
    title = db_session.scalar(select(PolicyItem.title).where(PolicyItem.id == world["policy"]["item"].id))
    assert f"<td>{title}</td><td>免申即享</td><td>测试局</td><td>1</td><td>1</td><td>0</td><td>0</td><td>1</td>" in dashboard
