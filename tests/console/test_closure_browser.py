"""暂停服务 in real browsers: a centre manager closes a day in the console (the first try says how many bookings
it would cancel and keeps what was typed), and the citizen whose booking it cancelled reads why in the
mini-program's own 消息 page (/simulator/mp/), whose one tap opens the booking page on the earliest equivalent
slot, and books it. axe-core on both; screenshots kept."""

from __future__ import annotations

import re

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.appointments import services
from miniapp_api.appointments.models import Appointment, AppointmentStatus
from miniapp_api.citizens.models import Citizen
from miniapp_api.platform.clock import local
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, build_hall, id_number, make_staff
from tests.simulator.phone import current_page, open_phone, open_verified_phone

pytestmark = pytest.mark.integration
OPENID = "o-mp-closure"


def test_a_manager_closes_a_day_and_the_citizen_is_told_with_a_way_to_book_again(
        page: Page, live_server, committed_db, app, wechat, artifacts):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        manager = make_staff(session, [hall.centre], ("centre_manager",), name="赵主任")
        session.commit()
        open_verified_phone(page, live_server, session, cipher, OPENID, "孙阿姨", id_number(9701))
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        booked = services.book_appointment(
            session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
            slot_id=hall.slot(session, hall.general, "2026-11-24 09:00").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        session.commit()

        console = page.context.new_page()
        console.set_viewport_size({"width": 1280, "height": 900})
        sign_in(console, live_server, manager.username)
        console.goto(f"{live_server}/console/centres/{hall.centre.id}")
        console.get_by_role("link", name="安排暂停服务 / 恢复服务").click()
        console.get_by_label("日期").fill("2026-11-24")
        console.get_by_label("原因（会告诉群众，如：暴雨红色预警）").fill("暴雨红色预警")
        console.get_by_role("button", name="暂停服务").click()
        expect(console.get_by_role("status")).to_contain_text("已有 1 个预约")
        expect(console.get_by_label("原因（会告诉群众，如：暴雨红色预警）")).to_have_value("暴雨红色预警")
        expect(console.locator("#e-confirm")).to_be_visible()
        assert_accessible(console, "closure preview")
        console.screenshot(path=str(artifacts / "console-closure-preview.png"), full_page=True)
        console.get_by_label("我已知晓：这段时间的预约将全部取消并通知本人，不计为爽约").check()
        console.get_by_role("button", name="暂停服务").click()
        expect(console.get_by_text("已暂停服务：取消了 1 个预约")).to_be_visible()
        expect(console.get_by_role("row").filter(has_text="暴雨红色预警")).to_contain_text("11月24日")
        console.screenshot(path=str(artifacts / "console-closure-done.png"), full_page=True)
        session.expire_all()
        assert session.get(Appointment, booked.id).status == AppointmentStatus.CANCELLED

        # 消息 on the phone: the notice says why, that it costs nothing, and the earliest slot offered instead.
        phone = open_phone(page, live_server, OPENID, "pages/messages/index")
        notice = current_page(phone, "pages/messages/index").locator("wx-view.card", has_text="暂停服务，预约已取消")
        expect(notice).to_contain_text("暴雨红色预警")
        expect(notice).to_contain_text("不算爽约")
        expect(notice).to_contain_text("点开本消息即可预约")
        offered = re.search(r"最早可改约：(.+?)，(\d+)月(\d+)日 (\d\d:\d\d)", notice.inner_text())
        assert offered and offered[1] == hall.centre.name
        assert_accessible(page, "closure message")
        page.screenshot(path=str(artifacts / "mp-closure-message.png"), full_page=True)

        # One tap: the booking page on that centre and day, the offered time among its free times; booked.
        notice.click()
        expect(phone.locator(".mp-title")).to_have_text("预约办事")
        book = current_page(phone, "pages/book/index")
        day = f"2026-{int(offered[2]):02d}-{int(offered[3]):02d}"
        expect(book.get_by_role("button", name=f"办理地点：{hall.centre.name}")).to_be_visible()
        expect(book.get_by_role("button", name=f"日期：{day}")).to_be_visible()
        slot = book.locator("wx-view.slot:not(.full)", has_text=f"{offered[4]} · ")
        slot.click()
        expect(slot).to_contain_text("（已选）")
        book.get_by_role("button", name="确认预约").click()
        expect(phone.locator(".mp-title")).to_have_text("预约详情")
        rebooked = session.scalars(select(Appointment).where(
            Appointment.citizen_id == citizen.id, Appointment.status == AppointmentStatus.BOOKED)).one()
        assert local(rebooked.starts_at).strftime("%Y-%m-%d %H:%M") == f"{day} {offered[4]}"
        assert rebooked.centre_id == hall.centre.id and rebooked.id != booked.id
