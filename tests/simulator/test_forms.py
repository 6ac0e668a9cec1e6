"""Every form of the mini-program's own pages (/simulator/mp/, Chromium): a bad input shows the API's own Chinese
message under the field it names and keeps what was typed, then the corrected input goes through — the face
check, searching items, booking (for oneself, and for someone else by their typed details), rescheduling,
cancelling, looking a case up by its receipt, reporting a material sent, filing feedback and rating the answer.
axe-core on the pages; readable at 200 % zoom."""

from __future__ import annotations

import pytest
import requests
import time_machine
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from miniapp_api import create_app
from miniapp_api.applications import services as applications
from miniapp_api.appointments.models import Appointment
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.feedback.models import Feedback
from miniapp_api.identity.services import id_hash_as_stored
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, id_number, make_staff
from tests.simulator.phone import PHONE, current_page, open_phone
from tests.simulator.staff import staff_headers

pytestmark = pytest.mark.integration
OPENID = "o-mp-forms"


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


def go(page: Page, url: str) -> None:
    """Open the mini-program anew on a page, as a link from outside does (a new launch, not a hash change)."""
    page.goto(url)
    page.reload()


def error_under(host: Locator) -> Locator:
    """The page's error line right under a field (its <input>/<textarea>/<picker>/<radio-group> element)."""
    return host.locator("xpath=following-sibling::wx-text[contains(concat(' ', @class, ' '), ' error ')][1]")


def field(phone: Locator, placeholder: str) -> Locator:
    return phone.get_by_label(placeholder, exact=True)


def host_of(box: Locator) -> Locator:
    return box.locator("xpath=ancestor::*[self::wx-input or self::wx-textarea][1]")


def submit_expecting_field_error(page: Page, button: Locator, host: Locator, api_field: str) -> str:
    """Tap, catch the API's error envelope, and find its message for `api_field` under that field."""
    with page.expect_response(lambda r: "/api/v1/" in r.url and r.status in (409, 422)) as caught:
        button.click()
    fields = caught.value.json()["error"]["fields"]
    key = next(k for k in fields if k.removeprefix("body.") == api_field)
    expect(error_under(host)).to_have_text(fields[key])
    return fields[key]


def refused_before_sending(page: Page, button: Locator, host: Locator, message: str) -> None:
    """A choice the citizen has not made is asked for under its field, and nothing is sent."""
    sent: list[str] = []
    listener = lambda r: sent.append(r.url) if "/api/v1/" in r.url and r.method == "POST" else None  # noqa: E731
    page.on("request", listener)
    button.click()
    expect(error_under(host)).to_have_text(message)
    page.remove_listener("request", listener)
    assert sent == []


def test_bad_input_in_every_form_then_the_good_one(page: Page, live_server, world, committed_db, app, artifacts):
    hall, manager, case, owing = world
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, OPENID)
        assert_accessible(page, "home")

        # 我的: a wrong ID number is refused under that field and both fields keep what was typed.
        phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
        me = current_page(phone, "pages/me/index")
        field(me, "姓名（2 到 20 个字）").fill("王建国")
        field(me, "身份证号（18 位）").fill("37150219")
        message = submit_expecting_field_error(page, me.get_by_role("button", name="开始人脸核验"),
                                               host_of(field(me, "身份证号（18 位）")), "id_number")
        assert "身份证" in message
        expect(field(me, "身份证号（18 位）")).to_have_value("37150219")
        expect(field(me, "姓名（2 到 20 个字）")).to_have_value("王建国")
        assert_accessible(page, "me with an error")
        field(me, "身份证号（18 位）").fill(id_number(602))
        me.get_by_role("button", name="开始人脸核验").click()
        expect(me.get_by_text("实名状态：已实名核验")).to_be_visible()
        expect(me.get_by_text("姓名：王建国")).to_be_visible()

        # 办事指南's search box holds what the API accepts (40 characters), no more.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/items/index")
        search = field(current_page(phone, "pages/items/index"), "搜索事项（名称或拼音首字母）")
        search.press_sequentially("营" * 41)
        expect(search).to_have_value("营" * 40)

        # Booking: 确认预约 with no time chosen is refused under the times, then a chosen time books.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}"
                  f"#/pages/book/index?code={hall.quick.code}&centre={hall.centre.id}&date=2026-11-23")
        book = current_page(phone, "pages/book/index")
        expect(book.get_by_text("10:00 ·", exact=False).first).to_be_visible()
        submit_expecting_field_error(page, book.get_by_role("button", name="确认预约"),
                                     book.locator("wx-picker").filter(has_text="为谁预约"), "slot_id")
        assert_accessible(page, "booking with an error")

        # For someone else (not an authorised relative), their details typed: a wrong check digit is refused under
        # the ID number with everything typed kept; corrected, it books a seat in their name.
        book.get_by_text("11:00 ·", exact=False).first.click()
        book.get_by_role("button", name="为谁预约：为自己").click()
        phone.get_by_role("dialog").get_by_role("button", name="为其他人（不是已授权的亲友）").click()
        expect(book.get_by_text("只是帮对方约一个号，不能因此查看或办理对方的预约、办件和证照。")).to_be_visible()
        other_id = id_number(603)
        wrong_id = other_id[:17] + ("2" if other_id[17] == "1" else "1")
        field(book, "对方姓名（2 到 20 个字）").fill("王小红")
        field(book, "对方身份证号（18 位）").fill(wrong_id)
        field(book, "对方手机号（11 位）").fill("13912340603")
        book.get_by_role("button", name="对方与您的关系：请选择").click()
        phone.get_by_role("dialog").get_by_role("button", name="子女", exact=True).click()
        expect(book.get_by_text("18/18 位", exact=True)).to_be_visible()
        message = submit_expecting_field_error(page, book.get_by_role("button", name="确认预约"),
                                               host_of(field(book, "对方身份证号（18 位）")), "for_person.id_number")
        assert "校验码" in message
        expect(field(book, "对方姓名（2 到 20 个字）")).to_have_value("王小红")
        expect(field(book, "对方身份证号（18 位）")).to_have_value(wrong_id)
        expect(field(book, "对方手机号（11 位）")).to_have_value("13912340603")
        expect(book.get_by_role("button", name="对方与您的关系：子女")).to_be_visible()
        expect(book.get_by_role("button", name="为谁预约：为其他人（不是已授权的亲友）")).to_be_visible()
        expect(book.locator("wx-text.error")).to_have_count(2)   # the ID number's message and the page's summary
        assert_accessible(page, "booking for someone else with an error")
        page.screenshot(path=artifacts / "mp-book-for-other.png", full_page=True)
        field(book, "对方身份证号（18 位）").fill(other_id)
        book.get_by_role("button", name="确认预约").click()
        expect(current_page(phone, "pages/appointments/detail").get_by_text("状态：已预约")).to_be_visible()
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        cipher = app.extensions["banshi.cipher"]
        for_other = session.scalars(select(Appointment).where(Appointment.citizen_id == citizen.id)).one()
        assert (for_other.person_name, for_other.proxy_relation, for_other.status) == ("王小红", "子女", "booked")
        assert for_other.named_id_hash == id_hash_as_stored(session, cipher, other_id)
        assert for_other.person_hash != citizen.verified_id_hash and for_other.authorisation_id is None
        assert cipher.decrypt(for_other.proxy_id_number_enc, context=ID_NUMBER_CONTEXT) == other_id
        assert cipher.decrypt(for_other.proxy_phone_enc, context=PHONE_CONTEXT) == "13912340603"

        # For oneself: 10:00 at both windows is one choice.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}"
                  f"#/pages/book/index?code={hall.quick.code}&centre={hall.centre.id}&date=2026-11-23")
        book = current_page(phone, "pages/book/index")
        book.get_by_text("10:00 ·", exact=False).first.click()
        book.get_by_role("button", name="确认预约").click()
        detail = current_page(phone, "pages/appointments/detail")
        expect(detail.get_by_text("状态：已预约")).to_be_visible()
        assert_accessible(page, "appointment")

        # 改约: no new time chosen is asked for and nothing is sent; a chosen time moves it; then cancel.
        detail.get_by_role("button", name="改约到其他时间").click()
        detail.get_by_role("button", name="新的日期：请选择").click()
        phone.get_by_role("dialog").get_by_label("日期").fill("2026-11-24")
        phone.get_by_role("dialog").get_by_role("button", name="确定").click()
        slots = detail.locator("wx-view.slot")
        expect(slots.first).to_be_visible()
        refused_before_sending(page, detail.get_by_role("button", name="确认改约"),
                               detail.locator("wx-view.slot").last, "请选择新的时间")
        slots.first.click()
        detail.get_by_role("button", name="确认改约").click()
        moved = current_page(phone, "pages/appointments/detail")
        expect(moved.get_by_text("11月24日", exact=False)).to_be_visible()
        moved.get_by_role("button", name="取消预约").click()
        moved.get_by_role("button", name="是，取消预约").click()
        expect(moved.get_by_text("状态：已取消")).to_be_visible()
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/appointments/index")
        mine = current_page(phone, "pages/appointments/index")
        expect(mine.locator("wx-view.card")).to_have_count(3)
        expect(mine.get_by_text("状态：已预约（为王小红预约）")).to_be_visible()
        assert_accessible(page, "appointments")
        session.expire_all()
        assert sorted((a.person_name, a.status) for a in session.scalars(
            select(Appointment).where(Appointment.citizen_id == citizen.id))) == [
            ("王小红", "booked"), ("王建国", "cancelled"), ("王建国", "cancelled")]

        # The counter receipt: reference + last four phone digits; two digits are refused under that field.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/applications/detail")
        lookup = current_page(phone, "pages/applications/detail")
        field(lookup, "受理编号").fill(case.reference)
        field(lookup, "手机号后四位").fill("06")
        submit_expecting_field_error(page, lookup.get_by_role("button", name="查询"),
                                     host_of(field(lookup, "手机号后四位")), "phone_last4")
        expect(field(lookup, "受理编号")).to_have_value(case.reference)
        assert_accessible(page, "case lookup with an error")
        field(lookup, "手机号后四位").fill("0601")
        lookup.get_by_role("button", name="查询").click()
        expect(lookup.get_by_text(f"{hall.quick.name} · 已受理", exact=False)).to_be_visible()
        assert_accessible(page, "case")
        staff_completes(live_server, manager, case.reference)
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/applications/detail?ref={case.reference}")
        completed = current_page(phone, "pages/applications/detail")
        expect(completed.get_by_text("已办结", exact=False).first).to_be_visible()

        # A 容缺 case: the note box holds the API's 200 characters; the citizen reports the material sent.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/applications/detail")
        lookup = current_page(phone, "pages/applications/detail")
        field(lookup, "受理编号").fill(owing.reference)
        field(lookup, "手机号后四位").fill("0601")
        lookup.get_by_role("button", name="查询").click()
        note = field(lookup, "补交说明")
        note.fill("邮" * 201)
        expect(note).to_have_value("邮" * 200)
        note.fill("已邮寄，顺丰 SF1234567890")
        lookup.get_by_role("button", name="我已补交“户口本复印件”").click()
        expect(lookup.get_by_text("已告诉窗口您已补交“户口本复印件”，窗口收到后会确认")).to_be_visible()

        # A bad rating of the case: no level is chosen for the citizen and none is sent without one; the
        # rectification it opens is fixed by staff, and the citizen, asked in 消息, is satisfied.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/applications/detail?ref={case.reference}")
        current_page(phone, "pages/applications/detail").get_by_role("button", name="评价办件服务").click()
        rate = current_page(phone, "pages/feedback/index")
        expect(rate.get_by_role("radio")).to_have_count(5)
        expect(rate.locator('wx-radio[aria-checked="true"]')).to_have_count(0)
        refused_before_sending(page, rate.get_by_role("button", name="提交"), rate.locator("wx-radio-group"),
                               "请选择您的满意程度")
        rate.get_by_text("非常不满意", exact=True).click()
        field(rate, "想说的话（不满意时请写明原因，最多 500 字）").fill("窗口让我跑了两趟")
        rate.get_by_role("button", name="提交").click()
        expect(rate.get_by_text("我们会尽快联系您核实", exact=False)).to_be_visible()
        staff_fixes_the_rectification(live_server, manager)
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/messages/index")
        current_page(phone, "pages/messages/index").locator("wx-view.card", has_text="整改结果回访").first.click()
        revisit = current_page(phone, "pages/ratings/rectification")
        expect(revisit.get_by_text("整改情况：已整改，待回访")).to_be_visible()
        assert_accessible(page, "rectification")
        revisit.get_by_role("button", name="满意", exact=True).click()
        expect(revisit.get_by_text("感谢您的反馈")).to_be_visible()
        page.reload()
        expect(current_page(phone, "pages/ratings/rectification").get_by_text("整改情况：已回访办结")).to_be_visible()

        # Feedback: too short is refused under the text (kept as typed), then filed; staff answer it; a bad
        # rating of the answer needs a reason.
        go(page, f"{live_server}/simulator/mp/?openid={OPENID}#/pages/feedback/index")
        form = current_page(phone, "pages/feedback/index")
        text = field(form, "内容（至少 5 个字，最多 1000 字）")
        text.fill("太慢")
        submit_expecting_field_error(page, form.get_by_role("button", name="提交"), host_of(text), "text")
        expect(text).to_have_value("太慢")
        assert_accessible(page, "feedback form with an error")
        form.get_by_role("button", name="类型：建议").click()
        phone.get_by_role("dialog").get_by_role("button", name="投诉").click()
        form.get_by_role("button", name="涉及的服务中心：不涉及具体的服务中心").click()
        phone.get_by_role("dialog").get_by_role("button", name=hall.centre.name).click()
        text.fill(f"在{hall.centre.name}排队太久，叫号屏也看不清")
        form.get_by_role("button", name="提交").click()
        expect(form.get_by_text("已提交，谢谢您！")).to_be_visible()
        filed = session.scalars(select(Feedback).where(Feedback.citizen_id == citizen.id)).one()
        assert (filed.kind, filed.centre_id) == ("complaint", hall.centre.id)
        staff_answers(live_server, manager, filed.id)
        form.get_by_role("button", name="查看我提交的诉求").click()
        answered = current_page(phone, "pages/feedback/detail")
        expect(answered.get_by_text("状态：已答复")).to_be_visible()
        assert_accessible(page, "feedback")
        answered.get_by_role("button", name="评价答复").click()
        rate = current_page(phone, "pages/feedback/index")
        rate.get_by_text("非常不满意", exact=True).click()
        comment = field(rate, "想说的话（不满意时请写明原因，最多 500 字）")
        message = submit_expecting_field_error(page, rate.get_by_role("button", name="提交"), host_of(comment),
                                               "comment")
        assert "原因" in message
        expect(rate.locator('wx-radio[aria-checked="true"]')).to_have_count(1)   # the choice is kept too
        assert_accessible(page, "rating with an error")
        comment.fill("答复没有说明什么时候修好叫号屏")
        rate.get_by_role("button", name="提交").click()
        expect(rate.get_by_text("已提交，谢谢您！", exact=False)).to_be_visible()
        page.screenshot(path=artifacts / "mp-rated.png", full_page=True)


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
    """The phone's 375 pixels at 200 % zoom leave the page 188 CSS pixels: nothing may need sideways scrolling,
    and no text is set below 15 CSS pixels (labels and tags; body text is 18)."""
    hall, *_ = world
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, "o-mp-zoom", viewport=PHONE)
        for path in ("pages/index/index", "pages/me/index", f"pages/items/index?code={hall.quick.code}",
                     f"pages/book/index?code={hall.quick.code}&centre={hall.centre.id}&date=2026-11-23",
                     "pages/feedback/index", "pages/applications/detail"):
            page.goto(f"{live_server}/simulator/mp/?openid=o-mp-zoom#/{path}")
            page.reload()
            shown = current_page(phone, path.split("?")[0])
            expect(shown.locator("wx-button, wx-input").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            smallest = shown.evaluate("""page => Math.min(...[...page.querySelectorAll('*')]
                .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
            assert smallest >= 15, (path, smallest)
            # Browser zoom: every CSS pixel (and rpx) twice as large in the same 375 device pixels.
            overflow = phone.locator(".mp-pages").evaluate(
                "pages => { pages.style.zoom = 2; return pages.scrollWidth - pages.clientWidth; }")
            assert overflow <= 1, (path, overflow)


def test_the_simulator_is_off_in_production(settings):
    production = settings.model_copy(update={"simulator": None, "banshi_env": type(settings.banshi_env)("production")})
    assert production.simulator_enabled is False
    assert settings.model_copy(update={"simulator": False}).simulator_enabled is False
    app = create_app(settings.model_copy(update={"simulator": False}))
    try:
        client = app.test_client()
        assert client.get("/simulator/").status_code == 404
        assert client.get("/simulator/mp/").status_code == 404
    finally:
        create_app(settings)
