"""暂停服务 in real browsers: a centre manager closes a day in the console (the first try says how many bookings
it would cancel and keeps what was typed), and the citizen whose booking it cancelled reads why in 消息 and
opens the booking page on the earliest equivalent slot in one tap. axe-core on both; screenshots kept."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.appointments import services
from miniapp_api.appointments.models import Appointment, AppointmentStatus
from miniapp_api.citizens.models import Citizen
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, build_hall, id_number, make_staff
from tests.simulator.test_simulator import new_verified_citizen

pytestmark = pytest.mark.integration


def test_a_manager_closes_a_day_and_the_citizen_is_told_with_a_way_to_book_again(
        page: Page, live_server, committed_db, app, wechat, artifacts):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        manager = make_staff(session, [hall.centre], ("centre_manager",), name="赵主任")
        session.commit()
        new_verified_citizen(page, live_server, session, cipher, "孙阿姨", id_number(9701))
        openid = page.evaluate("localStorage.getItem('banshi.sim.openid')")
        citizen = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
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

        page.goto(f"{live_server}/simulator/#/messages")
        notice = page.locator("#in-app li", has_text="暂停服务，预约已取消")
        expect(notice).to_contain_text("暴雨红色预警")
        expect(notice).to_contain_text("不算爽约")
        assert_accessible(page, "closure message")
        page.screenshot(path=str(artifacts / "simulator-closure-message.png"), full_page=True)
        notice.get_by_role("link", name="查看").click()
        expect(page.locator("#title")).to_contain_text("预约")
        assert "date=" in page.url and f"centre={hall.centre.id}" in page.url
        expect(page.locator("input[name=slot_id]").first).to_be_visible()
