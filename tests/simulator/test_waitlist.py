"""候补 on the mini-program's own pages (/simulator/mp/, Chromium, live app): a full day offers the waitlist; a
cancellation elsewhere holds the seat; 候补成功 arrives in 消息; one tap books it."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select, text

from miniapp_api.appointments import services
from miniapp_api.citizens.models import Citizen
from miniapp_api.appointments.models import WaitlistEntry
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity, id_number
from tests.simulator.phone import current_page, open_verified_phone

pytestmark = pytest.mark.integration
OPENID = "o-mp-waitlist"


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
        phone = open_verified_phone(
            page, live_server, session, app.extensions["banshi.cipher"], OPENID, "周候补", id_number(9302),
            f"pages/book/index?code={hall.quick.code}&centre={hall.centre.id}&date=2026-11-24")
        book = current_page(phone, "pages/book/index")
        expect(book.get_by_text("这一天已约满", exact=False)).to_be_visible()
        assert_accessible(page, "full day with the waitlist")
        book.get_by_role("button", name="想办理的时间：全天都可以").click()
        phone.get_by_role("dialog").get_by_role("button", name="只要上午").click()
        expect(book.get_by_role("button", name="想办理的时间：只要上午")).to_be_visible()
        book.get_by_role("button", name="加入候补").click()
        expect(phone.locator(".mp-title")).to_have_text("我的候补")
        mine = current_page(phone, "pages/waitlist/index").locator("wx-view.card").first
        expect(mine).to_contain_text("候补中")
        expect(mine).to_contain_text("前面还有 0 人")
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        entry = session.scalars(select(WaitlistEntry).where(WaitlistEntry.citizen_id == citizen.id)).one()
        assert entry.time_to is not None and entry.time_to.hour == 12 and entry.time_from is None   # 只要上午

        services.cancel_appointment(session, citizen_id=holder.id, appointment_id=appointment.id, now=MONDAY_8AM)
        session.commit()
        page.goto(f"{live_server}/simulator/mp/?openid={OPENID}#/pages/messages/index")
        page.reload()
        current_page(phone, "pages/messages/index").locator("wx-view.card", has_text="候补成功").first.click()
        expect(phone.locator(".mp-title")).to_have_text("我的候补")
        held = current_page(phone, "pages/waitlist/index")
        expect(held.locator("wx-view.notice").first).to_contain_text("11月24日（周二）10:00")
        assert_accessible(page, "held waitlist seat")
        held.get_by_role("button", name="确认预约").first.click()
        expect(current_page(phone, "pages/appointments/detail").get_by_text("状态：已预约")).to_be_visible()
        assert [a.status for a in services.list_appointments(session, citizen.id)] == ["booked"]
