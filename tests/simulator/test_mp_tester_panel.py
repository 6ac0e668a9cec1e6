"""The tester's panel beside the phone at /simulator/mp/ (simulator/mp/tester.js): WeChat's side of the phone —
the test user, the face-check outcome, the subscribe-message answer, the font size, the location, the scan, the
pull-down gesture and the 服务通知 list — in Chinese, with the keyboard, accessible."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.models import FaceVerification
from miniapp_api.identity.services import face_result_message
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, id_number
from tests.simulator.phone import current_page, open_phone

pytestmark = pytest.mark.integration


@pytest.fixture
def hall(committed_db, wechat):
    hall = build_hall(committed_db.session, MONDAY_8AM)
    committed_db.session.commit()
    return hall


def test_a_failed_face_check_chosen_in_the_panel_reaches_the_page_and_the_server(page: Page, live_server, hall,
                                                                                  committed_db):
    phone = open_phone(page, live_server, "o-mp-panel-face")
    assert_accessible(page, "mini-program with the tester's panel")
    # With the keyboard: the outcome is a labelled select in the panel.
    page.get_by_label("刷脸结果（wx.requestFacialVerify）").focus()
    page.keyboard.press("ArrowDown")   # 不是本人（10004）
    expect(page.get_by_label("刷脸结果（wx.requestFacialVerify）")).to_have_value("10004")

    phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
    phone.get_by_label("姓名（2 到 20 个字）").fill("李秀英")
    phone.get_by_label("身份证号（18 位）").fill(id_number(811))
    with page.expect_response(lambda r: r.url.endswith("/simulator/wechat/facial-verify")) as face:
        phone.get_by_role("button", name="开始人脸核验").click()
    assert face.value.request.post_data_json["verify_ret"] == 10004
    expect(phone.get_by_text(face_result_message(10004))).to_be_visible()   # the server's words for 10004
    expect(phone.get_by_text("实名状态：未实名核验", exact=False)).to_be_visible()
    session = committed_db.session
    citizen = session.scalars(select(Citizen).where(Citizen.openid == "o-mp-panel-face")).one()
    attempt = session.scalars(select(FaceVerification).where(FaceVerification.citizen_id == citizen.id)).one()
    assert (attempt.status, attempt.verify_ret, citizen.verified_at) == ("failed", 10004, None)

    # The page's fail callback gets WeChat's refusal: a used verifyId is refused by the emulator itself.
    refusal = page.evaluate("""id => new Promise((resolve) => wx.requestFacialVerify({ verifyId: id,
                                 success: () => resolve('success'), fail: resolve }))""",
                            face.value.request.post_data_json["verify_id"])
    assert refusal["errCode"] == 84001 and "fail" in refusal["errMsg"]
    # 中途取消 is a fail callback too, with WeChat's code.
    page.get_by_label("刷脸结果（wx.requestFacialVerify）").select_option("90002")
    cancelled = page.evaluate("""() => new Promise((resolve) => wx.requestFacialVerify({ verifyId: 'none',
                                   success: () => resolve('success'), fail: resolve }))""")
    assert cancelled != "success" and "fail" in cancelled["errMsg"]


def test_test_users_are_created_and_switched_from_the_panel(page: Page, live_server, hall, committed_db):
    phone = open_phone(page, live_server, "o-mp-panel-first")
    expect(page.locator("#tester-current-name")).to_have_text("o-mp-panel-first")
    page.get_by_label("新建测试用户的称呼（只在测试面板里显示）").fill("王大爷")
    page.get_by_role("button", name="新建并切换").focus()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.keyboard.press("Enter")
    expect(page.locator("#tester-current-name")).to_contain_text("王大爷（o-mp-")
    created = page.evaluate("localStorage.getItem('banshi.mp.openid')")
    assert created != "o-mp-panel-first" and f"openid={created}" in page.url
    assert committed_db.session.scalars(select(Citizen.id).where(Citizen.openid == created)).first()

    # Back to the first user: the select lists both, 切换 starts the mini-program for them.
    page.get_by_label("已有的测试用户").select_option("o-mp-panel-first")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.get_by_role("button", name="切换到这位用户").click()
    expect(page.locator("#tester-current-name")).to_have_text("o-mp-panel-first")
    expect(page.get_by_label("已有的测试用户").locator("option")).to_have_count(2)
    expect(phone.locator(".mp-title")).to_have_text("办事通")


def test_the_font_size_in_the_panel_opens_the_mini_program_in_elder_mode(page: Page, live_server, hall):
    phone = open_phone(page, live_server, "o-mp-panel-font")
    expect(phone.get_by_role("button", name="长辈模式")).to_be_visible()
    with page.expect_navigation():   # WeChat starts the mini-program anew with the new size
        page.get_by_label("微信字体大小（字体调大会自动开启长辈模式，改后小程序重新打开）").select_option("24")
    expect(phone.get_by_role("button", name="退出长辈模式")).to_be_visible()
    assert page.evaluate("wx.getSystemInfoSync().fontSizeSetting") == 24
    assert page.evaluate("wx.getSystemSetting().fontSizeSetting") == 24
    expect(current_page(phone, "pages/index/index").locator("wx-view.elder")).to_have_count(1)


def test_location_scan_and_a_zero_counter(page: Page, live_server, hall):
    phone = open_phone(page, live_server, "o-mp-panel-where")
    # wx.getLocation: refused unless the tester allows it, then the place in the panel.
    assert page.evaluate("new Promise((r) => wx.getLocation({ fail: (e) => r(e.errMsg) }))") == "getLocation:fail auth deny"
    page.get_by_label("允许，位置如下").check()
    page.get_by_label("纬度").fill("36.5")
    page.get_by_label("纬度").press("Tab")
    assert page.evaluate("new Promise((r) => wx.getLocation({ success: (p) => r([p.latitude, p.longitude]) }))") == \
        [36.5, 115.9855]

    # wx.scanCode: the tester types what the code says (the browser's prompt), or cancels.
    scan = "() => new Promise((r) => wx.scanCode({ success: (s) => r(s.result), fail: (e) => r(e.errMsg) }))"
    page.once("dialog", lambda dialog: dialog.accept("BANSHI-HALL:abc"))
    assert page.evaluate(scan) == "BANSHI-HALL:abc"
    page.once("dialog", lambda dialog: dialog.dismiss())
    assert page.evaluate(scan) == "scanCode:fail cancel"

    # A numeric 0 in WXML: an empty text's length is "0", not nothing.
    phone.get_by_text("诉求与评价", exact=True).click()
    expect(phone.get_by_text("0/1000 字")).to_be_visible()

    # 下拉刷新 on a page without it says so.
    page.get_by_role("button", name="下拉刷新").click()
    expect(page.locator("#tester-page-status")).to_have_text("当前页面不支持下拉刷新")


def test_the_subscribe_prompt_answered_and_a_file_from_a_chat(page: Page, live_server, hall, wechat, tmp_path):
    phone = open_phone(page, live_server, "o-mp-panel-consent", "pages/consents/index")
    rows = phone.locator('.mp-page[data-page="pages/consents/index"] wx-view.card.row')
    expect(rows.first).to_be_visible()
    # Not from a tap, WeChat shows no prompt (base library ≥ 2.8.2): the call fails and nothing is recorded.
    ask = """ids => { window.answered = new Promise((r) => wx.requestSubscribeMessage({ tmplIds: ids,
                  success: r, fail: (e) => r(e) })); }"""
    page.evaluate(ask, ["tmpl-a"])
    assert "TAP gesture" in page.evaluate("window.answered")["errMsg"]
    expect(phone.get_by_role("dialog")).to_have_count(0)

    # 每次弹窗: 允许接收通知 opens WeChat's prompt with three notices of one kind, by their purpose.
    page.get_by_label("订阅消息授权（wx.requestSubscribeMessage）").select_option("ask")
    allow = phone.get_by_role("button", name="允许接收通知")
    allow.click()
    prompt = phone.get_by_role("dialog", name="订阅消息")
    expect(prompt.locator("li")).to_have_count(3)
    prompt.get_by_role("button", name="拒绝").click()
    expect(rows.filter(has_text="您没有允许")).to_have_count(3)
    consents = lambda: requests.get(f"{wechat.url}/emulator/consents", params={"openid": "o-mp-panel-consent"},
                                    timeout=5).json()
    assert consents() == []   # only 允许 reaches WeChat
    allow.click()
    phone.get_by_role("dialog", name="订阅消息").get_by_role("button", name="允许").click()
    expect(rows.filter(has_text="您没有允许")).to_have_count(0)
    expect(rows.filter(has_text="已开启")).to_have_count(3)
    assert len(consents()) == 3
    # 自动拒绝: no prompt shows; the next three read 您没有允许.
    page.get_by_label("订阅消息授权（wx.requestSubscribeMessage）").select_option("reject")
    allow.click()
    expect(rows.filter(has_text="您没有允许")).to_have_count(3)
    expect(phone.get_by_role("dialog")).to_have_count(0)
    assert len(consents()) == 3

    # wx.chooseMessageFile: the browser's file chooser, filtered by the extensions asked for.
    sheet = tmp_path / "branches.csv"
    sheet.write_text("名称\n东城网点\n", encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.evaluate("""() => { window.chosen = new Promise((r) => wx.chooseMessageFile({ count: 1, type: 'file',
                             extension: ['xlsx', 'csv'], success: (c) => r(c.tempFiles), fail: (e) => r(e.errMsg) })); }""")
    assert chooser.value.element.get_attribute("accept") == ".xlsx,.csv"
    chooser.value.set_files(str(sheet))
    chosen = page.evaluate("window.chosen")
    assert [(f["name"], f["size"], f["type"]) for f in chosen] == [("branches.csv", sheet.stat().st_size, "file")]
    assert chosen[0]["path"].startswith("data:")
