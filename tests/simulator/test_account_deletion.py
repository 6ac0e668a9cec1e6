"""注销 in the simulator (Chromium, live app): the wrong words change nothing; the right ones log out and say
what happened; the same WeChat user cannot log in again until the data is erased."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM
from tests.simulator.test_simulator import new_citizen

pytestmark = pytest.mark.integration


def test_deleting_the_account_from_my_page(page: Page, live_server, committed_db, wechat):
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "钱离开")
        openid = page.evaluate("localStorage.getItem('banshi.sim.openid')")
        page.goto(f"{live_server}/simulator/#/me")
        page.get_by_label("如确定注销，请输入“确认注销”").fill("注销")
        page.get_by_role("button", name="注销账号").click()
        expect(page.locator("#delete-account .field-error")).to_contain_text("确认注销")
        assert_accessible(page, "simulator account deletion refused")
        session = committed_db.session
        assert session.scalars(select(Citizen.deletion_requested_at).where(Citizen.openid == openid)).one() is None

        page.get_by_label("如确定注销，请输入“确认注销”").fill("确认注销")
        page.get_by_role("button", name="注销账号").click()
        expect(page.locator("#deletion-result")).to_contain_text("账号已注销：登录已退出")
        assert page.evaluate("localStorage.getItem('banshi.token')") is None
        session.expire_all()
        assert session.scalars(select(Citizen.deletion_requested_at).where(Citizen.openid == openid)).one()
