"""Check-in at a hall that asks for presence, on the mini-program's own appointment page (/simulator/mp/,
Chromium, live app): from home it is refused with the reason, and scanning the call screen's QR (its code typed
where the camera would read it) checks the citizen in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.appointments import presence, services
from miniapp_api.citizens.models import Citizen
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, id_number
from tests.simulator.phone import current_page, open_verified_phone

pytestmark = pytest.mark.integration
CHECK_IN_AT = MONDAY_8AM + timedelta(minutes=50)
OPENID = "o-mp-presence"


@pytest.fixture
def hall(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    hall.centre.presence_check = True
    session.commit()
    return hall


def test_check_in_needs_the_screen_code(page: Page, live_server, hall, committed_db, app):
    session = committed_db.session
    cipher = app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        open_verified_phone(page, live_server, session, cipher, OPENID, "吴大爷", id_number(8401))
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        appointment = services.book_appointment(
            session, citizen_id=citizen.id, person=services.person_for_self(citizen, cipher),
            slot_id=hall.slot(session, hall.general, "2026-11-23 09:00").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        session.commit()
    with time_machine.travel(CHECK_IN_AT, tick=True):
        page.goto(f"{live_server}/simulator/mp/?openid={OPENID}#/pages/appointments/detail?id={appointment.id}")
        page.reload()   # launched on the appointment, as the reminder's link opens it
        phone = page.locator("#mp-phone")
        detail = current_page(phone, "pages/appointments/detail")
        expect(detail.get_by_text("状态：已预约")).to_be_visible()

        # WeChat's scanner opens; not scanning (取消) leaves the server's reason on the page.
        asked: list[str] = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        detail.get_by_role("button", name="到达现场，签到取号").click()
        expect(detail.locator("wx-text.error")).to_have_text("请在服务大厅扫描叫号屏上的二维码签到取号")
        assert asked == ["扫码（模拟器里输入二维码的内容）"]
        assert_accessible(page, "scan to check in")

        # Scanning the call screen's QR reads BANSHI-HALL:<code>; the page checks in with the code.
        code = presence.hall_code(app.config["PRESENCE_KEY"], hall.centre.id, CHECK_IN_AT)
        page.once("dialog", lambda dialog: dialog.accept(f"BANSHI-HALL:{code}"))
        detail.get_by_role("button", name="到达现场，签到取号").click()
        expect(detail.get_by_text("状态：已签到")).to_be_visible()
        session.expire_all()
        assert session.get(type(appointment), appointment.id).status == "checked_in"
