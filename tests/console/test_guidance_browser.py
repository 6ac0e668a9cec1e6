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
