"""My window, my day in a real browser: the window page shows a new check-in without a reload (the page's own
state survives), 叫号屏 opens in a new tab, and 预约 lists the day's bookings with where each person is.
axe-core on each page; screenshots kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.appointments import queue, services
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.console.test_browser import sign_in
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity, id_number, make_staff

pytestmark = pytest.mark.integration
POLL = 15_000   # the page polls every 5 s; wait generously for it (no timing is asserted)


def test_window_page_updates_itself_and_the_call_screen_opens_in_a_new_tab(
        page: Page, live_server, committed_db, app, wechat, artifacts):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=40), tick=True):
        hall = build_hall(session, MONDAY_8AM)
        clerk = make_staff(session, [hall.centre], ("window_staff",), name="李娜")
        people = [citizen_with_identity(session, cipher, 9301 + n, name=name) for n, name in enumerate(("李四", "张三丰"))]
        booked = [services.book_appointment(session, citizen_id=p.id, person=services.person_for_self(p, cipher),
                                            slot_id=hall.slot(session, hall.general, at).id,
                                            item_codes=[hall.quick.code], now=MONDAY_8AM)
                  for p, at in zip(people, ("2026-11-23 09:00", "2026-11-23 10:00"))]
        queue.check_in(session, citizen_id=people[0].id, appointment_id=booked[0].id, now=utcnow())
        session.commit()

        sign_in(page, live_server, clerk.username)
        page.goto(f"{live_server}/console/windows/{hall.general.id}")
        expect(page.get_by_role("heading", name="等候中（1 人）")).to_be_visible()
        assert_accessible(page, "window")
        page.evaluate("window.__notReloaded = true; window.scrollTo(0, 40)")

        # 李四 is called at another counter of the same window, and a walk-in takes a number at the hall.
        called = queue.call_next(session, window_id=hall.general.id, now=utcnow())
        walk_in = queue.issue_ticket(session, window=hall.general, item_id=hall.quick.id, now=utcnow())
        session.commit()
        expect(page.locator(".ticket-number")).to_have_text(called.number, timeout=POLL)
        expect(page.get_by_role("heading", name="等候中（1 人）")).to_be_visible()
        expect(page.get_by_role("cell", name=walk_in.number)).to_be_visible()
        expect(page.locator("#queue-news")).to_have_text(f"队列已更新：等候 1 人，当前：{called.number}")
        assert page.evaluate("window.__notReloaded === true")     # updated in place, never reloaded
        page.screenshot(path=str(artifacts / "console-window-live.png"), full_page=True)

        link = page.get_by_role("link", name="打开叫号屏（在新窗口打开）")
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener")
        with page.context.expect_page() as opened:
            link.click()
        screen = opened.value
        screen.wait_for_load_state()
        expect(screen.locator(".screen-number strong")).to_have_text(called.number)
        assert screen.url.endswith(f"/console/windows/{hall.general.id}/screen")
        expect(page).to_have_url(f"{live_server}/console/windows/{hall.general.id}")   # the counter page stays
        screen.close()


def test_the_day_of_bookings_with_a_date_picker(page: Page, live_server, committed_db, app, wechat, artifacts):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=40), tick=True):
        hall = build_hall(session, MONDAY_8AM)
        clerk = make_staff(session, [hall.centre], ("window_staff",), name="李娜")
        people = [citizen_with_identity(session, cipher, 9401 + n, name=name) for n, name in enumerate(("张三丰", "李四"))]
        booked = [services.book_appointment(session, citizen_id=p.id, person=services.person_for_self(p, cipher),
                                            slot_id=hall.slot(session, hall.general, at).id,
                                            item_codes=[hall.quick.code], now=MONDAY_8AM)
                  for p, at in zip(people, ("2026-11-23 10:00", "2026-11-23 09:00"))]
        queue.check_in(session, citizen_id=people[1].id, appointment_id=booked[1].id, now=utcnow())
        session.commit()

        sign_in(page, live_server, clerk.username)
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="预约").click()
        expect(page.get_by_role("heading", name="今日预约（2 个）")).to_be_visible()
        rows = page.locator("#bookings tbody tr")
        expect(rows.nth(0)).to_contain_text("李*")
        expect(rows.nth(0)).to_contain_text("已签到")
        expect(rows.nth(0)).to_contain_text(hall.quick.name)
        expect(rows.nth(1)).to_contain_text("张**")
        expect(rows.nth(1)).to_contain_text("未到")
        assert_accessible(page, "appointments")
        page.screenshot(path=str(artifacts / "console-appointments-day.png"), full_page=True)

        page.get_by_label("日期").fill("2026-11-28")
        page.get_by_role("button", name="查看").click()
        expect(page.locator("#closed")).to_have_text("11月28日：这一天中心不开放（休息日或没有办公时段）")
        expect(page.get_by_text("这一天没有预约。")).to_be_visible()
        assert_accessible(page, "appointments closed day")


def test_intake_offers_the_items_by_name_and_keeps_what_was_typed_on_a_refusal(
        page: Page, live_server, committed_db, app, wechat, artifacts):
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        clerk = make_staff(session, [hall.centre], ("window_staff",), name="李娜")
        session.commit()
        sign_in(page, live_server, clerk.username)
        page.goto(f"{live_server}/console/applications/new")
        options = page.locator("#item-choices option")
        expect(options).to_have_count(2)
        expect(page.locator(f'#item-choices option[value="{hall.quick.code}"]')).to_have_attribute(
            "label", f"{hall.quick.name}（{hall.quick.code}）")
        page.get_by_label("办理事项").fill("SD9999")
        page.get_by_label("申请人姓名或企业名称").fill("刘洋")
        page.get_by_label("身份证号（个人）").fill(id_number(9501))
        page.get_by_role("button", name="收件").click()
        expect(page.locator("#e-item_code")).to_have_text("没有找到该办事事项")
        expect(page.get_by_label("办理事项")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("申请人姓名或企业名称")).to_have_value("刘洋")
        assert_accessible(page, "intake refused")
        page.screenshot(path=str(artifacts / "console-intake-refused.png"), full_page=True)
        page.get_by_label("办理事项").fill(hall.quick.code)
        page.get_by_role("button", name="收件").click()
        expect(page.locator(".flash")).to_contain_text("已收件，受理编号")
