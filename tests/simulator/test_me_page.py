"""我的 in the mini-program's own page (pages/me/index at /simulator/mp/, Chromium, live app): 短信提醒 switched
off per kind, kept on the server after saving and shown so when the page is opened again."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications import services as notifications
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM
from tests.simulator.phone import current_page, open_phone

pytestmark = pytest.mark.integration
OPENID = "o-mp-sms"


def sms_kind(me, name):
    """The checkbox of one kind of SMS reminder, named by its label (the kind's name)."""
    return me.get_by_role("checkbox", name=name, exact=True)


def test_sms_reminders_can_be_switched_off_per_kind(page: Page, live_server, committed_db, wechat):
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, OPENID, "pages/me/index")
        me = current_page(phone, "pages/me/index")
        expect(sms_kind(me, "候补成功通知")).to_have_attribute("aria-checked", "true")
        expect(sms_kind(me, "证照到期提醒")).to_have_attribute("aria-checked", "true")
        assert_accessible(page, "mini-program my page with SMS reminders")

        me.get_by_text("候补成功通知", exact=True).click()
        expect(sms_kind(me, "候补成功通知")).to_have_attribute("aria-checked", "false")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/me/sms") and r.request.method == "PUT") as put:
            me.get_by_role("button", name="保存短信提醒设置").click()
        assert put.value.ok
        expect(me.get_by_text("短信提醒设置已保存")).to_be_visible()
        session = committed_db.session
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        assert notifications.sms_opt_outs(session, citizen.id) == {"waitlist_offer"}   # only the one unticked

        page.reload()
        me = current_page(page.locator("#mp-phone"), "pages/me/index")
        expect(sms_kind(me, "证照到期提醒")).to_have_attribute("aria-checked", "true")
        expect(sms_kind(me, "候补成功通知")).to_have_attribute("aria-checked", "false")
