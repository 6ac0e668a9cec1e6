"""长辈模式 in the simulator (Chromium, live app): switched on by WeChat's font size, large type and targets,
three actions on the home page, the short guide, slots by hour with 最早可约 in one tap, no pop-ups."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.services import apply_verified_identity
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, id_number
from tests.simulator.test_simulator import new_citizen

pytestmark = pytest.mark.integration


@pytest.fixture
def hall(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    hall.quick.guide = {"short": "带身份证来，当场办好，不收费。", "what_you_get": "证明", "fee": "不收费"}
    session.commit()
    return hall


def verify(committed_db, app, page: Page) -> None:
    """The face check passed (the simulator's own face flow is tested in test_simulator.py)."""
    openid = page.evaluate("localStorage.getItem('banshi.sim.openid')")
    session = committed_db.session
    citizen = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
    apply_verified_identity(session, app.extensions["banshi.cipher"], citizen, real_name="孙大爷",
                            id_number=id_number(801), now=MONDAY_8AM)
    session.commit()


def sizes(page: Page, selector: str) -> list[tuple[float, float]]:
    return page.eval_on_selector_all(selector, "els => els.map(e => [e.getBoundingClientRect().width,"
                                               " e.getBoundingClientRect().height])")


def test_elder_mode_from_the_font_size_to_a_one_tap_booking(page: Page, live_server, hall, committed_db, app,
                                                            artifacts):
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "孙大爷")
        verify(committed_db, app, page)
        page.get_by_role("link", name="长辈模式").click()
        page.get_by_label("微信字体大小（模拟器里设置，字体调大自动开启长辈模式）").select_option("24")
        page.get_by_role("button", name="保存字体设置").click()
        expect(page.locator("#elder-state")).to_contain_text("已开启")
        expect(page.locator("#elder-toggle")).to_have_text("关闭长辈模式")   # on by the font: the button says so
        page.get_by_role("link", name="回到首页").click()

        expect(page.locator("#title")).to_have_text("办事通 · 长辈模式")
        expect(page.locator(".elder-tiles .tile")).to_have_text(["预约办事", "我的预约", "办件进度", "消息", "我的"])
        assert all(w >= 60 and h >= 60 for w, h in sizes(page, "#screen a, #screen button, #screen input"))
        font = page.eval_on_selector("#screen p, #screen label", "e => parseFloat(getComputedStyle(e).fontSize)")
        line = page.eval_on_selector("#screen label", "e => parseFloat(getComputedStyle(e).lineHeight) /"
                                                      " parseFloat(getComputedStyle(e).fontSize)")
        assert font >= 18 and line >= 1.3
        assert_accessible(page, "simulator elder home")              # includes contrast >= 4.5:1
        page.screenshot(path=artifacts / "simulator-elder-home.png", full_page=True)

        page.goto(f"{live_server}/simulator/#/items/{hall.quick.code}")
        expect(page.locator("#item-guide")).to_have_text("一句话说明：带身份证来，当场办好，不收费。")

        page.goto(f"{live_server}/simulator/#/book/{hall.quick.code}")
        page.locator("#earliest-day").click()                   # the first bookable day: today, 30 min notice
        first_free = requests.get(f"{live_server}/api/v1/centres", params={"item": hall.quick.code},
                                  timeout=10).json()["centres"][0]["earliest_free_slot"][11:16]
        earliest = page.locator("#earliest")
        expect(earliest).to_have_text(f"最早可约：{first_free} · 一键预约")
        expect(page.locator(".slots").first.locator("label").first).to_contain_text(f"{first_free}（余")
        assert all(h >= 60 for _, h in sizes(page, ".slots label"))
        assert_accessible(page, "simulator elder slots")
        earliest.click()
        expect(page.locator("#appointment-status")).to_have_text("已预约")
        expect(page.locator("#screen")).to_contain_text(first_free)

        page.on("dialog", lambda dialog: pytest.fail("长辈模式 must not pop up a dialog"))
        page.get_by_role("button", name="取消预约").click()
        expect(page.locator("#cancel-question")).to_have_text("确定取消这个预约吗？")
        page.get_by_role("button", name="不取消").click()          # changed their mind: nothing happens
        expect(page.locator("#cancel-question")).to_have_count(0)
        expect(page.locator("#appointment-status")).to_have_text("已预约")
        page.get_by_role("button", name="取消预约").click()
        page.get_by_role("button", name="是，取消预约").click()
        # Within the hour before the start the hall's rule refuses, said on the page, again without a pop-up.
        expect(page.locator("#action-error")).to_contain_text("已不能取消或改约")
        expect(page.locator("#appointment-status")).to_have_text("已预约")


def test_an_elder_not_yet_verified_is_sent_to_verify_before_choosing_a_time(page: Page, live_server, hall, committed_db,
                                                                             app):
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "钱奶奶")
        page.get_by_role("link", name="长辈模式").click()
        page.get_by_role("button", name="开启长辈模式").click()
        page.goto(f"{live_server}/simulator/#/book/{hall.quick.code}")
        expect(page.locator("#verify-first")).to_contain_text("预约需要先完成实名核验")
        expect(page.locator(".slots")).to_have_count(0)            # no times shown before she can book them
        assert all(h >= 60 for _, h in sizes(page, "#verify-now"))
        assert_accessible(page, "simulator elder verify first")
        page.get_by_role("link", name="去实名核验").click()
        expect(page.get_by_role("button", name="开始人脸核验")).to_be_visible()
        verify(committed_db, app, page)
        page.goto(f"{live_server}/simulator/#/book/{hall.quick.code}")
        expect(page.locator("#earliest-day")).to_be_visible()        # verified: straight to the earliest day
