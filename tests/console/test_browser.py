"""The console in a real browser (Debian's Chromium, headless): sign in, call the next ticket, advance an
application, answer a feedback, see the charts; axe-core on every page; screenshots as test artifacts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from miniapp_api.applications import services as applications
from miniapp_api.appointments.queue import issue_ticket
from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback.models import Feedback
from miniapp_api.platform.clock import local_date, utcnow
from miniapp_api.ratings.models import RatingDaily
from tests.browser import assert_accessible
from tests.factories import (
    STAFF_PASSWORD,
    build_hall,
    casework_world,
    id_number,
    make_staff,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def hall_day(committed_db, app, wechat):
    """A hall with people waiting, a case to review, a feedback to answer and a month of ratings, committed."""
    session, cipher, now = committed_db.session, app.extensions["banshi.cipher"], utcnow()
    hall = build_hall(session, now)
    clerk = make_staff(session, [hall.centre], ("window_staff", "feedback_handler", "centre_manager"),
                       name="李娜")
    tickets = [issue_ticket(session, window=hall.general, item_id=hall.quick.id, now=now) for _ in range(3)]
    case = applications.intake(
        session, cipher, clerk, item_code=hall.quick.code, centre_id=hall.centre.id,
        applicant=applications.Applicant("person", "周敏", id_number=id_number(41), phone="13700004321"), now=now,
        accept=applications.Advance(applications.S.ACCEPTED))
    today = local_date(now)
    feedback = Feedback(citizen_id=_citizen(session), kind="complaint", text="窗口午休时间没有人，等了四十分钟",
                        centre_id=hall.centre.id, content_check="pass", status="assigned",
                        assignee_staff_id=clerk.id, sla_days=15, due_on=today, remind_on=today, updated_at=now,
                        photos=[])
    session.add(feedback)
    session.add_all([RatingDaily(day=today, centre_id=hall.centre.id, window_id=hall.general.id, item_id=0,
                                 staff_id=0, total=20, good=17, bad=3, rectified=2, level_sum=82)])
    session.commit()
    return dict(hall=hall, clerk=clerk, tickets=tickets, case=case, feedback=feedback)


def _citizen(session) -> int:
    citizen = Citizen(openid="o-browser-citizen")
    session.add(citizen)
    session.flush()
    return citizen.id


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/console/")
    expect(page).to_have_url(f"{base}/console/login?next=/console/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_counter_case_feedback_and_charts(page: Page, live_server, hall_day, artifacts):
    hall, tickets = hall_day["hall"], hall_day["tickets"]
    page.goto(f"{live_server}/console/login")
    assert_accessible(page, "login")
    page.get_by_label("用户名").fill(hall_day["clerk"].username)
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    sign_in(page, live_server, hall_day["clerk"].username)
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，李娜")
    assert_accessible(page, "home")

    # The counter: call the next person, serve them, finish.
    page.get_by_role("region", name="我的窗口").get_by_role("link", name=hall.general.name, exact=True).click()
    expect(page.get_by_role("heading", name="等候中（3 人）")).to_be_visible()
    assert_accessible(page, "window")
    page.get_by_role("button", name="叫下一位").click()
    expect(page.locator(".flash")).to_have_text(f"请 {tickets[0].number} 号到 {hall.general.name} 办理")
    expect(page.locator(".ticket-number")).to_have_text(tickets[0].number)
    page.screenshot(path=artifacts / "console-window.png", full_page=True)
    page.get_by_role("button", name="开始办理").click()
    page.get_by_role("button", name="办结").click()
    expect(page.locator(".flash")).to_have_text(f"{tickets[0].number} 已办结")
    expect(page.get_by_role("heading", name="等候中（2 人）")).to_be_visible()

    page.get_by_role("button", name="叫下一位").click()
    page.goto(f"{live_server}/console/windows/{hall.general.id}/screen")
    expect(page.locator(".screen-number strong")).to_have_text(tickets[1].number)
    assert_accessible(page, "call screen")
    page.screenshot(path=artifacts / "console-call-screen.png")

    # An application: 已受理 → 审查中, with a note the applicant reads.
    page.goto(f"{live_server}/console/applications/{hall_day['case'].reference}")
    assert_accessible(page, "application")
    page.get_by_label("改为").select_option(label="审查中")
    page.get_by_label("给申请人的说明").fill("材料齐全，进入审查")
    page.get_by_role("button", name="确认").click()
    expect(page.locator("#status")).to_have_text("审查中")
    expect(page.locator(".timeline")).to_contain_text("材料齐全，进入审查")

    # A feedback: answer it.
    page.goto(f"{live_server}/console/feedback")
    page.get_by_role("link", name=f"#{hall_day['feedback'].id}").click()
    assert_accessible(page, "feedback")
    page.get_by_label("答复内容（群众可见，至少 2 个字）").fill("已调整午休轮岗，午间保留一个综合窗口。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("#status")).to_contain_text("已答复")

    # The dashboard draws its charts as SVG.
    page.goto(f"{live_server}/console/dashboard")
    chart = page.locator("#chart-ratings svg")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", "好评率与差评整改率（按中心）")
    assert chart.bounding_box()["height"] > 100
    expect(page.locator("#chart-waits svg")).to_be_visible()
    assert_accessible(page, "dashboard")
    page.screenshot(path=artifacts / "console-dashboard.png", full_page=True)

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()


def test_every_page_passes_axe(page: Page, live_server, committed_db, app, artifacts, wechat):
    session = committed_db.session
    world = casework_world(session, app.extensions["banshi.cipher"])
    admin = make_staff(session, [world["home"]], ("admin",), name="管理员")
    session.commit()
    sign_in(page, live_server, admin.username)
    pages = {
        "appointments": f"/console/appointments?centre_id={world['home'].id}",
        "applications": "/console/applications", "intake": "/console/applications/new",
        "materials": "/console/materials", "feedback-inbox": "/console/feedback",
        "rectifications": "/console/rectifications",
        "rectification": f"/console/rectifications/{world['rectification'].id}",
        "centre": f"/console/centres/{world['home'].id}", "licence-import": "/console/licences/import",
        "surveys": "/console/surveys", "notifications": "/console/notifications",
        "application-pending": f"/console/applications/{world['application'].reference}",
        "window": f"/console/windows/{world['window'].id}", "dashboard": "/console/dashboard", "home": "/console/",
        "policies": "/console/policies", "policy": f"/console/policies/{world['policy']['item'].id}",
        "policy-check": f"/console/policies/{world['policy']['item'].id}?credit_code="
                        f"{world['policy']['business'].credit_code}",
        "policy-grants": "/console/policy-grants",
        "certificates": "/console/certificates",
        "batches": "/console/batches", "batch-new": "/console/batches/new",
        "inspections": "/console/inspections", "inspection": f"/console/inspections/{world['inspection'].id}",
        "batch": f"/console/batches/{world['batch'].reference}",
        # The public page a certificate's QR code opens (what a stranger's phone shows).
        "certificate-verify": f"/verify/{world['certificate'].verify_token}",
    }
    for name, path in pages.items():
        response = page.goto(live_server + path)
        assert response.status == 200, (name, response.status)
        assert_accessible(page, name)
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet at the counter: nothing scrolls sideways
    for name, path in pages.items():
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (name, overflow)
    page.screenshot(path=artifacts / "console-centre.png", full_page=True)
    # A refused form (bad input) is accessible too: its page again, what is wrong in Chinese at the field.
    page.goto(f"{live_server}/console/centres/{world['home'].id}")
    page.get_by_label("可预约天数").fill("0")
    page.get_by_role("button", name="保存预约规则").click()
    expect(page.get_by_role("alert").filter(has_text="提交的信息有误")).to_have_text(
        "提交的信息有误，请按提示修改；未做任何更改。")
    expect(page.locator("#e-booking_horizon_days")).to_have_text("数值太小")
    expect(page.get_by_label("可预约天数")).to_have_value("0")
    assert_accessible(page, "error")
