"""我的 in the simulator (Chromium, live app): 短信提醒 switched off per kind, kept after saving."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM
from tests.simulator.test_simulator import new_citizen

pytestmark = pytest.mark.integration


def test_sms_reminders_can_be_switched_off_per_kind(page: Page, live_server, committed_db, wechat):
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "孙短信")
        page.goto(f"{live_server}/simulator/#/me")
        expect(page.get_by_label("候补成功通知")).to_be_checked()
        assert_accessible(page, "simulator my page with SMS reminders")
        page.get_by_label("候补成功通知").uncheck()
        page.get_by_role("button", name="保存短信提醒设置").click()
        expect(page.locator("#sms-saved")).to_have_text("已保存")
        page.reload()
        expect(page.get_by_label("候补成功通知")).not_to_be_checked()
        expect(page.get_by_label("证照到期提醒")).to_be_checked()
