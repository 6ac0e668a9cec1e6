"""The citizen's side through the phone simulator, in Debian's Chromium, against the real stack: the app on a
real port, RQ workers in their own processes, PostgreSQL, Redis, and the WeChat emulator over HTTP.

The app's clock is moved with time-machine and the workers start on the same instant (the simulator page
keeps the real one), so the day and hour of the visit are a fixed working Monday whatever time the suite runs.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
import time_machine
from playwright.sync_api import Page, expect
from rq import Queue
from sqlalchemy import select, update

from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.services import apply_verified_identity
from miniapp_api.notifications.models import Notification
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import DomainEvent
from miniapp_api.surveys import services as surveys
from tests.browser import assert_accessible
from tests.factories import (
    MONDAY_8AM,
    STAFF_PASSWORD,
    build_hall,
    id_number,
    make_staff,
)
from tests.workers import run_worker

pytestmark = pytest.mark.integration
PHONE = {"width": 375, "height": 667}


@pytest.fixture
def hall_world(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    clerk = make_staff(session, [hall.centre], ("window_staff",))
    session.commit()
    return hall, clerk


def new_citizen(page: Page, base: str, label: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/simulator/")
    expect(page.get_by_role("button", name="新建并登录")).to_be_visible()
    assert_accessible(page, "simulator login")
    page.get_by_label("称呼（只在模拟器里显示）").fill(label)
    page.get_by_role("button", name="新建并登录").click()
    expect(page.locator("#title")).to_have_text("办事通")


def new_verified_citizen(page: Page, base: str, session, cipher, name: str, number: str) -> None:
    """A new simulator user whose face check passed (the simulator's own face flow is tested below)."""
    new_citizen(page, base, name)
    openid = page.evaluate("localStorage.getItem('banshi.sim.openid')")
    citizen = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
    apply_verified_identity(session, cipher, citizen, real_name=name, id_number=number, now=MONDAY_8AM)
    session.commit()


def submit_expecting_field_error(page: Page, button: str, field: str) -> str:
    """Submit, catch the API's error envelope, and check its message for `field` is shown under that field."""
    with page.expect_response(lambda r: "/api/v1/" in r.url and r.status in (409, 422)) as caught:
        page.get_by_role("button", name=button).click()
    fields = caught.value.json()["error"]["fields"]
    key = next(k for k in fields if k.removeprefix("body.") == field)
    box = page.locator(f'[data-field="{field}"]')
    expect(box.locator(".field-error")).to_have_text(fields[key])
    expect(box.locator("input, select, textarea").first).to_have_attribute("aria-invalid", "true")
    expect(box.locator("xpath=ancestor::form").locator(".form-error")).to_have_text(caught.value.json()["error"]["message"])
    return fields[key]


def staff_headers(base: str, staff) -> dict[str, str]:
    """A staff member signed in to the staff API of the live server."""
    token = requests.post(f"{base}/api/staff/v1/auth/login", json={"username": staff.username,
                                                                  "password": STAFF_PASSWORD}, timeout=10).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def staff_serves_the_next_person(base: str, clerk, window_id: int) -> None:
    """The counter, through the staff API: call, start, finish."""
    headers = staff_headers(base, clerk)
    called = requests.post(f"{base}/api/staff/v1/windows/{window_id}/call-next", headers=headers, timeout=10)
    ticket = called.json()["ticket"]
    for action in ("start", "finish"):
        response = requests.post(f"{base}/api/staff/v1/windows/{window_id}/tickets/{ticket['id']}/{action}",
                                 headers=headers, timeout=10)
        assert response.status_code == 200, response.text


def test_book_remind_check_in_served_rate_and_answer_the_survey(page: Page, live_server, hall_world, committed_db,
                                                                 redis_client, process_env, artifacts):
    hall, clerk = hall_world
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True) as clock:
        new_citizen(page, live_server, "李奶奶")
        assert_accessible(page, "simulator home")
        page.screenshot(path=artifacts / "simulator-home.png")

        # 我的: face verification (人脸核身), as booking requires, and the phone WeChat vouches for.
        page.get_by_role("link", name="我的", exact=True).click()
        page.get_by_label("姓名").fill("李秀英")
        page.get_by_label("身份证号").fill(id_number(501))
        page.get_by_role("button", name="开始人脸核验").click()
        page.get_by_label("刷脸结果（模拟器里选择）").select_option("10000")
        page.get_by_role("button", name="完成刷脸").click()
        expect(page.locator("#identity-status")).to_contain_text("已实名核验")
        expect(page.locator("#face-result")).to_contain_text("核验成功")   # said at the top, where the page opens
        assert page.evaluate("window.scrollY") == 0
        page.get_by_label("微信绑定的手机号（模拟）").fill("13912345678")
        page.get_by_role("button", name="使用微信手机号").click()
        expect(page.locator(".card").first).to_contain_text("李秀英")
        expect(page.locator(".card").first).to_contain_text("139****5678（微信验证）")
        assert_accessible(page, "simulator me")

        # 订阅通知: the emulator's wx.requestSubscribeMessage, then the consents are recorded.
        page.goto(f"{live_server}/simulator/#/consents")
        tags = page.locator(".tag")
        expect(tags.first).to_be_visible()
        for _ in range(5):  # WeChat asks for at most three templates per tap (ten templates: four taps)
            if tags.filter(has_text="未授权").count() == 0:
                break
            before = tags.filter(has_text="已允许").count()
            page.get_by_role("button", name="允许接收通知").click()
            expect(tags.filter(has_text="已允许")).not_to_have_count(before)
            if tags.filter(has_text="未授权").count():   # said what waits for the next tap
                expect(page.locator("#consent-result")).to_contain_text("类通知未开启")
        expect(tags.filter(has_text="未授权")).to_have_count(0)
        expect(page.locator("#consent-result")).to_have_text("需要的通知都已开启")
        # Every template in Chinese words: no raw keys such as application_progress or survey_invite.
        assert not re.search(r"[a-z]+_[a-z]+", page.locator("ul.list").inner_text())
        assert_accessible(page, "simulator consents")

        # 预约: the item's guide, the nearest centre, a slot at 09:15.
        page.goto(f"{live_server}/simulator/#/items")
        page.get_by_role("link", name=hall.quick.name).click()
        expect(page.get_by_role("heading", name="需要带的材料")).to_be_visible()
        assert_accessible(page, "simulator item guide")
        page.get_by_role("link", name="预约办理").click()
        expect(page.get_by_label("日期")).to_have_value("2026-11-23")   # opens on the earliest day with a seat
        page.get_by_label("日期").fill("2026-11-23")
        page.get_by_role("button", name="查看可约时段").click()
        slot = hall.slot(session, hall.general, "2026-11-23 09:15")
        page.locator(f"#slot-{slot.id}").check()
        assert_accessible(page, "simulator booking")
        page.screenshot(path=artifacts / "simulator-booking.png", full_page=True)
        page.get_by_role("button", name="确认预约").click()
        expect(page.locator("#appointment-status")).to_have_text("已预约")
        appointment_url = page.url

        # Time passes: the reminder falls due; the sweep and a real worker deliver it while the citizen
        # watches the message page (it refreshes itself).
        page.goto(f"{live_server}/simulator/#/messages")
        expect(page.locator("#in-app")).not_to_contain_text("预约即将开始")
        session.execute(update(Notification).where(Notification.kind.like("appointment_reminder%"))
                        .values(deliver_after=utcnow() - timedelta(minutes=1)))
        session.commit()
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.notifications.jobs.enqueue_due_notifications")
        run_worker(process_env, at=utcnow())
        expect(page.locator("#in-app")).to_contain_text("预约即将开始", timeout=15_000)
        expect(page.locator("#arrivals")).to_contain_text("条新消息")
        pushed = page.locator("#service-notices .notice").first  # 预约成功, pushed at once
        expect(pushed).to_contain_text(hall.centre.name)
        expect(page.locator("#service-notices .notice")).to_have_count(2)
        assert_accessible(page, "simulator messages")
        page.screenshot(path=artifacts / "simulator-messages.png", full_page=True)

        # 09:05 at the hall: check in, get a number.
        clock.move_to(MONDAY_8AM + timedelta(minutes=65))
        page.goto(appointment_url)
        page.reload()
        page.get_by_role("button", name="到达现场，签到取号").click()
        expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
        assert_accessible(page, "simulator ticket")
        page.screenshot(path=artifacts / "simulator-ticket.png", full_page=True)

        staff_serves_the_next_person(live_server, clerk, hall.general.id)
        # The consumers of `appointment.served` (the dispatch job does this after the commit): the follow-up
        # survey is planned. The events' created_at is the database's clock, so they are named by id.
        served = session.scalars(select(DomainEvent.id).where(DomainEvent.kind == "appointment.served")).all()
        assert events.dispatch(session, list(served), utcnow()) == 1

        # 好差评: the served visit asks for a rating.
        page.goto(f"{live_server}/simulator/#/appointments")
        page.locator("a.row").first.click()
        expect(page.locator("#appointment-status")).to_have_text("已办结")
        page.get_by_role("link", name="评价这次服务").click()
        page.get_by_role("radio", name="满意", exact=True).check()
        page.get_by_role("button", name="提交评价").click()
        expect(page.get_by_role("status")).to_have_text("感谢您的评价！")

        # Two hours later the survey invitation is sent; the citizen answers it from the message centre.
        clock.move_to(MONDAY_8AM + timedelta(minutes=65 + 125))
        assert surveys.send_due(session, utcnow()) == 1
        session.commit()
        page.goto(f"{live_server}/simulator/#/messages")
        page.locator("#in-app li", has_text="服务回访邀请").get_by_role("link", name="查看").click()
        expect(page.locator("form#survey")).to_be_visible()
        assert_accessible(page, "simulator survey")
        first_required = page.locator("form#survey [data-field]").first.get_attribute("data-field")
        submit_expecting_field_error(page, "提交", first_required)
        for fieldset in page.locator("form#survey fieldset").all():
            fieldset.locator("input").first.check()
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_be_visible()
        page.screenshot(path=artifacts / "simulator-survey-done.png", full_page=True)

