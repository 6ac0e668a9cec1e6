"""The mini-program's own pages (miniprogram/pages) in Debian's Chromium at /simulator/mp/: WXML, page code,
utils and app.js rendered by Tencent's exparser (j-component), a browser `wx` that talks to this server and
the WeChat emulator, and real clicks and typing. A spike for issue 35 (docs/miniprogram.md)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from config.settings import PROJECT_ROOT
from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback.models import Feedback
from miniapp_api.identity.services import apply_verified_identity
from miniapp_api.notifications.models import SubscriptionConsent
from miniapp_api.notifications.templates import emulator_templates
from miniapp_api.platform.clock import utcnow
from tests.files import samples
from tests.browser import assert_accessible
from tests.simulator.phone import open_phone
from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity, id_number

pytestmark = pytest.mark.integration
DESK = {"width": 900, "height": 900}


@pytest.fixture
def hall(committed_db, wechat):
    hall = build_hall(committed_db.session, MONDAY_8AM)
    committed_db.session.commit()
    return hall


def test_home_to_item_search_through_the_mini_programs_own_pages(page: Page, live_server, hall, committed_db,
                                                                 artifacts):
    page.set_viewport_size(DESK)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-spike")
    phone = page.locator("#mp-phone")
    # pages/index/index: its tiles come from the page's own data, its title from index.json.
    expect(phone.locator(".mp-title")).to_have_text("办事通")
    expect(phone.get_by_role("button", name="长辈模式")).to_be_visible()
    page.screenshot(path=artifacts / "mp-home.png")
    assert_accessible(page, "mini-program home in the browser")

    # app.js's onLaunch logged in with a code the WeChat emulator issued for this user.
    assert committed_db.session.scalars(select(Citizen.id).where(Citizen.openid == "o-mp-spike")).first()

    # A click on a bindtap tile runs the page's open(): wx.navigateTo renders pages/items/index.
    phone.get_by_text("办事指南", exact=True).click()
    expect(phone.locator(".mp-title")).to_have_text("办事指南")
    items = phone.locator('.mp-page[data-page="pages/items/index"] wx-view.card')
    expect(items).to_have_count(2)

    # Typing fires bindinput (onInput), Enter bindconfirm (search): the list is what the API found.
    search = phone.get_by_label("搜索事项（名称或拼音首字母）")
    search.press_sequentially("飞船驾照")          # nothing found: said in words, with a way on
    search.press("Enter")
    expect(phone.get_by_text("没有找到“飞船驾照”", exact=False)).to_be_visible()
    expect(phone.get_by_role("button", name="说说我想办什么事")).to_be_visible()
    search.fill("")
    search.press_sequentially(hall.slow.name)
    search.press("Enter")
    expect(items).to_have_count(1)
    expect(items).to_have_text(hall.slow.name)
    page.screenshot(path=artifacts / "mp-items-search.png")

    # Tapping the result opens the item's guide in the same page (its pick handler, the item's own data).
    items.first.click()
    expect(phone.get_by_role("button", name="预约办理")).to_be_visible()
    expect(phone.get_by_text(hall.slow.name, exact=True)).to_be_visible()

    # 预约办理 opens pages/book/index with the item's code: the page lists the centres that handle it.
    phone.get_by_role("button", name="预约办理").click()
    expect(phone.locator(".mp-title")).to_have_text("预约办事")
    expect(phone.get_by_text(f"办理地点：{hall.centre.name}")).to_be_visible()

    # The back button pops the page stack; on the home page the elder-mode switch is the page's toggleElder.
    phone.get_by_role("button", name="返回").click()
    expect(phone.locator(".mp-title")).to_have_text("办事指南")
    phone.get_by_role("button", name="返回").click()
    expect(phone.locator(".mp-title")).to_have_text("办事通")
    phone.get_by_role("button", name="长辈模式").click()
    expect(phone.get_by_role("button", name="退出长辈模式")).to_be_visible()
    expect(phone.locator('.mp-page[data-page="pages/index/index"] wx-view.elder')).to_have_count(1)
    assert page.evaluate("localStorage.getItem('banshi.mp.banshi.elder')") == '"1"'   # wx.setStorageSync

    # 预约办事 asks first what the visit is for (the item list, saying so); then the booking page asks the API
    # (with app.js's token) who this is, and sends an unverified citizen to verify first.
    phone.get_by_text("预约办事", exact=True).click()
    expect(phone.locator(".mp-title")).to_have_text("办事指南")
    expect(phone.get_by_text("预约前先选要办的事", exact=False)).to_be_visible()
    phone.get_by_text(hall.slow.name, exact=True).click()
    phone.get_by_role("button", name="预约办理").click()
    expect(phone.locator(".mp-title")).to_have_text("预约办事")
    expect(phone.get_by_role("button", name="去实名核验")).to_be_visible()
    page.screenshot(path=artifacts / "mp-book-elder.png")
    assert errors == []


def test_the_booking_pages_date_picker_lists_that_days_slots(page: Page, live_server, hall, artifacts):
    with time_machine.travel(MONDAY_8AM, tick=True):
        page.set_viewport_size(DESK)
        # Opened straight on a page as a message's link does, on a phone not logged in yet: the page's first
        # requests wait for app.js's wx.login (utils/request.js whileLoggingIn) instead of meeting a 401 that
        # would send the citizen back to the home page.
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-picker#/pages/book/index?code={hall.quick.code}")
        phone = page.locator("#mp-phone")
        expect(phone.locator(".mp-title")).to_have_text("预约办事")
        expect(phone.get_by_text(f"办理地点：{hall.centre.name}")).to_be_visible()
        monday, tuesday = MONDAY_8AM.date().isoformat(), (MONDAY_8AM.date() + timedelta(days=1)).isoformat()
        slots = phone.locator('.mp-page[data-page="pages/book/index"] wx-view.slot')   # one card per start time
        expect(phone.get_by_role("button", name=f"日期：{monday}")).to_be_visible()   # the earliest open day
        expect(slots.first).to_be_visible()

        # <picker mode="date">: the sheet's date is bindchange's detail.value; the page asks for that day's slots.
        phone.get_by_role("button", name=f"日期：{monday}").click()
        sheet = phone.get_by_role("dialog")
        sheet.get_by_label("日期").fill(tuesday)
        with page.expect_response(lambda r: "/slots?" in r.url and f"date={tuesday}" in r.url and r.ok):
            sheet.get_by_role("button", name="确定").click()
        expect(phone.get_by_role("button", name=f"日期：{tuesday}")).to_be_visible()
        expect(slots.first).to_be_visible()
        page.screenshot(path=artifacts / "mp-book-slots.png")

        # <picker range>: the index chosen is detail.value (one person here: the citizen).
        phone.get_by_role("button", name="为谁预约：为自己").click()
        phone.get_by_role("dialog").get_by_role("button", name="为自己").click()
        expect(phone.get_by_role("dialog")).to_have_count(0)
        expect(phone.get_by_role("button", name="为谁预约：为自己")).to_be_visible()


def test_feedback_with_a_photo_through_the_feedback_page(page: Page, live_server, hall, committed_db, tmp_path,
                                                        artifacts):
    photo = tmp_path / "pavement.jpg"
    photo.write_bytes(samples.photo_with_gps())
    page.set_viewport_size(DESK)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-feedback")
    phone = page.locator("#mp-phone")
    phone.get_by_text("诉求与评价", exact=True).click()

    # <picker range>: 建议 is index 1 of the page's kinds; <textarea> typing is bindinput (the counter follows).
    phone.get_by_role("button", name="类型：建议").click()
    phone.get_by_role("dialog").get_by_role("button", name="投诉").click()
    expect(phone.get_by_role("button", name="类型：投诉")).to_be_visible()
    text = "盲道上停满了电动车，老人过不去"
    phone.get_by_label("内容（至少 5 个字，最多 1000 字）").press_sequentially(text)
    expect(phone.get_by_text(f"{len(text)}/1000 字")).to_be_visible()

    # wx.chooseMedia is the browser's file chooser; wx.uploadFile posts the picked file to /api/v1/files.
    with page.expect_file_chooser() as chooser:
        phone.get_by_role("button", name="添加照片（最多6张）").click()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/files") and r.ok):
        chooser.value.set_files(str(photo))
    expect(phone.get_by_role("button", name="删除")).to_be_visible()
    assert phone.locator("wx-image img").evaluate("image => image.complete && image.naturalWidth") == 640
    page.screenshot(path=artifacts / "mp-feedback-photo.png")

    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("已提交，谢谢您！")).to_be_visible()
    citizen = committed_db.session.scalars(select(Citizen).where(Citizen.openid == "o-mp-feedback")).one()
    filed = committed_db.session.scalars(select(Feedback).where(Feedback.citizen_id == citizen.id)).one()
    assert (filed.kind, filed.text, len(filed.photos)) == ("complaint", text, 1)



def test_asking_to_act_for_a_relative_with_one_scope_unticked(page: Page, live_server, hall, committed_db, cipher):
    session = committed_db.session
    citizen_with_identity(session, cipher, 802, name="刘桂兰")
    session.commit()
    page.set_viewport_size(DESK)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-relatives")
    me = session.scalars(select(Citizen).where(Citizen.openid == "o-mp-relatives")).one()
    apply_verified_identity(session, cipher, me, real_name="陈小红", id_number=id_number(801), now=utcnow())
    session.commit()
    page.goto(f"{live_server}/simulator/mp/?openid=o-mp-relatives#/pages/relatives/index")
    page.reload()
    phone = page.locator("#mp-phone")
    expect(phone.locator(".mp-title")).to_have_text("亲友代办")

    phone.get_by_label("亲友姓名（2 到 20 个字）").fill("刘桂兰")
    phone.get_by_label("亲友身份证号（18 位）").fill(id_number(802))
    phone.get_by_role("button", name="与您的关系：父母").click()   # <picker range>: 父母 is the page's default
    phone.get_by_role("dialog").get_by_role("button", name="子女", exact=True).click()
    expect(phone.get_by_role("button", name="与您的关系：子女")).to_be_visible()
    # <checkbox checked> in a <checkbox-group>: unticking 接收提醒 sends the group's change with the two left.
    scopes = phone.get_by_role("checkbox")
    expect(scopes).to_have_count(3)
    expect(scopes.nth(2)).to_have_attribute("aria-checked", "true")
    phone.get_by_text("接收提醒", exact=True).click()
    expect(scopes.nth(2)).to_have_attribute("aria-checked", "false")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/relatives") and r.method == "POST") as asked:
        phone.get_by_role("button", name="申请代办").click()
    assert sorted(asked.value.post_data_json["scopes"]) == ["book", "view"]
    code = phone.get_by_text("授权码：", exact=False).inner_text().split("：")[1].strip()
    expect(phone.get_by_text("刘桂兰（子女）", exact=False)).to_be_visible()

    # On 刘桂兰's own WeChat (verified with the ID number typed above): the request waits for her, and before she
    # confirms she reads who asks and what they could do for her — only the two scopes ticked.
    relative = open_phone(page, live_server, "o-test-802", "pages/relatives/index")
    waiting = relative.locator("wx-view.card", has_text="陈小红（申请时说您是TA的子女）")
    expect(waiting).to_contain_text("待确认")
    expect(waiting).to_contain_text("想替您做：")
    expect(waiting).to_contain_text("查看办件与证照")
    expect(waiting).not_to_contain_text("接收提醒")
    expect(waiting.get_by_role("button", name="不同意")).to_be_visible()
    relative.get_by_label("8 位授权码").fill(code)
    relative.get_by_role("button", name="确认授权").click()
    expect(waiting).to_contain_text("已生效")
    expect(waiting).to_contain_text("可以替您做：")
    expect(waiting).to_contain_text("有效期至 ")
    expect(waiting.get_by_role("button", name="撤销授权")).to_be_visible()

    # Back on 陈小红's phone: 刘桂兰's records open (view was granted), read-only.
    asker = open_phone(page, live_server, "o-mp-relatives", "pages/relatives/index")
    asker.get_by_role("button", name="查看刘桂兰的预约、办件和证照").click()
    expect(asker.locator(".mp-title")).to_have_text(re.compile("亲友"))
    expect(asker.get_by_text("刘桂兰的记录（您只能查看，不能替其修改）")).to_be_visible()
    expect(asker.get_by_text("没有办件记录。")).to_be_visible()



def test_face_check_and_the_wechat_phone_button_on_the_me_page(page: Page, live_server, hall):
    page.set_viewport_size(DESK)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-me")
    phone = page.locator("#mp-phone")
    phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
    expect(phone.get_by_text("实名状态：未实名核验", exact=False)).to_be_visible()

    # 人脸核身: the page's verify() → wx.requestFacialVerify through the emulator → confirmed on the server.
    phone.get_by_label("姓名（2 到 20 个字）").fill("李秀英")
    phone.get_by_label("身份证号（18 位）").fill(id_number(803))
    phone.get_by_role("button", name="开始人脸核验").click()
    expect(phone.get_by_text("实名状态：已实名核验")).to_be_visible()

    # <button open-type="getPhoneNumber">: 拒绝 sends no code (the page does nothing); 允许 sends the emulator's.
    phone.get_by_role("button", name="使用微信手机号").click()
    phone.get_by_role("dialog").get_by_role("button", name="拒绝").click()
    expect(phone.get_by_text("手机号：未填写")).to_be_visible()
    phone.get_by_role("button", name="使用微信手机号").click()
    phone.get_by_role("dialog").get_by_label("微信绑定的手机号（模拟）").fill("13912345678")
    phone.get_by_role("dialog").get_by_role("button", name="允许").click()
    expect(phone.get_by_text("手机号：139****5678（微信验证）")).to_be_visible()


def test_every_page_in_app_json_renders_in_the_browser_without_a_script_error(page: Page, live_server, hall):
    pages = json.loads((PROJECT_ROOT / "miniprogram" / "app.json").read_text())["pages"]
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/login") and r.ok):
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-every-page")
    for path in pages:
        page.goto(f"{live_server}/simulator/mp/?openid=o-mp-every-page#/{path}")
        page.reload()
        expect(page.locator(".mp-page")).not_to_have_count(0)   # this page, or where its onLoad redirected
        page.wait_for_load_state("networkidle")
        assert errors == [], path


def test_the_consent_page_names_every_notice_and_asks_three_at_a_tap(page: Page, live_server, hall, committed_db,
                                                                     artifacts):
    phone = open_phone(page, live_server, "o-mp-consents")
    phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
    expect(phone.get_by_text("实名状态：", exact=False)).to_be_visible()   # loaded: the list below has moved down
    page.screenshot(path=artifacts / "mp-me.png")
    phone.get_by_text("订阅通知（哪些提醒发到微信）", exact=True).click()
    expect(phone.locator(".mp-title")).to_have_text("订阅通知")
    rows = phone.locator('.mp-page[data-page="pages/consents/index"] wx-view.card.row')
    templates = len(emulator_templates())
    expect(rows).to_have_count(templates)
    expect(rows.filter(has_text="未开启")).to_have_count(templates)
    # Every notice in words: no template key such as appointment_status or survey_invite.
    assert not re.search(r"[a-z]+_[a-z]+", phone.locator(".mp-pages").inner_text())
    assert_accessible(page, "订阅通知")
    page.screenshot(path=artifacts / "mp-consents.png")

    # Each tap asks WeChat, straight from the tap, for at most three of one kind (the panel answers 允许) and says
    # what is left for the next tap, until every notice is on.
    allow = phone.get_by_role("button", name="允许接收通知")
    off = templates
    for _ in range(templates):
        if off == 0:
            break
        allow.click()
        expect(rows.filter(has_text="未开启")).not_to_have_count(off)
        now_off = rows.filter(has_text="未开启").count()
        assert 1 <= off - now_off <= 3, (off, now_off)
        off = now_off
        if off:
            expect(phone.get_by_text(f"还有 {off} 类通知未开启", exact=False)).to_be_visible()
    expect(phone.get_by_text("需要的通知都已开启")).to_be_visible()
    expect(allow).to_have_count(0)
    citizen = committed_db.session.scalars(select(Citizen).where(Citizen.openid == "o-mp-consents")).one()
    granted = committed_db.session.scalars(select(SubscriptionConsent).where(
        SubscriptionConsent.citizen_id == citizen.id)).all()
    assert {c.last_result for c in granted} == {"accept"} and len(granted) == templates


def test_the_simulators_address_opens_the_phone_with_the_testers_choices(client):
    """README's /simulator/ is the phone at /simulator/mp/ (the old simulator's own page code is gone)."""
    answer = client.get("/simulator/?openid=o-readme&font=24")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/simulator/mp/?openid=o-readme&font=24")
    assert client.get("/simulator/").headers["Location"].endswith("/simulator/mp/")
    assert client.get("/simulator/lib/request.js").status_code == 404
    assert client.get("/simulator/static/app.js").status_code == 404
