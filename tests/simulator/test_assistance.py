"""帮办代办 from the citizen's side, through the mini-program's own pages at /simulator/mp/ (Chromium, live app): an
elderly citizen asks for help from 我的 in her own words, choosing no item; the helper settles the item with her and
asks to act for her; the consent card names where and what before she agrees (同意代办); the helper books under the
grant; she ends the grant on the page (asked first, in plain words), and from that moment the helper is refused."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.appointments.models import Appointment
from miniapp_api.assistance import services
from miniapp_api.assistance.models import AssistanceRequest, GrantStatus
from miniapp_api.platform.errors import DomainError
from tests.assistance.conftest import Desk
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM
from tests.simulator.phone import current_page, open_phone
from tests.simulator.test_filing import card

pytestmark = pytest.mark.integration
SITUATION = "年纪大了，腿脚不便，想办老年人优待证，不会在手机上预约"


def test_a_citizen_asks_for_help_agrees_to_a_bounded_grant_and_ends_it(page: Page, live_server, committed_db, app,
                                                                        wechat, artifacts):
    session = committed_db.session
    cipher = app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        desk = Desk(session, cipher)
        session.commit()
        phone = open_phone(page, live_server, desk.citizen.openid)
        phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
        me = current_page(phone, "pages/me/index")
        expect(me.get_by_text("实名状态：已实名核验")).to_be_visible()   # loaded: nothing moves under the tap
        me.get_by_text("帮办代办（请工作人员帮您办）", exact=True).click()
        asking = current_page(phone, "pages/assistance/index")
        expect(asking.locator("wx-picker")).not_to_contain_text("请选择")   # the centres came: the sheet lists them
        asking.locator("wx-picker").click()
        phone.get_by_role("dialog").get_by_role("button", name=desk.centre.name).click()
        expect(asking.get_by_text(f"服务中心：{desk.centre.name}")).to_be_visible()
        asking.locator("wx-textarea textarea, textarea").first.fill(SITUATION)
        asking.get_by_role("button", name="提交帮办请求").click()
        expect(asking.get_by_text("已提交。帮办员会在 11月24日（周二） 前打电话联系您", exact=False)).to_be_visible()
        box = asking.locator("wx-textarea textarea, textarea").first
        expect(box).to_have_value("")                                     # sent: the box is empty again
        asking.get_by_role("button", name="提交帮办请求").click()          # a second tap sends nothing new
        expect(asking.get_by_text("请选择事项，或写下您需要帮助办理的事情").first).to_be_visible()
        request = session.scalars(select(AssistanceRequest)).one()
        assert (request.centre_id, request.item_id, request.situation) == (desk.centre.id, None, SITUATION)

        # The helper calls her, settles the item, and asks to act for her (the console's steps, walked in
        # tests/assistance/test_console_browser.py).
        services.assign(session, desk.manager, request.id, desk.helper.id, MONDAY_8AM)
        services.record_contact(session, desk.helper, request, "已电话联系，约好代为预约", MONDAY_8AM)
        grant = services.ask_to_act(session, desk.helper, request, scopes=["book"], purpose="代您预约窗口办理",
                                    valid_hours=24, now=MONDAY_8AM, item_code=desk.hall.quick.code)
        session.commit()

        phone = open_phone(page, live_server, desk.citizen.openid, "pages/assistance/index")
        asking = current_page(phone, "pages/assistance/index")
        card(asking, SITUATION).click()
        detail = current_page(phone, "pages/assistance/detail")
        consent = card(detail, "帮办员申请代您办理")
        expect(consent).to_contain_text("帮办员申请代您办理：代为预约，有效 24 小时。事由：代您预约窗口办理")
        expect(consent).to_contain_text(f"在{desk.centre.name}预约“{desk.hall.quick.name}”，不能办别的事")
        assert_accessible(page, "mini-program assistance consent")
        page.screenshot(path=artifacts / "mp-assistance-consent.png")
        detail.get_by_role("button", name="同意代办").click()
        expect(detail.get_by_text("已同意，帮办员可以在授权时间内代您预约")).to_be_visible()
        expect(detail.get_by_text(f"代办授权生效中（代为预约“{desk.hall.quick.name}”）", exact=False)).to_be_visible()
        session.expire_all()
        assert session.get(type(grant), grant.id).status == GrantStatus.ACTIVE

        slot = desk.hall.slot(session, desk.hall.general, "2026-11-25 09:00")
        request = session.get(AssistanceRequest, request.id)
        booked = services.book_for_requester(session, cipher, desk.helper, request, slot_id=slot.id,
                                             item_codes=[desk.hall.quick.code], now=MONDAY_8AM)
        session.commit()
        assert booked.citizen_id == desk.citizen.id

        # She ends it on the page: asked first in plain words, and the helper is stopped at once.
        phone = open_phone(page, live_server, desk.citizen.openid, f"pages/assistance/detail?id={request.id}")
        detail = current_page(phone, "pages/assistance/detail")
        expect(card(detail, "帮办员已为您预约")).to_contain_text("11月23日（周一）08:00")   # as people say times
        expect(detail.get_by_text("T08:00", exact=False)).to_have_count(0)
        detail.get_by_role("button", name="结束授权").click()
        expect(detail.get_by_text("确定结束代办授权吗？", exact=False)).to_be_visible()
        detail.get_by_role("button", name="是，结束授权").click()
        expect(detail.get_by_text("授权已结束")).to_be_visible()
        session.expire_all()
        request = session.get(AssistanceRequest, request.id)
        with pytest.raises(DomainError) as refused:
            services.book_for_requester(session, cipher, desk.helper, request, slot_id=slot.id,
                                        item_codes=[desk.hall.quick.code], now=MONDAY_8AM)
        assert refused.value.code == services.GRANT_NOT_IN_FORCE
        session.rollback()
        assert len(session.scalars(select(Appointment).where(Appointment.citizen_id == desk.citizen.id)).all()) == 1
