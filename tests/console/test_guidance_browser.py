"""智能导服 authoring in Chromium: edit an entry, see the draft's preview, publish it, and the misses report;
axe-core on each page."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.centres.models import Centre
from miniapp_api.demo import seed_demo
from miniapp_api.demo.guidance import guidance_data, seed_guidance
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import make_staff

pytestmark = pytest.mark.integration


@pytest.fixture
def guidance_manager(committed_db, wechat):
    session = committed_db.session
    seed_demo(session)
    seed_guidance(session, utcnow())
    owner = session.scalar(select(Centre).where(Centre.name == guidance_data()["owners"]["business"]["centre"]))
    manager = make_staff(session, [owner], ("centre_manager",), name="周强")
    session.commit()
    return manager


def test_edit_preview_publish_and_the_misses_report(page: Page, live_server, guidance_manager, artifacts):
    sign_in(page, live_server, guidance_manager.username)
    page.get_by_role("link", name="智能导服").first.click()
    expect(page.get_by_role("heading", name="智能导服", exact=True)).to_be_visible()
    assert_accessible(page, "console guidance")
    page.get_by_role("link", name="food-new-05").click()
    page.get_by_label("答案（白话）").fill("不收费，材料齐全当场受理。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flash")).to_have_text("已保存为第2版草稿，发布后群众才能看到")
    expect(page.locator(".preview")).to_contain_text("不收费，材料齐全当场受理。")
    assert_accessible(page, "console guidance entry")
    before = requests.get(f"{live_server}/api/v1/guide/search", params={"q": "办食品证收费吗"}, timeout=10).json()
    assert before["best"]["answer"] == "不收费。"                                   # the draft is not out yet
    page.get_by_role("button", name="发布第2版").click()
    expect(page.locator(".flash")).to_have_text("已发布第2版，群众现在看到的是这一版")
    after = requests.get(f"{live_server}/api/v1/guide/search", params={"q": "办食品证收费吗"}, timeout=10).json()
    assert after["best"]["answer"] == "不收费，材料齐全当场受理。"
    page.screenshot(path=artifacts / "console-guidance-entry.png", full_page=True)
    requests.get(f"{live_server}/api/v1/guide/search", params={"q": "公积金怎么提取"}, timeout=10)
    page.get_by_role("link", name="未解答问题").first.click()
    expect(page.locator("table")).to_contain_text("公积金怎么提取")
    assert_accessible(page, "console guidance misses")
    page.goto(f"{live_server}/console/guidance/import")
    assert_accessible(page, "console guidance import")


def test_a_clerk_builds_a_two_question_scenario_with_the_form(page: Page, live_server, guidance_manager, artifacts):
    sign_in(page, live_server, guidance_manager.username)
    page.goto(f"{live_server}/console/guidance/scenarios/new")
    page.get_by_label("编号").fill("small-shop")
    page.get_by_label("情景名称").fill("我想开个小吃店")
    page.get_by_label("简介").fill("开小吃店要办哪些证")
    page.get_by_label("服务对象").select_option(label="法人")
    first, outcome = page.locator("#questions-0"), page.locator("#outcomes-0")
    expect(first.locator(".options")).to_be_hidden()                  # a yes/no question has no choices to fill
    first.get_by_label("问题（群众看到的问法").fill("是否已经领取营业执照？")
    page.get_by_role("button", name="增加一个问题").click()
    second = page.locator("#questions-1")
    expect(second.get_by_role("group", name="第2个问题")).to_have_count(0)
    expect(first.get_by_label("问题（群众看到的问法")).to_have_value("是否已经领取营业执照？")   # typing kept
    second.get_by_label("问题（群众看到的问法").fill("经营面积多大？")
    second.get_by_label("回答方式").select_option(label="从几个选项中选一个")
    expect(second.locator(".options")).to_be_visible()                # two choice rows are ready to fill
    second.get_by_label("选项1", exact=True).fill("50平方米以下")
    second.get_by_label("选项2", exact=True).fill("50平方米及以上")
    outcome.get_by_label("办理事项").fill("食品经营许可证（新办）")
    outcome.get_by_role("button", name="增加条件").click()            # the conditions list the answers typed so far
    page.locator("#outcomes-0").get_by_label("条件1").select_option(label="“是否已经领取营业执照？”答“是”")
    page.get_by_role("button", name="增加一个结果").click()
    extra = page.locator("#outcomes-1")
    extra.get_by_label("提示（选填").fill("面积较大的要另带食品安全管理人员名单")
    extra.get_by_label("办理事项").fill("SD0001")
    extra.get_by_role("button", name="增加条件").click()
    extra = page.locator("#outcomes-1")
    extra.get_by_label("条件1").select_option(label="“经营面积多大？”答“50平方米及以上”")
    extra.get_by_role("button", name="增加材料").click()
    extra = page.locator("#outcomes-1")
    extra.get_by_label("材料1名称").fill("食品安全管理人员名单")
    extra.get_by_label("是否必需").select_option(label="可容缺")
    page.get_by_label("归属部门").fill("市场监管局")
    assert_accessible(page, "console scenario form")
    page.screenshot(path=artifacts / "console-scenario-form.png", full_page=True)
    page.locator("#outcomes-0").get_by_label("办理事项").fill("开小吃店许可")      # not an item of the catalogue
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#e-outcomes-0-item")).to_have_text("没有找到事项：开小吃店许可")
    expect(page.locator("#questions-1").get_by_label("选项2", exact=True)).to_have_value("50平方米及以上")
    expect(page.locator("#outcomes-1").get_by_label("条件1")).to_have_value("q2=a2")
    assert_accessible(page, "console scenario refused")
    page.screenshot(path=artifacts / "console-scenario-refused.png", full_page=True)
    page.locator("#outcomes-0").get_by_label("办理事项").fill("食品经营许可证（新办）")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flash")).to_have_text("已保存为第1版草稿，发布后群众才能看到")
    preview = page.locator(".preview")
    expect(preview).to_contain_text("第一个问题：是否已经领取营业执照？")
    expect(preview).to_contain_text("办理 食品经营许可证（新办）（当“是否已经领取营业执照？”答“是”时）")
    expect(preview).to_contain_text("办理 食品经营许可证（新办）（当“经营面积多大？”答“50平方米及以上”时）：面积较大的要另带食品安全管理人员名单")
    expect(preview).to_contain_text("另带材料：食品安全管理人员名单（原件1份，可容缺）")
    expect(page.locator("#outcomes-1").get_by_label("材料1名称")).to_have_value("食品安全管理人员名单")
    assert_accessible(page, "console scenario saved")
    page.screenshot(path=artifacts / "console-scenario-saved.png", full_page=True)
