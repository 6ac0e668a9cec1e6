"""代办点 in a real browser: the village clerk signs in to the desk (nothing else in the menu), writes down a request
for an elderly man with no account — a wrong phone number first, kept on the form — and sees it listed; the hall's
manager finds it in 帮办代办 marked with the site, and its page says whom to call. axe-core on each page."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.staff.models import Role
from tests.assistance.test_sites import a_site
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, build_hall, make_staff

pytestmark = pytest.mark.integration


def test_a_village_clerk_registers_a_request_the_hall_then_sees(page: Page, live_server, committed_db, wechat,
                                                                artifacts):
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        site = a_site(session, hall.centre)
        clerk = make_staff(session, [site], (Role.SITE_CLERK,), name="村代办员")
        manager = make_staff(session, [hall.centre], ("centre_manager",), name="钱主任")
        session.commit()
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, clerk.username)
        expect(page.get_by_role("heading", level=1)).to_have_text(site.name)
        menu = page.get_by_role("navigation", name="主菜单")
        expect(menu.get_by_role("link")).to_have_text(["代办点", "登记求助", "代收材料"])
        assert_accessible(page, "site desk")

        page.get_by_role("link", name="登记求助").first.click()
        page.get_by_label("群众姓名").fill("王德福")
        page.get_by_label("联系电话（手机号）").fill("1391234")
        page.get_by_label("需要帮忙办的事（5 到 500 字）").fill("老人想办残疾人证，不会用手机")
        page.get_by_role("button", name="登记并转交").click()
        expect(page.get_by_role("alert")).to_contain_text("未做任何更改")
        expect(page.get_by_label("群众姓名")).to_have_value("王德福")
        expect(page.get_by_label("需要帮忙办的事（5 到 500 字）")).to_have_value("老人想办残疾人证，不会用手机")
        assert_accessible(page, "site request refused")
        page.get_by_label("联系电话（手机号）").fill("13912345678")
        page.get_by_role("button", name="登记并转交").click()
        expect(page.get_by_role("status")).to_contain_text("已登记帮办请求")
        expect(page.get_by_role("table", name="近 30 天登记的求助")).to_contain_text("王**")
        page.screenshot(path=str(artifacts / "console-site-desk.png"), full_page=True)

        hall_browser = page.context.browser.new_context()
        boss = hall_browser.new_page()
        boss.set_viewport_size({"width": 1280, "height": 900})
        sign_in(boss, live_server, manager.username)
        boss.get_by_role("link", name="帮办代办").click()
        row = boss.get_by_role("row").filter(has_text=f"{site.name}登记")
        expect(row).to_contain_text("待分派")
        row.get_by_role("link").first.click()
        expect(boss.locator("#requester")).to_contain_text("没有小程序账号，请打电话联系")
        assert_accessible(boss, "assistance from a site")
        hall_browser.close()
