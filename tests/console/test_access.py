"""Console access from the route table: role × page × own/other centre → allowed or 404; no CSRF → 400;
signed out → the login page. A new console route without an entry fails the first test."""

from datetime import timedelta

import pytest

from miniapp_api.platform.clock import today
from miniapp_api.staff.models import Role
from tests.console.conftest import ConsoleUser, made_report
from tests.factories import id_number, make_staff, reloaded
from tests.test_access_matrix import fill

A, M, W, F, S = Role.ADMIN, Role.CENTRE_MANAGER, Role.WINDOW_STAFF, Role.FEEDBACK_HANDLER, Role.SUPERVISOR
C = Role.SITE_CLERK     # a 代办点 clerk: the site desk only (and home, which shows the desk)
EVERYONE = {A, M, W, F, S}
PUBLIC = "public"
# endpoint → (roles allowed besides admins, scoped to the record's centre: True, or only for that method)
MATRIX = {
    "console.login": (PUBLIC, False),
    "console.logout": (EVERYONE, False),
    "console.home": (EVERYONE | {C}, False),
    # 代办点: its clerk registers requests and takes materials in for the centre above the site; posting names the
    # site (another's is not found).
    "console.site_desk": ({C}, False),
    "console.site_request": ({C}, "POST"),
    "console.site_intake": ({C}, "POST"),
    "console.window_page": ({M, W}, True),
    "console.call_next": ({M, W}, True),
    "console.ticket_action": ({M, W}, True),
    "console.call_screen": ({M, W}, True),
    "console.window_queue": ({M, W}, True),
    "console.appointments": (EVERYONE, True),
    "console.application_list": (EVERYONE, False),
    "console.materials_outstanding": (EVERYONE, False),
    "console.application_page": (EVERYONE, True),
    "console.application_advance": ({M, W}, True),
    # 审管联动: revoking a 告知承诺 approval (the matrix's case was not granted on a promise: 409, still allowed in).
    "console.application_revoke_approval": ({M, W}, True),
    "console.material_received": ({M, W}, True),
    "console.application_intake": ({M, W}, "POST"),   # the form lists one's own centres; posting checks
    "console.feedback_inbox": ({M, F, S}, False),
    "console.feedback_page": ({M, F, S}, True),
    "console.feedback_claim": ({M, F, S}, True),
    "console.feedback_answer": ({M, F, S}, True),
    "console.feedback_assign": ({M, S}, True),
    # 帮办代办: every staff member of the centre may take a request and, once its helper, act on it (another's
    # request answers 403 "only its helper"); a manager assigns and sets the centre's first-contact limit.
    "console.assistance_list": (EVERYONE, False),
    "console.assistance_sla": ({M}, "POST"),             # posting names a centre: another's is not found
    "console.assistance_page": (EVERYONE, True),
    "console.assistance_take": (EVERYONE, True),
    "console.assistance_assign": ({M}, True),
    "console.assistance_reassign": ({M}, True),
    "console.assistance_contact": (EVERYONE, True),
    "console.assistance_grant": (EVERYONE, True),
    "console.assistance_book": (EVERYONE, True),
    "console.assistance_close": (EVERYONE, True),
    # 重点项目: staff see their centres' projects (and those they lead or serve); managers create and staff them.
    "console.project_list": (EVERYONE, False),
    "console.project_create": ({M}, "POST"),            # posting names a centre: another's is not found
    "console.project_page": (EVERYONE, True),
    "console.project_officer_add": ({M}, True),
    "console.project_milestone_add": (EVERYONE, True),
    "console.project_milestone_link": (EVERYONE, True),
    "console.project_milestone_done": (EVERYONE, True),
    "console.rectification_list": (EVERYONE, False),
    "console.rectification_page": (EVERYONE, True),
    "console.rectification_verify": (EVERYONE, True),
    "console.rectification_fix": (EVERYONE, True),
    "console.centre_setup": ({M}, True),
    "console.centre_policy": ({M}, True),
    "console.hours_add": ({M}, True),
    "console.hours_remove": ({M}, True),
    "console.window_update": ({M}, True),
    "console.window_add": ({M}, True),
    "console.calendar_override": ({A}, False),
    "console.lift_suspension": ({M}, True),
    "console.closures_page": ({M}, True),
    "console.close_centre": ({M}, True),
    "console.reopen_centre": ({M}, True),
    "console.licence_import": ({M}, "POST"),
    "console.survey_results": ({M, S}, False),
    "console.notifications": ({A}, False),
    "console.dashboard": ({M, S}, False),
    "console.relative_authorisation": ({M, W}, False),
    "console.business_links": ({M, W}, False),            # the registry is city-wide, like confirming an agent
    "console.business_agent_confirm": ({M, W}, False),
    "console.business_agent_end": ({M, W}, False),
    "console.business_payout": ({M, W}, False),
    "console.record_relative_authorisation": ({M, W}, "POST"),   # posting checks the centre it is recorded at
    "console.velocity_alerts": ({M, S}, False),
    "console.guidance_home": ({M, W}, False),
    "console.guidance_entry_new": ({M, W}, "POST"),     # posting checks the owner centre named
    "console.guidance_entry": ({M, W}, True),
    "console.guidance_scenario_new": ({M, W}, "POST"),
    "console.guidance_scenario": ({M, W}, True),
    "console.guidance_item": ({M, W}, True),
    "console.guidance_publish": ({M}, True),
    "console.guidance_synonyms_add": ({M, W}, "POST"),
    "console.guidance_synonyms_retire": ({M, W}, True),
    "console.guidance_import": ({M, W}, False),     # another centre's rows are refused by line (test_authoring)
    "console.guidance_misses": ({M, W, S}, False),
    "console.inspection_list": ({M, W}, False),      # the caller's own inspections and their centres' times
    "console.inspection_page": ({M, W}, True),
    "console.inspection_conclude": ({M, W}, True),
    "console.inspection_schedule": ({M, W}, True),
    "console.batch_list": (EVERYONE, False),         # lists the caller's centres' batches only
    "console.batch_new": ({M, W}, False),
    "console.batch_page": (EVERYONE, True),
    "console.batch_advance": ({M, W}, True),
    "console.certificate_list": (EVERYONE, False),   # lists the caller's centres' certificates only
    "console.certificate_revoke": ({M}, True),
    "console.policy_list": ({M, W}, False),         # lists the caller's centres' items only
    "console.policy_page": ({M, W}, True),
    "console.policy_publish": ({M}, True),
    "console.policy_grants": ({M, W}, False),       # lists the caller's centres' grant cases only
    "console.policy_grant_review": ({M, W}, True),
    "console.policy_grant_paid": ({M, W}, True),
    # Lists only: admins every row, a manager the rows about their centres (tests/console/test_audit_page.py).
    "console.audit_log_page": ({M}, False),
    "console.audit_log_export": ({M}, False),
    "console.reports_page": ({M, S}, False),
    "console.report_export": ({M, S}, "POST"),        # posting names a centre: another's is not found
    # One's own reports only: another staff member's is not found (tests/console/test_reports.py).
    "console.report_page": ({M, S}, True),
    "console.report_progress": ({M, S}, True),
    "console.report_download": ({M, S}, True),
}
GUIDE_ENTRY = {"question": "矩阵测试问题", "answer": "矩阵测试答案", "department": "综合服务"}
POLICY = {"booking_horizon_days": "7", "min_notice_minutes": "30", "cancel_cutoff_minutes": "60",
          "max_active_per_person": "3", "no_show_limit": "3", "no_show_window_days": "90", "suspension_days": "30",
          "no_show_grace_minutes": "15"}


def guide_scenario(world) -> dict:
    return {"title": "矩阵测试情景", "summary": "测试", "audience": "citizen", "department": "综合服务",
            "questions.0.text": "是否第一次办理？", "questions.0.kind": "yesno",
            "outcomes.0.item": world["item"].code}


def console_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint != "console.static":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def request_for(rule, method, world):
    """The URL (own centre's records) and a valid form for every console route."""
    values = {"<int:window_id>": str(world["window"].id), "<int:ticket_id>": str(world["ticket"].id),
              "<reference>": world["application"].reference,
              "<int:material_id>": str(world["application"].materials[0].id),
              "<int:feedback_id>": str(world["feedback"].id), "<int:rectification_id>": str(world["rectification"].id),
              "<int:centre_id>": str(world["home"].id), "<int:suspension_id>": str(world["suspension"].id),
              "<int:period_id>": str(world["home"].hours[0].id),
              "<int:closure_id>": str(world["closure"].id)}
    guide = world["guide"]
    values["<code>"] = {"console.guidance_scenario": guide["scenario"], "console.guidance_item": world["item"].code
                        }.get(rule.endpoint, guide["entry"])
    values |= {"<kind>": "entry", "<int:group_id>": str(guide["synonyms"]),
               "<int:item_id>": str(world["policy"]["item"].id), "<int:grant_id>": str(world["policy"]["grant"].id),
               "<int:certificate_id>": str(world["certificate"].id),
               "<int:inspection_id>": str(world["inspection"].id), "<credit_code>": world["business"].credit_code,
               "<int:link_id>": str(world["agent_link"].id), "<int:report_id>": str(world["report"].id),
               "<token>": world["report_token"], "<int:request_id>": str(world["assistance"].id),
               "<int:project_id>": str(world["project"].id), "<int:milestone_id>": str(world["milestone"].id)}
    if "/batches/" in rule.rule:
        values["<reference>"] = world["batch"].reference
    url = fill(rule.rule, values)
    home = str(world["home"].id)
    forms = {
        "console.ticket_action": {"action": "recall"},
        "console.application_advance": {"to": "in_review", "internal_note": "审查"},
        "console.application_revoke_approval": {"reason": "核查发现承诺不实", "confirm": "true"},
        "console.application_intake": {"centre_id": home, "item_code": world["item"].code,
                                       "applicant_name": "周敏", "applicant_id_number": id_number(31)},
        "console.feedback_answer": {"answer": "已核实处理"},
        "console.site_request": {"site_id": str(world["site"].id), "contact_name": "王德福",
                                 "contact_phone": "13800138000", "item_code": world["item"].code},
        "console.site_intake": {"site_id": str(world["site"].id), "item_code": world["item"].code,
                                "applicant_name": "周敏", "applicant_id_number": id_number(32)},
        "console.assistance_sla": {"centre_id": home, "contact_days": "2"},
        "console.assistance_assign": {"staff_id": str(world["home_staff"].id)},
        "console.assistance_reassign": {"staff_id": str(world["home_staff"].id),
                                        "expected_staff_id": str(world["home_staff"].id)},
        "console.assistance_contact": {"note": "已电话联系"},
        "console.assistance_grant": {"purpose": "代为预约", "valid_hours": "24", "scopes": "book"},
        "console.assistance_book": {"slot_id": "1", "item_code": world["item"].code},
        "console.assistance_close": {"summary": "已办结"},
        "console.project_create": {"project_name": "矩阵测试项目", "credit_code": world["business"].credit_code,
                                   "centre_id": home, "investment_wan": "100", "location": "开发区",
                                   "lead_staff_id": str(world["home_staff"].id)},
        "console.project_officer_add": {"staff_id": str(world["home_staff"].id), "department": "住建局"},
        "console.project_milestone_add": {"stage": "land", "title": "用地预审", "target_on": "2027-03-01"},
        "console.project_milestone_link": {"application_id": str(world["application"].id)},
        "console.feedback_assign": {"staff_id": str(world["home_staff"].id)},
        "console.rectification_verify": {"note": "已电话联系"},
        "console.rectification_fix": {"category": "立行立改", "reply": "已整改"},
        "console.centre_policy": POLICY,
        "console.hours_add": {"weekday": "3", "opens": "17:00", "closes": "18:00"},
        "console.window_update": {"counters": "2", "item_codes": world["item"].code},
        "console.window_add": {"name": "新窗口", "kind": "general", "counters": "1", "slot_minutes": "15"},
        "console.calendar_override": {"day": "2027-01-02", "is_workday": "true", "note": "测试调休"},
        "console.lift_suspension": {"reason": "本人说明情况"},
        "console.close_centre": {"day": (world["closure"].day + timedelta(days=1)).isoformat(), "reason": "矩阵测试停电",
                                 "confirm": "true"},
        "console.business_agent_confirm": {"name": "周经办", "id_number": id_number(7003)},
        "console.business_agent_end": {"reason": "已离职", "confirm": "true"},
        "console.business_payout": {"account_name": "聊城市周记餐饮有限公司", "bank": "中国工商银行聊城分行",
                                    "account_number": "6222021610001234567"},
        "console.licence_import": {"centre_id": home},
        "console.record_relative_authorisation": {"code": world["invite_code"], "centre_id": home,
                                                  "paper_ref": "SCAN-2026-0001"},
        "console.guidance_entry_new": {"code": "matrix-new", **GUIDE_ENTRY, "owner_centre_id": home},
        "console.guidance_entry": {**GUIDE_ENTRY, "owner_centre_id": home},
        "console.guidance_scenario_new": {"code": "matrix-new", **guide_scenario(world), "owner_centre_id": home},
        "console.guidance_scenario": {**guide_scenario(world), "owner_centre_id": home},
        "console.guidance_item": {"what_you_get": "许可证", "who_can_apply": "经营者", "steps": "提交\n领证",
                                  "fee": "不收费", "materials": "申请书, 必需, 原件, 1"},
        "console.policy_page": {"fact_1": "size_class", "op_1": "in", "value_1": "微型", "cases": (
            "- {name: 微型, facts: {size_class: micro}, eligible: true}\n"
            "- {name: 中型, facts: {size_class: medium}, eligible: false}\n")},
        "console.policy_grant_review": {"approve": "yes"},
        "console.certificate_revoke": {"reason": "证照信息有误", "confirm": "true"},
        "console.batch_advance": {"to": "accepted"},
        "console.inspection_list": {"centre_id": home, "starts_at": "2030-01-02T10:00", "minutes": "30"},
        "console.inspection_conclude": {"ok_layout": "yes", "conclusion": "pass"},
        "console.inspection_schedule": {"slot_id": "1"},
        "console.guidance_synonyms_add": {"words": "社保=社保卡", "owner_centre_id": home, "department": "人社"},
        "console.report_export": {"kind": "ratings", "centre_id": home, "date_from": today().isoformat(),
                                  "date_to": today().isoformat(), "item_id": str(world["item"].id)},
        "console.guidance_import": {"filename": "q.yaml", "action": "preview", "content": (
            f"entries:\n  - {{code: matrix-import, question: 测试问题导入, answer: 测试答案, owner_centre_id: {home},"
            f" department: 综合}}\n")},
    }
    if rule.endpoint == "console.appointments":
        url += f"?centre_id={home}"
    return url, forms.get(rule.endpoint, {}) if method == "POST" else None


def test_every_console_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule, _ in console_routes(app)}
    assert endpoints ^ set(MATRIX) == set(), "add the console route to the access matrix"


@pytest.mark.parametrize("role", [A, M, W, F, S, C])
def test_role_by_page_by_centre(app, console, world, db_session, role):
    home, other = (world["site"], world["other_site"]) if role == C else (world["home"], world["other"])
    insider_staff = make_staff(db_session, [home], (role,))
    outsider_staff = make_staff(db_session, [other], (role,))
    db_session.commit()
    insider, outsider = console(insider_staff), console(outsider_staff)
    world = {**world, **made_report(app, db_session, insider_staff)}   # a report is its maker's alone
    for rule, method in console_routes(app):
        allowed, scoped = MATRIX[rule.endpoint]
        if allowed == PUBLIC or rule.endpoint == "console.logout":
            continue
        url, form = request_for(rule, method, world)
        own = insider.post(url, form) if method == "POST" else insider.get(url)
        if role in allowed or role == A:  # admins may do everything, everywhere
            assert own.status_code not in (302, 404), (role, method, url, own.status_code)
        else:
            assert own.status_code == 404, (role, method, url, own.status_code)
        if scoped in (True, method) and role != A:
            theirs = outsider.post(url, form) if method == "POST" else outsider.get(url)
            assert theirs.status_code == 404, (role, method, url, theirs.status_code)


def test_signed_out_goes_to_the_login_page(app, world):
    anonymous = ConsoleUser(app)
    for rule, method in console_routes(app):
        if MATRIX[rule.endpoint][0] == PUBLIC:
            continue
        url, form = request_for(rule, method, world)
        response = anonymous.post(url, form) if method == "POST" else anonymous.get(url)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/console/login?next=")


def test_every_post_without_csrf_token_is_refused_and_changes_nothing(app, console, world, db_session):
    admin_staff = make_staff(db_session, [world["home"]], (A,))
    db_session.commit()
    admin = console(admin_staff)
    for rule, method in console_routes(app):
        if method != "POST":
            continue
        url, form = request_for(rule, method, world)
        response = admin.post(url, form, csrf=False)
        assert response.status_code == 400, url
        assert "页面已过期" in response.get_data(as_text=True)
        forged = admin.post(url, form | {"csrf_token": "forged"}, csrf=False)
        assert forged.status_code == 400, url
    ticket = reloaded(db_session, world["ticket"])
    assert ticket.status == "waiting" and ticket.call_count == 0
    assert reloaded(db_session, world["application"]).status == "accepted_pending_materials"
    assert reloaded(db_session, world["feedback"]).status == "submitted"
    assert reloaded(db_session, world["assistance"]).status == "submitted"
    assert reloaded(db_session, world["milestone"]).done_on is None
    assert reloaded(db_session, world["rectification"]).status == "open"
    assert reloaded(db_session, world["suspension"]).lifted_at is None
    assert reloaded(db_session, world["home"]).booking_horizon_days == 7
