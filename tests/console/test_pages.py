"""Console behaviour behind the pages: sign-in rules, cookies, audit of personal data, bad input refused
with a Chinese message and nothing changed, and the forms doing what the staff API does."""

import io
from datetime import timedelta

import time_machine
from sqlalchemy import func, select, update

from miniapp_api import create_app
from miniapp_api.applications.models import Application
from miniapp_api.appointments import services
from miniapp_api.appointments.models import Slot, WaitlistEntry, WaitlistOffer
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.licences.models import Licence
from miniapp_api.notifications.services import notify
from miniapp_api.platform.clock import local, today, utcnow
from miniapp_api.platform.models import AuditLog
from tests.console.conftest import ConsoleUser
from tests.factories import MONDAY_8AM, citizen_with_identity, id_number, make_staff, reloaded
from tests.licences.test_licences import csv_text, food_licence

FRIDAY_BEFORE = MONDAY_8AM - timedelta(days=3)   # 2026-11-20, three days before a Monday


def test_session_cookie_is_httponly_samesite_and_secure(app, world, db_session):
    user = ConsoleUser(app)
    response = user.log_in(world["home_staff"])
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(app, world, db_session):
    user = ConsoleUser(app)
    for _ in range(5):
        assert user.log_in(world["home_staff"], password="wrong-password-9").status_code == 401
    locked = user.log_in(world["home_staff"])  # the right password, too late
    assert locked.status_code == 401 and "连续输错 5 次账号将锁定" in locked.get_data(as_text=True)
    failures = db_session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "login_failed", AuditLog.subject_id == str(world["home_staff"].id)))
    assert failures == 5


def test_next_only_leads_inside_the_console(app, world):
    user = ConsoleUser(app)
    for target, expected in (("//evil.example/", "/console/"), ("https://evil.example/", "/console/"),
                             ("/console/feedback", "/console/feedback")):
        response = user.client.post("/console/login", data={
            "csrf_token": user.csrf(), "username": world["home_staff"].username, "password": "counter-Pass-2026",
            "next": target})
        assert response.headers["Location"] == expected


def test_logging_out_revokes_the_session_even_for_a_copied_cookie(app, console, world):
    user = console(world["home_staff"])
    stolen = user.client.get_cookie("banshi_console").value
    assert user.post("/console/logout").status_code == 303
    thief = ConsoleUser(app)
    thief.client.set_cookie("banshi_console", stolen)
    assert thief.get("/console/").status_code == 302


def test_looking_at_a_case_or_a_complaint_is_audit_logged(console, world, db_session):
    user = console(world["home_staff"])
    assert user.get(f"/console/applications/{world['application'].reference}").status_code == 200
    assert user.get(f"/console/feedback/{world['feedback'].id}").status_code == 200
    actions = set(db_session.scalars(select(AuditLog.action).where(
        AuditLog.actor == f"staff:{world['home_staff'].id}")))
    assert {"view_application", "view_feedback"} <= actions


def test_application_page_masks_numbers_and_advances_by_form(console, world, db_session):
    user = console(world["home_staff"])
    reference = world["application"].reference
    page = user.get(f"/console/applications/{reference}").get_data(as_text=True)
    assert "137****1234" in page and id_number(5) not in page
    illegal = user.post(f"/console/applications/{reference}/advance", {"to": "completed"})
    assert illegal.status_code == 409 and "不能" in illegal.get_data(as_text=True)
    received = user.post(f"/console/applications/{reference}/materials/{world['application'].materials[0].id}"
                         "/received")
    assert received.status_code == 303
    moved = user.post(f"/console/applications/{reference}/advance", {"to": "in_review", "public_note": "进入审查"})
    assert moved.status_code == 303
    assert user.post(f"/console/applications/{reference}/advance", {"to": "in_review"}).status_code == 409
    assert reloaded(db_session, world["application"]).status == "in_review"


def test_bad_form_input_shows_field_messages_and_changes_nothing(console, world, db_session):
    user = console(world["home_staff"])
    policy = {"booking_horizon_days": "0", "min_notice_minutes": "30", "cancel_cutoff_minutes": "abc",
              "max_active_per_person": "3", "no_show_limit": "3", "no_show_window_days": "90",
              "suspension_days": "30", "no_show_grace_minutes": "15"}
    response = user.post(f"/console/centres/{world['home'].id}/policy", policy)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "可预约天数" in text and "最晚取消/改约" in text and "未做任何更改" in text
    # The messages stand at the fields, under the page's labels (not as field names in a list).
    assert 'id="e-booking_horizon_days"' in text and 'id="e-cancel_cutoff_minutes"' in text
    short = user.post(f"/console/feedback/{world['feedback'].id}/claim")
    assert short.status_code == 303
    answer = user.post(f"/console/feedback/{world['feedback'].id}/answer", {"answer": "好"})
    assert answer.status_code == 422
    nul = user.post(f"/console/rectifications/{world['rectification'].id}/fix",
                    {"category": "立行立改", "reply": "已\x00整改"})
    assert nul.status_code == 422
    home = reloaded(db_session, world["home"])
    assert home.booking_horizon_days == 7 and home.cancel_cutoff_minutes == 60
    assert reloaded(db_session, world["feedback"]).answer is None
    assert reloaded(db_session, world["rectification"]).status == "open"


def test_intake_form_creates_a_case(console, world, db_session):
    user = console(world["home_staff"])
    response = user.post("/console/applications/new", {
        "centre_id": str(world["home"].id), "item_code": world["item"].code, "applicant_type": "person",
        "applicant_name": "刘洋", "applicant_id_number": id_number(77), "applicant_phone": "13900007777"})
    assert response.status_code == 303
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert db_session.scalars(select(Application).where(Application.reference == reference)).one().status \
        == "submitted"
    bad = user.post("/console/applications/new", {"centre_id": str(world["home"].id),
                                                  "item_code": world["item"].code, "applicant_name": "刘洋",
                                                  "applicant_id_number": "123"})
    assert bad.status_code == 422 and "身份证" in bad.get_data(as_text=True)


def test_licence_upload_reports_bad_lines_and_imports_all_or_nothing(console, world, db_session):
    user = console(world["home_staff"])
    url = "/console/licences/import"
    before = db_session.scalar(select(func.count()).select_from(Licence))
    broken = csv_text(food_licence("JY-CONSOLE-1", "2027-02-20"),
                      "食品经营许可证,JY-CONSOLE-2,企业,某店,91371500MA00000000,,2021-12-01,2026-13-01,")
    response = user.post(url, {"centre_id": str(world["home"].id),
                               "file": (io.BytesIO(broken.encode()), "licences.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 422 and "第3行" in response.get_data(as_text=True)
    gbk = user.post(url, {"centre_id": str(world["home"].id),
                          "file": (io.BytesIO("证照类型".encode("gbk")), "licences.csv")},
                    content_type="multipart/form-data")
    assert gbk.status_code == 422 and "UTF-8" in gbk.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Licence)) == before
    good = csv_text(food_licence("JY-CONSOLE-1", "2027-02-20").replace("FOOD-RENEW", world["item"].code))
    done = user.post(url, {"centre_id": str(world["home"].id),
                           "file": (io.BytesIO(good.encode("utf-8-sig")), "licences.csv")},
                     content_type="multipart/form-data")
    assert done.status_code == 200 and "新增 1 张" in done.get_data(as_text=True)


def test_manager_lifts_a_no_show_suspension_with_a_reason(console, world, db_session):
    user = console(world["home_staff"])
    url = f"/console/centres/{world['home'].id}/suspensions/{world['suspension'].id}/lift"
    assert user.post(url, {"reason": ""}).status_code == 422
    assert user.post(url, {"reason": "本人就医，提供了证明"}).status_code == 303
    assert reloaded(db_session, world["suspension"]).lift_reason == "本人就医，提供了证明"
    assert user.post(url, {"reason": "再次解除"}).status_code == 404


def test_counter_skip_before_three_calls_is_refused(console, world, db_session):
    clerk = make_staff(db_session, [world["home"]], ("window_staff",))
    db_session.commit()
    # The counter works on today's tickets: the clock stands on the morning the ticket was issued.
    with time_machine.travel(MONDAY_8AM + timedelta(minutes=20), tick=False):
        user = console(clerk)
        base = f"/console/windows/{world['window'].id}"
        assert user.post(f"{base}/call-next").status_code == 303
        early = user.post(f"{base}/tickets/{world['ticket'].id}", {"action": "skip"})
        assert early.status_code == 409 and "叫号满3次" in early.get_data(as_text=True)
        unknown = user.post(f"{base}/tickets/{world['ticket'].id}", {"action": "explode"})
        assert unknown.status_code == 422
    assert reloaded(db_session, world["ticket"]).status == "called"


def test_rq_dashboard_is_for_signed_in_admins_only(settings, world, db_session, app):
    dashboard_app = create_app(settings.model_copy(update={"rq_dashboard": True}))
    try:
        admin = make_staff(db_session, [world["home"]], ("admin",))
        clerk = make_staff(db_session, [world["home"]], ("window_staff",))
        db_session.commit()
        anonymous = ConsoleUser(dashboard_app)
        assert anonymous.get("/rq/").status_code == 302
        as_clerk, as_admin = ConsoleUser(dashboard_app), ConsoleUser(dashboard_app)
        assert as_clerk.log_in(clerk).status_code == 303 and as_admin.log_in(admin).status_code == 303
        assert as_clerk.get("/rq/").status_code == 404
        assert as_admin.get("/rq/").status_code == 200
        assert "rq-dashboard" in as_admin.get("/console/notifications").get_data(as_text=True)
        # Its actions have no CSRF token of their own: only a request from this site's own page goes through.
        forged = as_admin.client.post("/rq/queue/notify/failed/empty", headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403
        assert as_admin.client.post("/rq/queue/notify/failed/empty").status_code == 403
        assert as_admin.client.get("/rq/requeue/failed").status_code == 403
        own = as_admin.client.post("/rq/queue/notify/failed/empty", headers={"Origin": "http://localhost"})
        assert own.status_code == 200
    finally:
        create_app(settings)


def test_manager_assigns_a_complaint_to_a_handler_of_its_centre(console, world, db_session):
    handler = make_staff(db_session, [world["home"]], ("feedback_handler",), name="赵敏")
    stranger = make_staff(db_session, [world["other"]], ("feedback_handler",))
    db_session.commit()
    user = console(world["home_staff"])
    url = f"/console/feedback/{world['feedback'].id}"
    assert "赵敏" in user.get(url).get_data(as_text=True)
    refused = user.post(f"{url}/assign", {"staff_id": str(stranger.id)})
    assert refused.status_code == 422
    assert reloaded(db_session, world["feedback"]).assignee_staff_id is None
    assert user.post(f"{url}/assign", {"staff_id": str(handler.id)}).status_code == 303
    assert reloaded(db_session, world["feedback"]).assignee_staff_id == handler.id


def test_manager_adds_evening_hours_and_a_window_from_the_centre_page(console, world, db_session):
    user = console(world["home_staff"])
    url = f"/console/centres/{world['home'].id}"
    backwards = user.post(f"{url}/hours", {"weekday": "3", "opens": "19:00", "closes": "17:00"})
    assert backwards.status_code == 422 and "结束时间须晚于开始时间" in backwards.get_data(as_text=True)
    assert user.post(f"{url}/hours", {"weekday": "3", "opens": "17:00", "closes": "19:00", "label": "延时服务"}
                     ).status_code == 303
    page = user.get(url).get_data(as_text=True)
    assert "17:00–19:00" in page and "延时服务" in page
    added = user.client.post(f"{url}/windows", data={
        "csrf_token": user.csrf(), "name": "帮代办窗口", "kind": "proxy", "counters": "2", "slot_minutes": "20",
        "item_codes": [world["item"].code]})
    assert added.status_code == 303
    home = reloaded(db_session, world["home"])
    window = next(w for w in home.windows if w.name == "帮代办窗口")
    assert window.counters == 2 and [i.code for i in window.items] == [world["item"].code]
    none_ticked = user.post(f"{url}/windows/{window.id}", {"counters": "0"})
    assert none_ticked.status_code == 422 and "柜台数" in none_ticked.get_data(as_text=True)


def test_notification_page_names_kinds_and_statuses_in_chinese(console, world, db_session, app):
    citizen = world["feedback"].citizen_id
    notify(db_session, citizen_id=citizen, kind="licence_expiry", title="证照到期提醒", body="即将到期", page=None,
           context={"licence": "食品经营许可证", "number": "JY-1", "expires": "2027-01-01", "tip": "请及时办理延续"},
           now=utcnow(), subject=("licence", world["licence"].id))
    admin = make_staff(db_session, [world["home"]], ("admin",))
    db_session.commit()
    text = console(admin).get("/console/notifications").get_data(as_text=True)
    assert "证照到期提醒" in text and "licence_expiry" not in text


def test_admin_sets_a_calendar_override_shown_on_the_setup_page(console, world, db_session):
    admin = make_staff(db_session, [world["home"]], ("admin",))
    db_session.commit()
    user = console(admin)
    url = f"/console/centres/{world['home'].id}"

    day = today().isoformat()
    assert user.post(f"{url}/calendar", {"day": day, "is_workday": "false", "note": "本地防汛停止对外服务"}
                     ).status_code == 303
    assert f"{day}：休息日（本地防汛停止对外服务）" in user.get(url).get_data(as_text=True)


def test_the_dashboard_shows_each_centres_line_and_fill_rate_to_its_own_staff(console, world, db_session):
    home, item = world["home"], world["item"]
    slot = Slot(window_id=world["window"].id, centre_id=home.id, starts_at=utcnow() + timedelta(days=1),
                ends_at=utcnow() + timedelta(days=1, minutes=15), capacity=2, booked=2)
    db_session.add(slot)
    entries = [WaitlistEntry(citizen_id=world["feedback"].citizen_id, person_hash=f"p{n}", person_name="周敏",
                             centre_id=home.id, item_id=item.id, date_from=today(), date_to=today(),
                             status=status, created_at=utcnow()) for n, status in enumerate(("booked", "waiting",
                                                                                              "offered"))]
    db_session.add_all(entries)
    db_session.flush()
    confirmed = WaitlistOffer(entry_id=entries[0].id, slot_id=slot.id, centre_id=home.id, status="confirmed",
                              expires_at=utcnow(), created_at=utcnow())
    db_session.add(confirmed)
    db_session.flush()
    confirmed.chain_id = confirmed.id
    db_session.add(WaitlistOffer(entry_id=entries[2].id, slot_id=slot.id, centre_id=home.id, status="held",
                                 chain_id=None, expires_at=utcnow(), created_at=utcnow()))
    db_session.flush()
    db_session.execute(update(WaitlistOffer).where(WaitlistOffer.chain_id.is_(None))
                       .values(chain_id=WaitlistOffer.id))
    db_session.commit()

    page = console(world["home_staff"]).get("/console/dashboard").get_data(as_text=True)
    section = page.split("<h2>候补</h2>")[1].split("</section>")[0]
    cells = [cell.split("</td>")[0] for cell in section.split("<td>")[1:]]
    assert cells == [home.name, "2", "1", "2", "1", "50.0%"]
    elsewhere = console(world["outsider"]).get("/console/dashboard").get_data(as_text=True)
    assert "期间没有候补" in elsewhere and home.name not in elsewhere


def test_revoking_a_certificate_needs_a_ticked_confirmation(console, world, db_session):
    user = console(world["home_staff"])
    url = f"/console/certificates/{world['certificate'].id}/revoke"
    unticked = user.post(url, {"reason": "证照信息有误"})
    assert unticked.status_code == 422 and "确认撤销" in unticked.get_data(as_text=True)
    assert reloaded(db_session, world["certificate"]).status == "valid"
    assert user.post(url, {"reason": "证照信息有误", "confirm": "true"}).status_code == 303
    assert reloaded(db_session, world["certificate"]).status == "revoked"


def test_feedback_shows_its_centre_whether_to_call_back_and_where_it_happened(console, world, db_session):
    user = console(world["home_staff"])
    centre_name = world["home"].name
    complaint = reloaded(db_session, world["feedback"])
    complaint.location, complaint.contact_ok, complaint.anonymous = "二楼自助服务区", True, False
    db_session.commit()
    detail = user.get(f"/console/feedback/{complaint.id}").get_data(as_text=True)
    assert centre_name in detail and "二楼自助服务区" in detail and "同意工作人员回电" in detail
    inbox = user.get("/console/feedback").get_data(as_text=True)
    assert "<th scope=\"col\">服务中心</th>" in inbox and centre_name in inbox
    complaint = reloaded(db_session, world["feedback"])
    complaint.contact_ok = False
    db_session.commit()
    assert "不希望回电" in user.get(f"/console/feedback/{complaint.id}").get_data(as_text=True)


def test_the_dashboard_counts_bookings_ahead_and_an_empty_chart_says_so(console, world, db_session, cipher):
    # The home centre opens on Mondays only: a fixed Friday puts its next Monday within the week ahead
    # whatever day the suite runs (the wall clock's weekday broke this at night-clock runs).
    with time_machine.travel(FRIDAY_BEFORE, tick=True):
        home = world["home"]
        sync_slots(db_session, home.id, utcnow())
        slot = db_session.scalars(select(Slot).where(Slot.centre_id == home.id, Slot.starts_at > utcnow() + timedelta(
            days=1)).order_by(Slot.starts_at)).first()
        person = citizen_with_identity(db_session, cipher, 8201, name="孙九")
        services.book_appointment(db_session, citizen_id=person.id, person=services.person_for_self(person, cipher),
                                  slot_id=slot.id, item_codes=[slot.window.items[0].code], now=utcnow())
        db_session.commit()
        day = local(slot.starts_at).date()
        page = console(world["home_staff"]).get("/console/dashboard").get_data(as_text=True)
        upcoming = page.split('<table id="upcoming">')[1].split("</table>")[0]
        headers = [h.split("</th>")[0] for h in upcoming.split('<th scope="col">')[1:]]
        cells = [c.split("</td>")[0] for c in upcoming.split("<td>")[1:]]
        assert len(headers) == 7 and headers[0] == today().strftime("%m-%d")
        assert dict(zip(headers, cells))[day.strftime("%m-%d")] == "1"
        # Nothing in the outsider's centres: the charts say 暂无数据 rather than drawing empty axes.
        elsewhere = console(world["outsider"]).get("/console/dashboard").get_data(as_text=True)
        assert elsewhere.count("暂无数据") >= 5
