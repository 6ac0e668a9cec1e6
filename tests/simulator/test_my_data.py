"""我的数据 in the mini-program's own page (pages/mydata/index at /simulator/mp/, Chromium, live app, a real RQ
worker): ask for a copy, let the worker build it, download the JSON and find one's own booking and nobody
else's, and the PDF; 查询记录 shows the clerk who opened one's case, masked."""

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
from tests.simulator.phone import current_page, open_verified_phone
from tests.workers import run_worker

pytestmark = pytest.mark.integration
OPENID = "o-mp-mydata"


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


def export_file(page: Page, mydata, button: str, said: str) -> bytes:
    """Taps a download button and waits for what the page then says: the file the phone's wx.downloadFile
    fetched, kept as it passes on to the page (Chromium keeps no body of a fetched attachment for Playwright)."""
    fetched = []

    def keep(route):
        response = route.fetch()
        fetched.append((response.status, response.body()))
        route.fulfill(response=response)

    page.route("**/api/v1/data-export-files/**", keep)
    mydata.get_by_role("button", name=button).click()
    expect(mydata.get_by_text(said, exact=False)).to_be_visible()   # the page had the file first
    page.unroute("**/api/v1/data-export-files/**")
    [(status, body)] = fetched
    assert status == 200
    return body


def test_my_data_is_built_by_a_worker_downloaded_and_shows_who_viewed_my_case(page: Page, live_server, committed_db,
                                                                             wechat, process_env, app, artifacts):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(session, MONDAY_8AM)
        clerk = make_staff(session, [hall.centre], ("window_staff",), name="王小明")
        stranger = citizen_with_identity(session, cipher, 9602, name="钱别人")
        session.commit()
        phone = open_verified_phone(page, live_server, session, cipher, OPENID, "孙导出", id_number(9601))
        me = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        mine, my_case = book_and_take_in(session, cipher, hall, clerk, me, "孙导出", id_number(9601), 24)
        theirs, their_case = book_and_take_in(session, cipher, hall, clerk, stranger, "钱别人", id_number(9602), 25)
        applications.staff_view(session, clerk, my_case.reference)        # the clerk opens her case, and his
        applications.staff_view(session, clerk, their_case.reference)
        session.commit()

        phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
        expect(phone.get_by_text("实名状态：", exact=False)).to_be_visible()   # loaded: the list below has moved down
        phone.get_by_text("我的数据（导出个人信息副本、查询记录）", exact=True).click()
        expect(phone.locator(".mp-title")).to_have_text("我的数据")
        mydata = current_page(phone, "pages/mydata/index")
        expect(mydata.get_by_text("查询记录（工作人员查看您信息的记录，共1条）")).to_be_visible()
        accesses = mydata.locator("wx-view.card", has_text="（北京时间）").filter(has_text="查看了您的")
        expect(accesses).to_have_count(1)
        expect(accesses).to_contain_text(f"{hall.centre.name} 窗口工作人员 王**")
        expect(accesses).to_contain_text("查看了您的办件")
        expect(mydata).not_to_contain_text("王小明")
        expect(mydata.get_by_role("button", name="查看更早的记录")).to_have_count(0)   # one page holds it all
        expect(mydata.get_by_text("还没有申请过。")).to_be_visible()

        mydata.get_by_role("button", name="申请导出我的数据").click()
        expect(mydata.get_by_text("已申请", exact=False)).to_be_visible()
        copies = mydata.locator("wx-view.card", has_text="申请时间：")
        expect(copies).to_have_count(1)
        expect(copies).to_contain_text("状态：排队中")
        mydata.get_by_role("button", name="申请导出我的数据").click()
        expect(mydata.locator("wx-text.error")).to_contain_text("正在生成")
        expect(copies).to_have_count(1)

        run_worker(process_env, at=utcnow())
        mydata.get_by_role("button", name="刷新").click()
        expect(copies).to_contain_text("状态：已完成")
        expect(copies).to_contain_text("下载截止：")
        assert_accessible(page, "mini-program my data")
        page.screenshot(path=artifacts / "mp-mydata.png", full_page=True)

        data = json.loads(export_file(page, mydata, "下载数据文件（JSON）", "已下载数据文件，可发送到“文件传输助手”保存"))
        assert data["profile"]["real_name"] == "孙导出" and data["profile"]["id_number"] == id_number(9601)
        assert [b["id"] for b in data["bookings"]] == [mine.id]
        assert [a["reference"] for a in data["applications"]] == [my_case.reference]
        text = json.dumps(data, ensure_ascii=False)
        assert theirs.id not in [b["id"] for b in data["bookings"]]
        assert "钱别人" not in text and their_case.reference not in text and id_number(9602) not in text

        assert export_file(page, mydata, "下载阅读版（PDF）", "已打开阅读版。")[:4] == b"%PDF"
