"""The citizen's main journey (README) through the mini-program's own pages at /simulator/mp/, in Debian's
Chromium, against the real stack: the app on a real port, RQ workers in their own processes, PostgreSQL, Redis,
and the WeChat emulator over HTTP (the tester's panel beside the phone answers for WeChat).

The app's clock is moved with time-machine and the workers start on the same instant (the browser keeps the
real one), so the day and hour of the visit are a fixed working Monday whatever time the suite runs.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect
from rq import Queue
from sqlalchemy import select, update

from miniapp_api.appointments.models import Appointment
from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications import kinds
from miniapp_api.notifications.models import Notification, SubscriptionConsent
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import DomainEvent
from miniapp_api.ratings.models import Rating
from miniapp_api.surveys import services as surveys
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, id_number, make_staff
from tests.simulator.phone import current_page, open_phone
from tests.simulator.staff import staff_calls_the_next_person, staff_serves_the_called_person
from tests.workers import run_worker

pytestmark = pytest.mark.integration
OPENID = "o-mp-li-nainai"


@pytest.fixture
def hall_world(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    clerk = make_staff(session, [hall.centre], ("window_staff",))
    session.commit()
    return hall, clerk


def relaunch(page: Page, path: str) -> None:
    """The mini-program opened on `path`, as a tapped message or 服务通知 opens it (wx.reLaunch)."""
    page.evaluate("url => wx.reLaunch({ url })", f"/{path}")


def reminder_purpose() -> str:
    """How WeChat's prompt names the reminder template (its purpose in plain words, from the kinds' declaration)."""
    return kinds.purpose("appointment_reminder")


def service_notices(page: Page) -> Locator:
    """The 服务通知 WeChat delivered to this user, in the tester's panel (it refreshes itself)."""
    return page.locator("#tester-inbox .tester-notice")


def test_book_remind_check_in_served_rate_and_answer_the_survey(page: Page, live_server, hall_world, committed_db,
                                                                 redis_client, process_env, artifacts):
    hall, clerk = hall_world
    session = committed_db.session
    with time_machine.travel(MONDAY_8AM, tick=True) as clock:
        phone = open_phone(page, live_server, OPENID)
        expect(phone.locator(".mp-title")).to_have_text("办事通")
        assert_accessible(page, "mini-program home")
        page.screenshot(path=artifacts / "simulator-home.png")
        citizen = session.scalars(select(Citizen).where(Citizen.openid == OPENID)).one()
        # WeChat's subscribe prompt is answered by a tap in the phone (the panel's 每次弹窗).
        page.get_by_label("订阅消息授权（wx.requestSubscribeMessage）").select_option("ask")

        # 我的: face verification (人脸核身), as booking requires, and the phone WeChat vouches for.
        phone.get_by_text("我的（实名核验、亲友代办）", exact=True).click()
        phone.get_by_label("姓名（2 到 20 个字）").fill("李秀英")
        phone.get_by_label("身份证号（18 位）").fill(id_number(501))
        phone.get_by_role("button", name="开始人脸核验").click()
        expect(phone.get_by_text("实名状态：已实名核验")).to_be_visible()
        outcome = current_page(phone, "pages/me/index").locator("wx-view.card.notice")   # under the card, in view
        expect(outcome).to_contain_text("核验成功：实名核验已通过，现在可以预约办事了")
        expect(outcome.get_by_role("button", name="去预约办事")).to_be_in_viewport()
        phone.get_by_role("button", name="使用微信手机号").click()
        phone.get_by_role("dialog").get_by_label("微信绑定的手机号（模拟）").fill("13912345678")
        phone.get_by_role("dialog").get_by_role("button", name="允许").click()
        expect(phone.get_by_text("手机号：139****5678（微信验证）")).to_be_visible()
        expect(phone.get_by_text("姓名：李秀英")).to_be_visible()
        assert_accessible(page, "mini-program me")
        session.refresh(citizen)
        assert citizen.verified and citizen.phone_verified_at is not None

        # 订阅通知: every notice in words; one tap asks WeChat for three of one kind, answered 允许 in its prompt.
        phone.get_by_text("订阅通知（哪些提醒发到微信）", exact=True).click()
        phone.get_by_role("button", name="允许接收通知").click()
        prompt = phone.get_by_role("dialog", name="订阅消息")
        expect(prompt.locator("li")).to_have_count(3)            # WeChat asks for at most three at a time
        assert not re.search(r"[a-z]+_[a-z]+", prompt.inner_text())   # no raw keys such as appointment_status
        assert_accessible(page, "mini-program subscribe prompt")
        prompt.get_by_role("button", name="允许").click()
        expect(phone.get_by_text("类通知未开启，再点一次", exact=False)).to_be_visible()
        assert_accessible(page, "mini-program consents")
        phone.get_by_role("button", name="返回").click()

        # 预约: search the item, its guide, 预约办理, the nearest centre, a slot at 09:15.
        phone.get_by_role("button", name="返回").click()
        phone.get_by_text("办事指南", exact=True).click()
        search = phone.get_by_label("搜索事项（名称或拼音首字母）")
        search.press_sequentially(hall.quick.name)
        search.press("Enter")
        items = current_page(phone, "pages/items/index").locator("wx-view.card")
        expect(items).to_have_count(1)
        items.first.click()
        expect(phone.get_by_role("button", name="预约办理")).to_be_visible()
        assert_accessible(page, "mini-program item guide")
        phone.get_by_role("button", name="预约办理").click()
        booking = current_page(phone, "pages/book/index")
        expect(booking.get_by_text(f"办理地点：{hall.centre.name}")).to_be_visible()
        expect(phone.get_by_role("button", name="日期：2026-11-23")).to_be_visible()   # the earliest day with a seat
        slot = hall.slot(session, hall.general, "2026-11-23 09:15")
        booking.locator("wx-view.slot", has_text="09:15").click()
        expect(booking.locator("wx-view.slot", has_text="09:15")).to_contain_text("（已选）")
        assert_accessible(page, "mini-program booking")
        page.screenshot(path=artifacts / "simulator-booking.png")

        # 确认预约 asks WeChat, in the same tap, for what the booking needs and is not on yet — its reminders
        # (long-term; the prompt names them in plain words) and nothing that is not the booking's — 允许.
        phone.get_by_role("button", name="确认预约").click()
        prompt = phone.get_by_role("dialog", name="订阅消息")
        expect(prompt.locator("li")).to_have_count(1)
        expect(prompt.locator("li").first).to_have_text(reminder_purpose())
        prompt.get_by_role("button", name="允许").click()
        detail = current_page(phone, "pages/appointments/detail")
        expect(detail.get_by_text("状态：已预约")).to_be_visible()
        appointment = session.scalars(select(Appointment).where(Appointment.citizen_id == citizen.id)).one()
        assert (appointment.starts_at, appointment.status) == (slot.starts_at, "booked")
        consents = session.scalars(select(SubscriptionConsent).where(SubscriptionConsent.citizen_id == citizen.id)).all()
        assert len(consents) == 4 and {c.last_result for c in consents} == {"accept"}

        # Time passes: the reminder falls due; the sweep and a real worker deliver it while the citizen watches
        # the message page (pulled down to refresh) and WeChat's 服务通知 (the panel refreshes itself).
        with page.expect_response(lambda r: "/api/v1/messages/read-all" in r.url and r.ok):   # the page is done
            relaunch(page, "pages/messages/index")
        messages = current_page(phone, "pages/messages/index")
        expect(messages.locator("wx-view.card").first).to_be_visible()
        expect(messages).not_to_contain_text("预约即将开始")
        session.execute(update(Notification).where(Notification.kind.like("appointment_reminder%"))
                        .values(deliver_after=utcnow() - timedelta(minutes=1)))
        session.commit()
        Queue("sweeps", connection=redis_client).enqueue("miniapp_api.notifications.jobs.enqueue_due_notifications")
        run_worker(process_env, at=utcnow())
        page.get_by_role("button", name="下拉刷新").click()
        expect(page.locator("#tester-page-status")).to_have_text("已下拉刷新当前页面")
        expect(messages).to_contain_text("预约即将开始")
        reminder = messages.locator("wx-view.card", has_text="预约即将开始")
        # Marked new, dated in words, and saying it can be tapped (the card opens the appointment).
        expect(reminder).to_contain_text("新消息：预约即将开始")
        expect(reminder).to_contain_text("11月23日（周一）")
        expect(reminder.locator(".link-hint")).to_have_text("点这里查看 ›")
        expect(service_notices(page)).to_have_count(2, timeout=15_000)   # 预约成功 at once, then the reminder
        expect(service_notices(page).last).to_contain_text(hall.centre.name)
        expect(page.locator("#tester-inbox-status")).to_contain_text("条新的服务通知")
        assert_accessible(page, "mini-program messages")
        page.screenshot(path=artifacts / "simulator-messages.png")

        # 09:05 at the hall: the 服务通知 opens the appointment; check in, get a number.
        clock.move_to(MONDAY_8AM + timedelta(minutes=65))
        service_notices(page).last.get_by_role("button", name="进入小程序查看").click()
        detail = current_page(phone, "pages/appointments/detail")
        detail.get_by_role("button", name="到达现场，签到取号").click()
        expect(detail.locator("wx-view.ticket")).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
        window = hall.general.name
        expect(detail.get_by_text(f"下一个就是您，请在{window}附近等候")).to_be_visible()   # nobody ahead
        assert_accessible(page, "mini-program ticket")
        page.screenshot(path=artifacts / "simulator-ticket.png")

        # The counter calls the number: pulled down, the page says so and where to go.
        headers, called = staff_calls_the_next_person(live_server, clerk, hall.general.id)
        page.get_by_role("button", name="下拉刷新").click()
        expect(detail.get_by_text(f"已叫到您的号，请马上到{window}")).to_be_visible()
        staff_serves_the_called_person(live_server, headers, hall.general.id, called)
        # The consumers of `appointment.served` (the dispatch job does this after the commit): the follow-up
        # survey is planned. The events' created_at is the database's clock, so they are named by id.
        served = session.scalars(select(DomainEvent.id).where(DomainEvent.kind == "appointment.served")).all()
        assert events.dispatch(session, list(served), utcnow()) == 1

        # 好差评: the served visit asks for a rating; no level is chosen for the citizen.
        relaunch(page, "pages/appointments/index")
        current_page(phone, "pages/appointments/index").locator("wx-view.card").first.click()
        detail = current_page(phone, "pages/appointments/detail")
        expect(detail.get_by_text("状态：已办结")).to_be_visible()
        detail.get_by_role("button", name="评价这次服务").click()
        rating = current_page(phone, "pages/feedback/index")
        expect(phone.locator(".mp-title")).to_have_text("评价这次服务")     # the page says what is being rated
        levels = rating.get_by_role("radio")
        expect(levels).not_to_have_count(0)
        for level in levels.all():
            expect(level).to_have_attribute("aria-checked", "false")
        rating.get_by_role("radio", name="满意", exact=True).click()
        rating.get_by_role("button", name="提交").click()
        expect(rating.get_by_text("已提交，谢谢您！")).to_be_visible()
        given = session.scalars(select(Rating).where(Rating.citizen_id == citizen.id)).one()
        assert given.level == 4
        phone.get_by_role("button", name="返回").click()          # the visit's page says it was rated, once
        expect(detail.get_by_text("您已评价这次服务：满意。谢谢您！")).to_be_visible()
        expect(detail.get_by_role("button", name="评价这次服务")).to_have_count(0)

        # Two hours later the survey invitation is sent; the citizen answers it from the message centre.
        clock.move_to(MONDAY_8AM + timedelta(minutes=65 + 125))
        assert surveys.send_due(session, utcnow()) == 1
        session.commit()
        relaunch(page, "pages/messages/index")
        current_page(phone, "pages/messages/index").locator("wx-view.card", has_text="服务回访邀请").click()
        survey = current_page(phone, "pages/surveys/answer")
        expect(survey.get_by_role("radio").first).to_be_visible()
        assert_accessible(page, "mini-program survey")
        # Sent unanswered: the API's words for each question show under it.
        with page.expect_response(lambda r: "/api/v1/surveys/" in r.url and r.status == 422) as caught:
            survey.get_by_role("button", name="提交").click()
        fields = caught.value.json()["error"]["fields"]
        assert fields
        for message in set(fields.values()):
            expect(survey.locator("wx-text.error", has_text=message).first).to_be_visible()
        for group in survey.locator("wx-radio-group").all():
            group.locator("wx-label").first.click()
        survey.get_by_role("button", name="提交").click()
        expect(survey.locator("wx-radio-group")).to_have_count(0)   # the thanks replace the questions
        expect(survey.locator("wx-view.card")).to_have_count(1)
        page.screenshot(path=artifacts / "simulator-survey-done.png")
