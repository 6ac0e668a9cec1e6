"""Staff API access from the route table: a new /api/staff/v1 route without an entry fails.

public: anyone (login). staff: any logged-in staff member. centre: acts on one centre's records; staff of
another centre get 404 (existence is not leaked). Citizen tokens never open the staff API.
"""

from datetime import timedelta

import pytest

from miniapp_api.citizens.services import hash_token
from miniapp_api.platform.clock import utcnow
from miniapp_api.staff.models import StaffSession
from tests.console.conftest import ConsoleUser
from tests.factories import (
    BUSINESS_CASES,
    BUSINESS_RULE,
    CentreFactory,
    casework_world,
    credit_code,
    id_number,
    make_staff,
    reloaded,
)
from tests.test_access_matrix import fill

PUBLIC, STAFF, CENTRE = "public", "staff", "centre"
MATRIX = {
    "staff.log_in": PUBLIC,
    "staff.log_out": STAFF,
    "staff.show_me": STAFF,
    "staff_applications.intake": CENTRE,
    "staff_applications.list_applications": STAFF,
    "staff_applications.show_application": CENTRE,
    "staff_applications.advance": CENTRE,
    "staff_applications.receive_material": CENTRE,
    "staff_applications.create_batch": CENTRE,
    "staff_applications.show_batch": CENTRE,
    "staff_applications.advance_batch": CENTRE,
    "staff_licences.import_licences": CENTRE,
    "staff_licences.renew": CENTRE,
    "staff_businesses.import_businesses": STAFF,    # centre managers: the registry is city-wide
    "staff_businesses.confirm_agent": STAFF,        # window staff and managers of any hall
    "staff.list_notices": STAFF,
    "staff_feedback.inbox": STAFF,
    "staff_feedback.show": CENTRE,
    "staff_feedback.route": CENTRE,
    "staff_feedback.assign": CENTRE,
    "staff_feedback.start": CENTRE,
    "staff_feedback.answer": CENTRE,
    "staff_feedback.add_note": CENTRE,
    "staff_feedback.set_sla": STAFF,        # admins only: others get 404
    "staff_ratings.list_rectifications": STAFF,
    "staff_ratings.show_staff_rectification": CENTRE,
    "staff_ratings.verify": CENTRE,
    "staff_ratings.fix": CENTRE,
    "staff_ratings.staff_revisit": CENTRE,
    "staff_ratings.request_invalidation": CENTRE,
    "staff_ratings.decide_invalidation": CENTRE,
    "staff_ratings.rating_stats": STAFF,
    "staff_surveys.publish": STAFF,          # admins only
    "staff_surveys.run_campaign": STAFF,     # admins only: a campaign spans every centre
    "staff_surveys.show_results": STAFF,     # managers and supervisors: rows of the caller's centres only
    "staff_surveys.export_results": STAFF,
    "staff_counter.show_counter": CENTRE,
    "staff_counter.call_next": CENTRE,
    "staff_counter.act_on_ticket": CENTRE,
    "staff_policies.staff_list": STAFF,             # rows of the caller's centres only
    "staff_policies.create_document": CENTRE,
    "staff_policies.create_item": CENTRE,
    "staff_policies.staff_show": CENTRE,
    "staff_policies.save_rule": CENTRE,
    "staff_policies.check": CENTRE,
    "staff_policies.publish": CENTRE,
    "staff_policies.retire": CENTRE,
    "staff_policies.list_grants": STAFF,            # rows of the caller's centres only
    "staff_policies.review_grant": CENTRE,
    "staff_policies.grant_paid": CENTRE,
    "staff_policies.import_person_facts": STAFF,    # centre managers: shared data is city-wide
    "staff_files.staff_show": CENTRE,               # a file attached to a record of the caller's centres
    "staff_certificates.staff_list": STAFF,         # rows of the caller's centres only
    "staff_certificates.revoke": CENTRE,
    "staff_filing.staff_filing": CENTRE,            # the online form behind a case of the caller's centres
    "staff_inspections.add_slot": CENTRE,           # a time at one of the caller's centres
    "staff_inspections.list_slots": STAFF,          # times of the caller's centres only
    "staff_inspections.schedule": CENTRE,
    "staff_inspections.staff_show": CENTRE,
    "staff_inspections.conclude": CENTRE,           # and only the assigned inspector signs (403 for others)
}
PLACEHOLDERS = {"<reference>": "BS20261123-ABCDEF", "<int:material_id>": "1", "<int:licence_id>": "1",
                "<int:feedback_id>": "1", "<int:rectification_id>": "1", "<int:rating_id>": "1",
                "<kind>": "complaint", "<int:window_id>": "1", "<int:ticket_id>": "1", "<action>": "recall",
                "<int:item_id>": "1", "<int:document_id>": "1", "<int:grant_id>": "1",
                "<int:file_id>": "1", "<int:certificate_id>": "1", "<int:inspection_id>": "1"}


def staff_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/staff/v1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_staff_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule, _ in staff_routes(app)}
    assert endpoints - set(MATRIX) == set(), "add the new staff route to the access matrix"
    assert set(MATRIX) - endpoints == set()


def test_staff_routes_refuse_missing_forged_expired_revoked_and_citizen_tokens(app, client, login, db_session):
    citizen = login("o-citizen-at-staff-api")
    staff, now = make_staff(db_session, [CentreFactory()]), utcnow()
    db_session.add_all([
        StaffSession(staff_id=staff.id, token_hash=hash_token("bss_expired"), expires_at=now - timedelta(hours=1)),
        StaffSession(staff_id=staff.id, token_hash=hash_token("bss_revoked"), expires_at=now + timedelta(hours=1),
                     revoked_at=now)])
    db_session.commit()
    stale = [{"Authorization": "Bearer bss_expired"}, {"Authorization": "Bearer bss_revoked"}]
    for rule, method in staff_routes(app):
        if MATRIX[rule.endpoint] == PUBLIC:
            continue
        for headers in ({}, {"Authorization": "Bearer bss_forged"}, citizen, *stale):
            response = client.open(fill(rule.rule, PLACEHOLDERS), method=method, headers=headers, json={})
            assert response.status_code == 401, (method, rule.rule, headers)


@pytest.fixture
def two_centres(db_session, cipher):
    return casework_world(db_session, cipher)


def policy_ids(t: dict) -> dict:
    """The ids of the policy records and of the feedback's photo (the routes added after the first matrix)."""
    policy = t["policy"]
    return {"<int:item_id>": str(policy["item"].id), "<int:document_id>": str(policy["document"].id),
            "<int:grant_id>": str(policy["grant"].id), "<int:file_id>": str(t["photo"].id),
            "<int:certificate_id>": str(t["certificate"].id), "<int:inspection_id>": str(t["inspection"].id)}


def valid_bodies(t: dict) -> dict:
    """A valid body for every staff route that takes one, aimed at the home centre's records."""
    return {
        "staff_applications.intake": {"item_code": t["item"].code, "centre_id": t["home"].id,
                                      "applicant": {"name": "周敏", "id_number": id_number(7)}},
        "staff_applications.advance": {"to": "in_review"},
        "staff_applications.create_batch": {"item_code": t["item"].code, "centre_id": t["home"].id, "title": "批量",
                                            "business_name": "某公司",
                                            "members": [{"name": "周敏", "id_number": id_number(8)}]},
        "staff_applications.advance_batch": {"to": "accepted"},
        "staff_licences.import_licences": {"centre_id": t["home"].id, "csv": "x"},
        "staff_licences.renew": {"expires_on": "2035-01-01"},
        "staff_feedback.route": {"centre_id": t["home"].id},
        "staff_feedback.assign": {},
        "staff_feedback.answer": {"answer": "已处理"},
        "staff_feedback.add_note": {"internal_note": "备注"},
        "staff_ratings.verify": {"note": "已联系"},
        "staff_ratings.fix": {"category": "立行立改", "reply": "已整改"},
        "staff_ratings.staff_revisit": {"satisfied": True, "note": "电话回访满意"},
        "staff_ratings.request_invalidation": {"reason": "系误评，证据见录像", "evidence": ["录像"]},
        "staff_ratings.decide_invalidation": {"approve": True},
        "staff_policies.create_document": {"title": "新政策", "department": "测试局", "centre_id": t["home"].id,
                                           "issued_on": "2026-11-01", "summary": "白话解读"},
        "staff_policies.create_item": {"code": "NEW-1", "title": "新补贴", "benefit": "500元", "mode": "info",
                                       "subject": "person", "category": "养老服务", "valid_from": "2026-11-01",
                                       "valid_until": "2027-11-01", "owner_department": "测试局"},
        "staff_policies.save_rule": {"rule": BUSINESS_RULE, "cases": BUSINESS_CASES},
        "staff_policies.check": {"credit_code": t["policy"]["business"].credit_code},
        "staff_policies.review_grant": {"approve": True},
        "staff_certificates.revoke": {"reason": "证照信息有误"},
        "staff_inspections.add_slot": {"centre_id": t["home"].id, "starts_at": "2030-01-02T10:00:00+08:00"},
        "staff_inspections.schedule": {"slot_id": 1},
        "staff_inspections.conclude": {"findings": {"layout": {"ok": True}}, "conclusion": "pass"},
    }


def test_staff_of_another_centre_get_404_on_every_centre_route(app, client, two_centres, staff_login, db_session):
    t = two_centres
    values = {"<reference>": t["application"].reference, "<int:material_id>": str(t["application"].materials[0].id),
              "<int:licence_id>": str(t["licence"].id), "<int:feedback_id>": str(t["feedback"].id),
              "<int:rectification_id>": str(t["rectification"].id),
              "<int:rating_id>": str(t["rating"].id), "<int:window_id>": str(t["window"].id),
              "<int:ticket_id>": str(t["ticket"].id), "<action>": "recall"} | policy_ids(t)
    bodies = valid_bodies(t)
    outsider = staff_login(t["outsider"])
    for rule, method in staff_routes(app):
        if MATRIX[rule.endpoint] != CENTRE:
            continue
        path = fill(rule.rule, values | ({"<reference>": t["batch"].reference} if "batches" in rule.rule else {}))
        response = client.open(path, method=method, headers=outsider, json=bodies.get(rule.endpoint))
        assert response.status_code == 404, (method, path, response.get_json())
    application = reloaded(db_session, t["application"])
    assert application.status == "accepted_pending_materials"
    assert application.materials[0].received_at is None
    feedback = reloaded(db_session, t["feedback"])
    assert feedback.status == "submitted" and feedback.assignee_staff_id is None
    assert reloaded(db_session, t["rectification"]).status == "open"
    assert reloaded(db_session, t["rating"]).validity == "valid"
    ticket = reloaded(db_session, t["ticket"])
    assert ticket.status == "waiting" and ticket.call_count == 0
    assert reloaded(db_session, t["policy"]["grant"]).status == "reviewing"
    assert reloaded(db_session, t["policy"]["item"]).status == "published"
    assert reloaded(db_session, t["certificate"]).status == "valid"
    assert reloaded(db_session, t["inspection"]).status == "scheduled"


def test_admin_only_and_role_restricted_actions_are_not_found_for_others(client, two_centres, staff_login):
    manager = staff_login(two_centres["home_staff"])
    response = client.put("/api/staff/v1/feedback-sla/complaint", headers=manager, json={"working_days": 10})
    assert response.status_code == 404
    response = client.post("/api/staff/v1/surveys", headers=manager, json={
        "code": "service", "title": "新问卷", "questions": [{"key": "score", "kind": "scale", "text": "满意吗"}]})
    assert response.status_code == 404
    response = client.post("/api/staff/v1/surveys/campaigns", headers=manager,
                           json={"kind": "monthly", "period": "2026-10-01"})
    assert response.status_code == 404


def test_window_staff_do_not_handle_feedback(client, two_centres, staff_login, db_session):
    clerk = make_staff(db_session, [two_centres["home"]], ("window_staff",))
    db_session.commit()
    headers = staff_login(clerk)
    feedback_id = two_centres["feedback"].id
    assert client.get("/api/staff/v1/feedback", headers=headers).status_code == 404
    assert client.get(f"/api/staff/v1/feedback/{feedback_id}", headers=headers).status_code == 404
    assert client.post(f"/api/staff/v1/feedback/{feedback_id}/assign", headers=headers, json={}).status_code == 404
    assert reloaded(db_session, two_centres["feedback"]).assignee_staff_id is None


A, M, W, F, S = "admin", "centre_manager", "window_staff", "feedback_handler", "supervisor"
EVERY_ROLE = {A, M, W, F, S}
# endpoint → the roles that may use it on their own centre's records (admins may use all)
ROLES = {
    "staff.log_out": EVERY_ROLE, "staff.show_me": EVERY_ROLE, "staff.list_notices": EVERY_ROLE,
    "staff_applications.intake": {M, W}, "staff_applications.list_applications": EVERY_ROLE,
    "staff_applications.show_application": EVERY_ROLE, "staff_applications.advance": {M, W},
    "staff_applications.receive_material": {M, W}, "staff_applications.create_batch": {M, W},
    "staff_applications.show_batch": EVERY_ROLE, "staff_applications.advance_batch": {M, W},
    "staff_licences.import_licences": {M}, "staff_licences.renew": {M, W},
    "staff_businesses.import_businesses": {M}, "staff_businesses.confirm_agent": {M, W},
    "staff_feedback.inbox": {M, F, S}, "staff_feedback.show": {M, F, S}, "staff_feedback.route": {A},
    "staff_feedback.assign": {M, F, S}, "staff_feedback.start": {M, F, S}, "staff_feedback.answer": {M, F, S},
    "staff_feedback.add_note": {M, F, S}, "staff_feedback.set_sla": {A},
    "staff_ratings.list_rectifications": EVERY_ROLE, "staff_ratings.show_staff_rectification": EVERY_ROLE,
    "staff_ratings.verify": EVERY_ROLE, "staff_ratings.fix": EVERY_ROLE, "staff_ratings.staff_revisit": EVERY_ROLE,
    "staff_ratings.request_invalidation": {M, S}, "staff_ratings.decide_invalidation": {M, S},
    "staff_ratings.rating_stats": EVERY_ROLE,
    "staff_surveys.publish": {A}, "staff_surveys.run_campaign": {A}, "staff_surveys.show_results": {M, S},
    "staff_surveys.export_results": {M, S},
    "staff_counter.show_counter": {M, W}, "staff_counter.call_next": {M, W},
    "staff_counter.act_on_ticket": {M, W},
    "staff_policies.staff_list": {M, W}, "staff_policies.create_document": {M, W},
    "staff_policies.create_item": {M, W}, "staff_policies.staff_show": {M, W}, "staff_policies.save_rule": {M, W},
    "staff_policies.check": {M, W}, "staff_policies.publish": {M}, "staff_policies.retire": {M},
    "staff_policies.list_grants": {M, W}, "staff_policies.review_grant": {M, W}, "staff_policies.grant_paid": {M, W},
    "staff_policies.import_person_facts": {M},
    "staff_files.staff_show": EVERY_ROLE,
    "staff_certificates.staff_list": EVERY_ROLE, "staff_certificates.revoke": {M},
    "staff_filing.staff_filing": EVERY_ROLE,
    "staff_inspections.add_slot": {M, W}, "staff_inspections.list_slots": {M, W}, "staff_inspections.schedule": {M, W},
    "staff_inspections.staff_show": {M, W}, "staff_inspections.conclude": {M, W},
}
EXTRA_BODIES = {
    "staff_feedback.set_sla": {"working_days": 15},
    "staff_surveys.publish": {"code": "service", "title": "办事满意度回访",
                              "questions": [{"key": "score", "kind": "scale", "text": "您对这次办事满意吗？"}]},
    "staff_surveys.run_campaign": {"kind": "monthly", "period": "2026-10-01"},
    "staff_businesses.import_businesses": {"csv": "x"},
    "staff_policies.import_person_facts": {"csv": "x"},
    "staff_businesses.confirm_agent": {"credit_code": credit_code(1), "id_number": id_number(9), "name": "周敏"},
}


def test_every_staff_route_has_its_roles():
    assert set(ROLES) == set(MATRIX) - {"staff.log_in"}


@pytest.mark.parametrize("role", [A, M, W, F, S])
def test_each_role_on_each_staff_endpoint_of_its_own_centre(app, client, two_centres, staff_login, db_session,
                                                            role):
    """Allowed → anything but 401/404 (the action may still be refused for its state: 409/422); not allowed → 404."""
    t = two_centres
    member = make_staff(db_session, [t["home"]], (role,))
    db_session.commit()
    headers = staff_login(member)
    values = {"<reference>": t["application"].reference, "<int:material_id>": str(t["application"].materials[0].id),
              "<int:licence_id>": str(t["licence"].id), "<int:feedback_id>": str(t["feedback"].id),
              "<int:rectification_id>": str(t["rectification"].id), "<int:rating_id>": str(t["rating"].id),
              "<int:window_id>": str(t["window"].id), "<int:ticket_id>": str(t["ticket"].id), "<action>": "recall",
              "<kind>": "complaint"} | policy_ids(t)
    bodies = valid_bodies(t) | EXTRA_BODIES
    for rule, method in staff_routes(app):
        if rule.endpoint in ("staff.log_in", "staff.log_out"):
            continue
        path = fill(rule.rule, values | ({"<reference>": t["batch"].reference} if "batches" in rule.rule else {}))
        response = client.open(path, method=method, headers=headers, json=bodies.get(rule.endpoint))
        if role == A or role in ROLES[rule.endpoint]:
            assert response.status_code not in (401, 404), (role, method, path, response.get_json())
        else:
            assert response.status_code == 404, (role, method, path, response.status_code)


def test_the_api_and_the_console_read_one_role_table(app, client, two_centres, staff_login, db_session):
    """Where the two used to disagree (reassigning feedback, a window's queue, survey figures and campaigns),
    each role now gets the same answer from the staff API as from the console page for the same thing."""
    t = two_centres
    handler = make_staff(db_session, [t["home"]], ("feedback_handler",))
    other_handler = make_staff(db_session, [t["home"]], ("feedback_handler",))
    supervisor = make_staff(db_session, [t["home"]], ("supervisor",))
    clerk = make_staff(db_session, [t["home"]], ("window_staff",))
    admin = make_staff(db_session, [t["home"]], ("admin",))
    db_session.commit()
    feedback, window = t["feedback"].id, t["window"].id
    cases = [  # (staff, API call, console page or action, allowed)
        (handler, ("POST", f"/api/staff/v1/feedback/{feedback}/assign", {"staff_id": other_handler.id}),
         ("POST", f"/console/feedback/{feedback}/assign", {"staff_id": str(other_handler.id)}), False),
        (handler, ("GET", f"/api/staff/v1/windows/{window}/queue", None), ("GET", f"/console/windows/{window}", None),
         False),
        (clerk, ("GET", f"/api/staff/v1/windows/{window}/queue", None), ("GET", f"/console/windows/{window}", None),
         True),
        (handler, ("GET", "/api/staff/v1/surveys/results?code=service", None), ("GET", "/console/surveys", None),
         False),
        (supervisor, ("GET", "/api/staff/v1/surveys/results?code=service", None), ("GET", "/console/surveys", None),
         True),
    ]
    for staff, (method, url, body), (page_method, page, form), allowed in cases:
        api = client.open(url, method=method, headers=staff_login(staff), json=body)
        user = ConsoleUser(app)
        assert user.log_in(staff).status_code == 303
        shown = user.post(page, form) if page_method == "POST" else user.get(page)
        assert (api.status_code != 404) is allowed and (shown.status_code != 404) is allowed, (staff.roles, url,
                                                                                              api.status_code,
                                                                                              shown.status_code)
    # The handler may still claim the case for themselves.
    assert client.post(f"/api/staff/v1/feedback/{feedback}/assign", headers=staff_login(handler), json={}
                       ).status_code == 200
    campaign = {"kind": "audit", "period": "2026-10-01", "rate": 0.05, "seed": 7}
    assert client.post("/api/staff/v1/surveys/campaigns", headers=staff_login(supervisor),
                       json=campaign).status_code == 404
    assert client.post("/api/staff/v1/surveys/campaigns", headers=staff_login(admin), json=campaign).status_code == 200
