"""Every simulator form: a bad input shows the API's own Chinese message next to the field it names, then the
corrected input goes through — booking for a relative, rescheduling, cancelling, looking a case up by its
receipt, filing feedback and rating the answer. axe-core on every page; readable at 200 % zoom."""

from __future__ import annotations

import re

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api import create_app
from miniapp_api.applications import services as applications
from tests.browser import assert_accessible
from tests.factories import (
    MONDAY_8AM,
    build_hall,
    id_number,
    make_staff,
)
from tests.simulator.test_simulator import (
    new_citizen,
    staff_headers,
    submit_expecting_field_error,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def world(committed_db, app, wechat):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    hall = build_hall(session, MONDAY_8AM)
    manager = make_staff(session, [hall.centre], ("centre_manager", "feedback_handler"))
    case = applications.intake(
        session, cipher, manager, item_code=hall.quick.code, centre_id=hall.centre.id, now=MONDAY_8AM,
        applicant=applications.Applicant("person", "李秀英", id_number=id_number(601), phone="13912340601"),
        accept=applications.Advance(applications.S.ACCEPTED))
    owing = applications.intake(
        session, cipher, manager, item_code=hall.quick.code, centre_id=hall.centre.id, now=MONDAY_8AM,
        applicant=applications.Applicant("person", "李秀英", id_number=id_number(601), phone="13912340601"),
        accept=applications.Advance(applications.S.ACCEPTED_PENDING_MATERIALS, missing_materials=["户口本复印件"],
                                    promise_text="本人承诺五个工作日内补交", materials_due_on=MONDAY_8AM.date()))
    session.commit()
    return hall, manager, case, owing


def test_bad_input_in_every_form_then_the_good_one(page: Page, live_server, world, artifacts):
    hall, manager, case, owing = world
    page.on("dialog", lambda dialog: dialog.accept())
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "王大爷")
        assert_accessible(page, "home")

        page.get_by_role("link", name="我的", exact=True).click()
        page.get_by_label("身份证号").fill("37150219")
        message = submit_expecting_field_error(page, "开始人脸核验", "id_number")
        assert "身份证" in message
        assert_accessible(page, "profile with an error")
        page.get_by_label("姓名").fill("王建国")
        page.get_by_label("身份证号").fill(id_number(602))
        page.get_by_role("button", name="开始人脸核验").click()
        # A failed face check reads as its reason and verifies nothing; the second try passes.
        page.get_by_label("刷脸结果（模拟器里选择）").select_option("10004")
        page.get_by_role("button", name="完成刷脸").click()
        expect(page.locator("#face .form-error, #face [role=alert]").first).to_contain_text("比对不一致")
        expect(page.locator("#identity-status")).to_contain_text("未实名核验")
        page.get_by_role("button", name="开始人脸核验").click()
        page.get_by_label("刷脸结果（模拟器里选择）").select_option("10000")
        page.get_by_role("button", name="完成刷脸").click()
        expect(page.locator("#identity-status")).to_contain_text("已实名核验")
        expect(page.locator(".card").first).to_contain_text("王建国")
        page.get_by_label("手动填写手机号").fill("139")
        submit_expecting_field_error(page, "保存手机号", "phone")

        page.goto(f"{live_server}/simulator/#/items")
        page.get_by_label("搜索事项（名称或拼音首字母）").fill("营" * 41)
        submit_expecting_field_error(page, "搜索", "q")
        assert_accessible(page, "items with an error")

        # Booking for a relative: a wrong ID number is refused next to that field, then it books.
        page.goto(f"{live_server}/simulator/#/book/{hall.quick.code}?centre={hall.centre.id}&date=2026-11-23")
        # 10:00 at both windows is one choice (the window with more seats left is booked).
        page.get_by_label(re.compile(r"10:00 · 余\d+个号")).check()
        page.get_by_label("为家人或他人代约").check()
        page.get_by_label("对方姓名").fill("王母")
        page.get_by_label("对方身份证号").fill("123456")
        page.get_by_label("对方手机号").fill("13700001111")
        submit_expecting_field_error(page, "确认预约", "for_person.id_number")
        assert_accessible(page, "booking with an error")
        page.get_by_label("对方身份证号").fill(id_number(603))
        page.get_by_role("button", name="确认预约").click()
        expect(page.locator("#appointment-status")).to_have_text("已预约")
        expect(page.locator(".card").first).to_contain_text("代父母预约")
        assert_accessible(page, "appointment")

        # Reschedule: no slot chosen is refused by the API, then a slot moves it; then cancel.
        page.get_by_label("新的日期").fill("2026-11-24")
        page.get_by_role("button", name="查看可约时段").click()
        expect(page.locator("#new-slots input").first).to_be_attached()
        submit_expecting_field_error(page, "确认改约", "slot_id")
        page.locator("#new-slots input:not([disabled])").first.check()
        page.get_by_role("button", name="确认改约").click()
        expect(page.locator(".card").first).to_contain_text("11月24日")
        page.get_by_role("button", name="取消预约").click()
        expect(page.locator("#appointment-status")).to_have_text("已取消")
        page.goto(f"{live_server}/simulator/#/appointments")
        expect(page.locator("a.row")).to_have_count(2)
        assert_accessible(page, "appointments")

        # The counter receipt: reference + last four phone digits.
        page.goto(f"{live_server}/simulator/#/applications")
        page.get_by_label("受理编号").fill(case.reference)
        page.get_by_label("手机号后四位").fill("06")
        submit_expecting_field_error(page, "查询", "phone_last4")
        assert_accessible(page, "applications")
        page.get_by_label("手机号后四位").fill("0601")
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#application-status")).to_have_text("已受理")
        assert_accessible(page, "application")
        staff_completes(live_server, manager, case.reference)
        page.reload()
        expect(page.locator("#application-status")).to_have_text("已办结")
        # A 容缺 case: the citizen reports the missing material sent; a note too long is refused at the field.
        page.goto(f"{live_server}/simulator/#/applications")
        page.get_by_label("受理编号").fill(owing.reference)
        page.get_by_label("手机号后四位").fill("0601")
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#application-status")).to_have_text("已受理，材料可以以后补交")
        page.get_by_label("怎么交的（如：已邮寄，顺丰单号…）").fill("邮" * 201)
        submit_expecting_field_error(page, "我已补交“户口本复印件”", "note")
        page.get_by_label("怎么交的（如：已邮寄，顺丰单号…）").fill("已邮寄，顺丰 SF1234567890")
        page.get_by_role("button", name="我已补交“户口本复印件”").click()
        expect(page.locator(".ok", has_text="已告知窗口您已寄送")).to_be_visible()
        page.goto(f"{live_server}/simulator/#/applications/{case.reference}")

        # A bad rating of the case: a rectification opens; staff fix it; the citizen is asked and is satisfied.
        page.get_by_role("link", name="评价办件服务").click()
        # No level is chosen for the citizen (国办 2019 好差评): none is ticked, and without one nothing is sent.
        expect(page.locator("#rate input[type=radio]")).to_have_count(5)
        expect(page.locator("#rate input[type=radio]:checked")).to_have_count(0)
        assert_unchosen_refused(page, "提交评价", "level", "请选择您的满意程度")
        page.get_by_role("radio", name="非常不满意").check()
        page.get_by_label("想说的话（不满意时请写明原因）").fill("窗口让我跑了两趟")
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_role("status")).to_have_text("感谢您的评价！")
        expect(page.locator(".card")).to_contain_text("1 个工作日内与您联系核实")
        staff_fixes_the_rectification(live_server, manager)
        page.goto(f"{live_server}/simulator/#/messages")
        page.locator("#in-app li", has_text="整改结果回访").get_by_role("link", name="查看").click()
        expect(page.locator("#rectification-status")).to_have_text("已整改，待回访")
        assert_accessible(page, "rectification")
        expect(page.locator("#revisit input[type=radio]:checked")).to_have_count(0)
        assert_unchosen_refused(page, "提交", "satisfied", "请选择您对整改结果是否满意")
        page.get_by_role("radio", name="满意", exact=True).check()
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#rectification-status")).to_have_text("已回访办结")

        # Feedback: too short, then filed; staff answer it; a bad rating needs a reason.
        page.goto(f"{live_server}/simulator/#/feedback")
        page.get_by_label("内容（至少 5 个字）").fill("太慢")
        submit_expecting_field_error(page, "提交", "text")
        assert_accessible(page, "feedback form")
        page.get_by_label("类型").select_option(label="投诉")
        page.get_by_label("涉及的服务中心").select_option(label=hall.centre.name)
        page.get_by_label("内容（至少 5 个字）").fill(f"在{hall.centre.name}排队太久，叫号屏也看不清")
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#feedback-status")).to_be_visible()
        feedback_id = int(page.url.rsplit("/", 1)[-1])
        staff_answers(live_server, manager, feedback_id)
        page.reload()
        expect(page.locator("#feedback-status")).to_have_text("已答复")
        assert_accessible(page, "feedback")
        page.get_by_role("link", name="评价答复").click()
        page.get_by_role("radio", name="非常不满意").check()
        message = submit_expecting_field_error(page, "提交评价", "comment")
        assert "原因" in message
        assert_accessible(page, "rating with an error")
        page.get_by_label("想说的话（不满意时请写明原因）").fill("答复没有说明什么时候修好叫号屏")
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_role("status")).to_have_text("感谢您的评价！")
        page.screenshot(path=artifacts / "simulator-rated.png", full_page=True)


def assert_unchosen_refused(page, button: str, field: str, message: str) -> None:
    """Submitting without a choice says so at the field and sends nothing."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/api/v1/" in r.url and r.method == "POST" else None)
    page.get_by_role("button", name=button).click()
    expect(page.locator(f'[data-field="{field}"] .field-error')).to_have_text(message)
    assert sent == []


def staff_completes(base: str, manager, reference: str) -> None:
    headers = staff_headers(base, manager)
    for target in ("in_review", "approved", "completed"):  # an electronic licence: no pickup, no mail
        moved = requests.post(f"{base}/api/staff/v1/applications/{reference}/advance", headers=headers,
                              json={"to": target}, timeout=10)
        assert moved.status_code == 200, moved.text


def staff_fixes_the_rectification(base: str, manager) -> None:
    headers = staff_headers(base, manager)
    [open_one] = requests.get(f"{base}/api/staff/v1/rectifications", headers=headers, params={"status": "open"},
                              timeout=10).json()["rectifications"]
    fixed = requests.post(f"{base}/api/staff/v1/rectifications/{open_one['id']}/fix", headers=headers,
                          json={"category": "立行立改", "reply": "已为您当场补办，并对窗口人员进行了培训"}, timeout=10)
    assert fixed.status_code == 200, fixed.text


def staff_answers(base: str, manager, feedback_id: int) -> None:
    headers = staff_headers(base, manager)
    url = f"{base}/api/staff/v1/feedback/{feedback_id}"
    assert requests.post(f"{url}/assign", headers=headers, json={}, timeout=10).status_code == 200
    answered = requests.post(f"{url}/answer", headers=headers, json={"answer": "已安排专人维修叫号屏，并增开窗口。"},
                             timeout=10)
    assert answered.status_code == 200, answered.text


def test_readable_at_200_percent_zoom(page: Page, live_server, world):
    """A 375-pixel phone at 200 % zoom is 188 CSS pixels wide: nothing may need sideways scrolling, and no
    text is set below 15 CSS pixels (labels and tags; body text is 18)."""
    hall, *_ = world
    with time_machine.travel(MONDAY_8AM, tick=True):
        new_citizen(page, live_server, "赵奶奶")
        page.set_viewport_size({"width": 188, "height": 334})
        for path in ("#/home", "#/me", f"#/items/{hall.quick.code}",
                     f"#/book/{hall.quick.code}?centre={hall.centre.id}&date=2026-11-23", "#/feedback", "#/applications"):
            page.goto(f"{live_server}/simulator/{path}")
            expect(page.locator("#screen > *").first).to_be_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, (path, overflow)
            smallest = page.evaluate("""Math.min(...[...document.querySelectorAll('#screen *')]
                .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
            assert smallest >= 15, (path, smallest)


def test_the_simulator_is_off_in_production(settings):
    production = settings.model_copy(update={"simulator": None, "banshi_env": type(settings.banshi_env)("production")})
    assert production.simulator_enabled is False
    assert settings.model_copy(update={"simulator": False}).simulator_enabled is False
    app = create_app(settings.model_copy(update={"simulator": False}))
    try:
        assert app.test_client().get("/simulator/").status_code == 404
    finally:
        create_app(settings)
