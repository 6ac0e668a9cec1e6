"""注销 in the mini-program's own 我的 page (pages/me/index at /simulator/mp/, Chromium, live app): the wrong words
change nothing and say what to type; the right ones log out and say what happened; the same WeChat user cannot
log in again until the data is erased."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM
from tests.simulator.phone import current_page, open_phone

pytestmark = pytest.mark.integration
OPENID = "o-mp-leaving"
CONFIRM = "如确定注销，请输入“确认注销”"


def test_deleting_the_account_from_my_page(page: Page, live_server, committed_db, wechat, artifacts):
    with time_machine.travel(MONDAY_8AM, tick=True):
        me = current_page(open_phone(page, live_server, OPENID, "pages/me/index"), "pages/me/index")
        expect(me.get_by_text("实名状态：", exact=False)).to_be_visible()
        me.get_by_label(CONFIRM).fill("注销")
        me.get_by_role("button", name="注销账号").click()
        # The field's message in the 注销 card, under the field; the page's own line says something is wrong.
        card = me.locator("wx-view.card", has_text="注销账号：")
        expect(card.locator("wx-text.error")).to_have_text("请输入“确认注销”四个字，确认注销账号")
        expect(me.get_by_text("提交的信息有误，请按提示修改")).to_be_visible()
        assert_accessible(page, "mini-program account deletion refused")
        session = committed_db.session
        assert session.scalars(select(Citizen.deletion_requested_at).where(Citizen.openid == OPENID)).one() is None
        assert page.evaluate("localStorage.getItem('banshi.mp.banshi.token')")

        me.get_by_label(CONFIRM).fill("确认注销")
        me.get_by_role("button", name="注销账号").click()
        expect(me.get_by_text("账号已注销：登录已退出", exact=False)).to_be_visible()
        expect(me.locator("wx-text.error")).to_have_count(0)
        assert page.evaluate("localStorage.getItem('banshi.mp.banshi.token')") is None
        session.expire_all()
        assert session.scalars(select(Citizen.deletion_requested_at).where(Citizen.openid == OPENID)).one()

        # Opened again by the same WeChat user: the login is refused while the data waits to be erased.
        page.goto("about:blank")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login")) as login:
            page.goto(f"{live_server}/simulator/mp/?openid={OPENID}")
        assert login.value.status == 403
        refused = page.locator("#mp-phone").get_by_role("dialog")
        expect(refused).to_contain_text("登录没有成功")
        expect(refused).to_contain_text("该账号正在注销，个人信息清除后（约1小时）可重新登录使用")
        page.screenshot(path=artifacts / "mp-account-closing.png")
        assert page.evaluate("localStorage.getItem('banshi.mp.banshi.token')") is None
