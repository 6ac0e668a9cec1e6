"""长辈模式 on the mini-program's own pages at /simulator/mp/ (Chromium, live app): switched on by WeChat's font size
(the tester's panel), large type and targets, the common actions on the home page, the short guide, slots by hour
with 最早可约 in one tap, no pop-ups; an elder not yet verified is sent to verify before any time is shown."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from miniapp_api.appointments.models import Appointment
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.services import apply_verified_identity
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, id_number
from tests.simulator.phone import current_page, open_phone

pytestmark = pytest.mark.integration
FONT = "微信字体大小（字体调大会自动开启长辈模式，改后小程序重新打开）"


@pytest.fixture
def hall(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    hall.quick.guide = {"short": "带身份证来，当场办好，不收费。", "what_you_get": "证明", "fee": "不收费"}
    session.commit()
    return hall


def verify(committed_db, app, openid: str) -> Citizen:
    """The face check passed (the face check itself is walked in test_simulator.py and test_mp_pages.py)."""
    session = committed_db.session
    citizen = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
    apply_verified_identity(session, app.extensions["banshi.cipher"], citizen, real_name="孙大爷",
                            id_number=id_number(801), now=MONDAY_8AM)
    session.commit()
    return citizen


def relaunch(page: Page, path: str) -> None:
    page.evaluate("url => wx.reLaunch({ url })", f"/{path}")


def sizes(target: Locator, selector: str) -> list[tuple[float, float]]:
    return target.evaluate(f"root => [...root.querySelectorAll({selector!r})].map(e => [e.getBoundingClientRect().width,"
                           " e.getBoundingClientRect().height])")


def test_elder_mode_from_the_font_size_to_a_one_tap_booking(page: Page, live_server, hall, committed_db, app,
                                                            artifacts):
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, "o-mp-sun-daye")
        citizen = verify(committed_db, app, "o-mp-sun-daye")
        expect(phone.get_by_role("button", name="长辈模式")).to_be_visible()
        # WeChat's font size set to 特大 in the panel: the mini-program starts again, in 长辈模式.
        with page.expect_navigation():
            page.get_by_label(FONT).select_option("24")
        expect(page.get_by_label(FONT)).to_have_value("24")
        home = current_page(phone, "pages/index/index")
        expect(home.locator("wx-view.elder")).to_have_count(1)
        expect(phone.get_by_role("button", name="退出长辈模式")).to_be_visible()   # on by the font: the button says so
        expect(home.locator("wx-view.card")).to_have_text(["预约办事", "我的预约", "办件进度", "消息", "我的（实名核验、亲友代办）"])
        assert all(w >= 60 and h >= 60 for w, h in sizes(home, "wx-view.card, wx-button, wx-input"))
        font = home.locator("wx-view.card").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        line = home.locator("wx-view.elder").evaluate("e => parseFloat(getComputedStyle(e).lineHeight) /"
                                                     " parseFloat(getComputedStyle(e).fontSize)")
        assert font >= 18 and line >= 1.3
        assert_accessible(page, "mini-program elder home")            # includes contrast >= 4.5:1
        page.screenshot(path=artifacts / "simulator-elder-home.png")

        # The item's guide says it in one sentence.
        relaunch(page, "pages/items/index")
        items = current_page(phone, "pages/items/index")
        search = phone.get_by_label("搜索事项（名称或拼音首字母）")
        search.press_sequentially(hall.quick.name)
        search.press("Enter")
        expect(items.locator("wx-view.card")).to_have_count(1)
        items.locator("wx-view.card").first.click()
        expect(items.get_by_text("一句话说明：带身份证来，当场办好，不收费。")).to_be_visible()

        # Slots by the hour, and 最早可约 booked in one tap (for oneself).
        relaunch(page, f"pages/book/index?code={hall.quick.code}")
        booking = current_page(phone, "pages/book/index")
        first_free = requests.get(f"{live_server}/api/v1/centres", params={"item": hall.quick.code},
                                  timeout=10).json()["centres"][0]["earliest_free_slot"][11:16]
        earliest = booking.get_by_role("button", name=f"最早可约：{first_free} · 一键预约")
        expect(earliest).to_be_visible()
        expect(booking.locator("wx-view.slot").first).to_contain_text(f"{first_free}（")
        assert all(h >= 60 for _, h in sizes(booking, "wx-view.slot"))
        assert_accessible(page, "mini-program elder slots")
        earliest.click()
        detail = current_page(phone, "pages/appointments/detail")
        expect(detail.get_by_text("状态：已预约")).to_be_visible()
        expect(detail).to_contain_text(first_free)
        booked = committed_db.session.scalars(select(Appointment).where(Appointment.citizen_id == citizen.id)).one()
        assert booked.status == "booked"

        # Asked on the page, never in a pop-up: 不取消 changes nothing; within the hour the hall's rule refuses.
        page.on("dialog", lambda dialog: pytest.fail("长辈模式 must not pop up a dialog"))
        detail.get_by_role("button", name="取消预约").click()
        expect(detail.get_by_text("确定取消这个预约吗？")).to_be_visible()
        detail.get_by_role("button", name="不取消").click()
        expect(detail.get_by_text("确定取消这个预约吗？")).to_have_count(0)
        expect(detail.get_by_text("状态：已预约")).to_be_visible()
        detail.get_by_role("button", name="取消预约").click()
        detail.get_by_role("button", name="是，取消预约").click()
        expect(detail.locator("wx-text.error")).to_contain_text("已不能取消或改约")
        expect(detail.get_by_text("状态：已预约")).to_be_visible()
        expect(phone.locator(".mp-modal")).to_have_count(0)          # nor a WeChat modal in the phone
        committed_db.session.refresh(booked)
        assert booked.status == "booked"


def test_an_elder_not_yet_verified_is_sent_to_verify_before_choosing_a_time(page: Page, live_server, hall, committed_db,
                                                                             app):
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, "o-mp-qian-nainai")
        phone.get_by_role("button", name="长辈模式").click()         # her own switch on the home page
        expect(phone.get_by_role("button", name="退出长辈模式")).to_be_visible()
        with page.expect_response(lambda r: "/slots?" in r.url and r.ok):   # the day's times are loaded…
            relaunch(page, f"pages/book/index?code={hall.quick.code}")
        booking = current_page(phone, "pages/book/index")
        expect(booking.get_by_text("预约需要先完成实名核验", exact=False)).to_be_visible()
        expect(booking.get_by_text("上午", exact=False)).to_have_count(0)   # …and not shown
        expect(booking.locator("wx-view.slot")).to_have_count(0)     # no times shown before she can book them
        expect(booking.get_by_role("button", name="最早可约", exact=False)).to_have_count(0)
        go = booking.get_by_role("button", name="去实名核验")
        assert go.bounding_box()["height"] >= 60
        assert_accessible(page, "mini-program elder verify first")
        go.click()
        expect(current_page(phone, "pages/me/index").get_by_role("button", name="开始人脸核验")).to_be_visible()
        verify(committed_db, app, "o-mp-qian-nainai")
        relaunch(page, f"pages/book/index?code={hall.quick.code}")
        booking = current_page(phone, "pages/book/index")
        expect(booking.get_by_role("button", name="最早可约", exact=False)).to_be_visible()   # verified: one tap
