"""我的数据 in the simulator (Chromium, live app, a real RQ worker): ask for a copy, let the worker build it,
download the JSON and find one's own booking and nobody else's; 查询记录 shows the clerk who opened one's case."""

from __future__ import annotations

import json

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.applications import services as applications
from miniapp_api.appointments import services as booking
from miniapp_api.citizens.models import Citizen
from miniapp_api.platform.clock import utcnow
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity, id_number, make_staff
from tests.simulator.test_simulator import new_verified_citizen
from tests.workers import run_worker

pytestmark = pytest.mark.integration


def book_and_take_in(session, cipher, hall, clerk, citizen, name, number, day):
    """A booking of the citizen's, and the case the clerk takes in for it (linked to the citizen)."""
    appointment = booking.book_appointment(
        session, citizen_id=citizen.id, person=booking.person_for_self(citizen, cipher),
        slot_id=hall.slot(session, hall.general, f"2026-11-{day} 10:00").id, item_codes=[hall.quick.code],
        now=MONDAY_8AM)
    case = applications.intake(session, cipher, clerk, item_code=hall.quick.code, centre_id=hall.centre.id,
                               applicant=applications.Applicant("person", name, id_number=number),
                               now=MONDAY_8AM, appointment_id=appointment.id)
    return appointment, case


def test_my_data_is_built_by_a_worker_downloaded_and_shows_who_viewed_my_case(page: Page, live_server, committed_db,
                                                                             wechat, process_env, app, tmp_path):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        clerk = make_staff(session, [hall.centre], ("window_staff",), name="王小明")
        stranger = citizen_with_identity(session, cipher, 9602, name="钱别人")
        session.commit()
        new_verified_citizen(page, live_server, session, cipher, "孙导出", id_number(9601))
        openid = page.evaluate("localStorage.getItem('banshi.sim.openid')")
        me = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
        mine, my_case = book_and_take_in(session, cipher, hall, clerk, me, "孙导出", id_number(9601), 24)
        theirs, their_case = book_and_take_in(session, cipher, hall, clerk, stranger, "钱别人", id_number(9602), 25)
        applications.staff_view(session, clerk, my_case.reference)        # the clerk opens her case, and his
        applications.staff_view(session, clerk, their_case.reference)
        session.commit()

        page.goto(f"{live_server}/simulator/#/me")
        page.get_by_role("link", name="我的数据（导出个人信息副本、查询记录）").click()
        expect(page.locator("#title")).to_have_text("我的数据")
        expect(page.locator("#access-total")).to_have_text("工作人员查看您信息的记录，共 1 条。")
        expect(page.locator("#access-log")).to_contain_text(f"{hall.centre.name} 窗口工作人员 王**")
        expect(page.locator("#access-log")).to_contain_text("查看了您的办件")
        expect(page.locator("#access-log")).not_to_contain_text("王小明")
        expect(page.get_by_role("button", name="查看更早的记录")).to_have_count(0)   # one page holds it all

        page.get_by_role("button", name="申请导出我的数据").click()
        expect(page.locator("#export-status")).to_contain_text("已申请")
        expect(page.locator("#exports")).to_contain_text("排队中")
        page.get_by_role("button", name="申请导出我的数据").click()
        expect(page.locator("#export-error")).to_contain_text("正在生成")

        run_worker(process_env, at=utcnow())
        page.get_by_role("button", name="刷新").click()
        expect(page.locator("#exports")).to_contain_text("已完成")
        expect(page.locator("#exports")).to_contain_text("下载截止")
        assert_accessible(page, "simulator my data")
        page.screenshot(path=tmp_path / "simulator-mydata.png", full_page=True)
        with page.expect_download() as downloaded:
            page.get_by_role("button", name="下载数据文件（JSON）").click()
        data = json.loads(open(downloaded.value.path(), encoding="utf-8").read())
        assert data["profile"]["real_name"] == "孙导出" and data["profile"]["id_number"] == id_number(9601)
        assert [b["id"] for b in data["bookings"]] == [mine.id]
        assert [a["reference"] for a in data["applications"]] == [my_case.reference]
        text = json.dumps(data, ensure_ascii=False)
        assert theirs.id not in [b["id"] for b in data["bookings"]]
        assert "钱别人" not in text and their_case.reference not in text and id_number(9602) not in text
        with page.expect_download() as pdf:
            page.get_by_role("button", name="下载阅读版（PDF）").click()
        assert open(pdf.value.path(), "rb").read(4) == b"%PDF"
