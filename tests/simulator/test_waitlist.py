"""候补 in the simulator (Chromium, live app): a full day offers the waitlist; a cancellation elsewhere holds
the seat; 候补成功 arrives in 消息; one tap books it."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select, text

from miniapp_api.appointments import services
from miniapp_api.citizens.models import Citizen
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity
from tests.simulator.test_elder_mode import verify
from tests.simulator.test_simulator import new_citizen

pytestmark = pytest.mark.integration


@pytest.fixture
def full_tuesday(committed_db, wechat, app):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    hall = build_hall(session, MONDAY_8AM, counters=1)
    holder = citizen_with_identity(session, cipher, 9301, name="李持")
    appointment = services.book_appointment(
        session, citizen_id=holder.id, person=services.person_for_self(holder, cipher),
        slot_id=hall.slot(session, hall.general, "2026-11-24 10:00").id, item_codes=[hall.quick.code], now=MONDAY_8AM)
    session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :centre "
                         "AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date = '2026-11-24'"), {"centre": hall.centre.id})
    session.commit()
    return hall, holder, appointment


def test_join_the_waitlist_on_a_full_day_and_confirm_the_held_seat(page: Page, live_server, full_tuesday,
                                                                  committed_db, app):
    hall, holder, appointment = full_tuesday
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "周候补")
        verify(committed_db, app, page)
        page.goto(f"{live_server}/simulator/#/book/{hall.quick.code}?centre={hall.centre.id}&date=2026-11-24")
        expect(page.locator("#waitlist-offer")).to_contain_text("这一天已约满")
        assert_accessible(page, "simulator full day with the waitlist")
        page.get_by_label("只要上午").check()
        page.get_by_role("button", name="加入候补").click()
        expect(page.locator("#title")).to_have_text("我的候补")
        expect(page.locator(".list li")).to_contain_text("候补中")
        expect(page.locator(".list li")).to_contain_text("前面还有 0 人")

        services.cancel_appointment(session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
        session.commit()
        page.goto(f"{live_server}/simulator/#/messages")
        expect(page.locator("#in-app")).to_contain_text("候补成功")
        page.locator("#in-app").get_by_role("link", name="查看").first.click()
        expect(page.locator("#title")).to_have_text("我的候补")
        expect(page.locator(".notice")).to_contain_text("11月24日（周二）10:00")
        assert_accessible(page, "simulator held waitlist seat")
        page.get_by_role("button", name="确认预约").click()
        expect(page.locator("#appointment-status")).to_have_text("已预约")
        mine = session.scalars(select(Citizen).where(
            Citizen.openid == page.evaluate("localStorage.getItem('banshi.sim.openid')"))).one()
        assert [a.status for a in services.list_appointments(session, mine.id)] == ["booked"]
