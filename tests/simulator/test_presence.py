"""Check-in at a hall that asks for presence, in the simulator (Chromium, live app): from home it is refused
with the reason, and the call screen's code (what scanning its QR reads) checks the citizen in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.appointments import presence, services
from miniapp_api.citizens.models import Citizen
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall
from tests.simulator.test_elder_mode import verify
from tests.simulator.test_simulator import new_citizen

pytestmark = pytest.mark.integration
CHECK_IN_AT = MONDAY_8AM + timedelta(minutes=50)


@pytest.fixture
def hall(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    hall.centre.presence_check = True
    session.commit()
    return hall


def test_check_in_needs_the_screen_code(page: Page, live_server, hall, committed_db, app):
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "吴大爷")
        verify(committed_db, app, page)
        citizen = session.scalars(select(Citizen).where(
            Citizen.openid == page.evaluate("localStorage.getItem('banshi.sim.openid')"))).one()
        appointment = services.book_appointment(
            session, citizen_id=citizen.id, person=services.person_for_self(citizen, app.extensions["banshi.cipher"]),
            slot_id=hall.slot(session, hall.general, "2026-11-23 09:00").id, item_codes=[hall.quick.code],
            now=MONDAY_8AM)
        session.commit()
    with time_machine.travel(CHECK_IN_AT, tick=True):
        page.goto(f"{live_server}/simulator/#/appointments/{appointment.id}")
        page.get_by_role("button", name="到达现场，签到取号").click()
        expect(page.locator("#scan .form-error")).to_have_text("请在服务大厅扫描叫号屏上的二维码签到取号")
        assert_accessible(page, "simulator scan to check in")
        code = presence.hall_code(app.config["PRESENCE_KEY"], hall.centre.id, CHECK_IN_AT)
        page.get_by_label("扫码签到：叫号屏上的签到码（模拟器里手动输入）").fill(f"BANSHI-HALL:{code}")
        page.get_by_role("button", name="扫码签到").click()
        expect(page.locator("#appointment-status")).to_have_text("已签到")
