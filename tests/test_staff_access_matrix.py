"""Staff API access from the route table: a new /api/staff/v1 route without an entry fails.

public: anyone (login). staff: any logged-in staff member. centre: acts on one centre's records; staff of
another centre get 404 (existence is not leaked). Citizen tokens never open the staff API.
"""

import pytest

from miniapp_api.applications import services
from tests.appointments.conftest import MONDAY_8AM
from tests.test_access_matrix import fill
from miniapp_api.citizens.models import Citizen
from miniapp_api.feedback.models import Feedback
from miniapp_api.ratings.models import Evaluation
from miniapp_api.ratings.rectifications import open_rectification
from tests.factories import CentreFactory, ItemFactory, WindowFactory, id_number, make_staff

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
    "staff_surveys.run_campaign": STAFF,     # admins and supervisors
    "staff_surveys.show_results": STAFF,     # rows of the caller's centres only
    "staff_surveys.export_results": STAFF,
    "staff_counter.show_counter": CENTRE,
    "staff_counter.call_next": CENTRE,
    "staff_counter.act_on_ticket": CENTRE,
}
PLACEHOLDERS = {"<reference>": "BS20261123-ABCDEF", "<int:material_id>": "1", "<int:licence_id>": "1",
                "<int:feedback_id>": "1", "<int:rectification_id>": "1", "<int:evaluation_id>": "1",
                "<kind>": "complaint", "<int:window_id>": "1", "<int:ticket_id>": "1", "<action>": "recall"}


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
    from datetime import timedelta

    from miniapp_api.citizens.services import hash_token
    from miniapp_api.clock import utcnow
    from miniapp_api.staff.models import StaffSession

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
    home, other = CentreFactory(), CentreFactory()
    item = ItemFactory()
    window = WindowFactory(centre_id=home.id, items=[item])
    db_session.flush()
    from miniapp_api.appointments.queue import issue_ticket

    ticket = issue_ticket(db_session, window=window, item_id=item.id, now=MONDAY_8AM)
    home_staff = make_staff(db_session, [home], ("centre_manager",))
    outsider = make_staff(db_session, [other], ("centre_manager",))
    application = services.intake(
        db_session, cipher, home_staff, item_code=item.code, centre_id=home.id,
        applicant=services.Applicant("person", "周敏", id_number=id_number(5), phone="13700001234"), now=MONDAY_8AM,
        accept=services.Advance(services.S.ACCEPTED_PENDING_MATERIALS, missing_materials=["照片"],
                                promise_text="承诺补交", materials_due_on=MONDAY_8AM.date()))
    batch = services.create_batch(db_session, cipher, home_staff, item_code=item.code, centre_id=home.id,
                                  title="批量", business_name="某公司", credit_code=None,
                                  members=[services.Applicant("person", "周敏", id_number=id_number(6))],
                                  now=MONDAY_8AM)
    from miniapp_api.licences.models import Licence

    licence = Licence(licence_type="食品经营许可证", number="JY-1", holder_type="person", holder_name="周敏",
                      issuing_centre_id=home.id, issued_on=MONDAY_8AM.date(), expires_on=MONDAY_8AM.date())
    db_session.add(licence)
    citizen = Citizen(openid="o-matrix-citizen")
    db_session.add(citizen)
    db_session.flush()
    feedback = Feedback(citizen_id=citizen.id, kind="complaint", text="窗口人员态度不好", centre_id=home.id,
                        content_check="pass", status="submitted", sla_days=15, due_on=MONDAY_8AM.date(),
                        remind_on=MONDAY_8AM.date(), updated_at=MONDAY_8AM, photos=[])
    evaluation = Evaluation(citizen_id=citizen.id, target_type="application", target_id=application.id, level=1,
                            centre_id=home.id, created_at=MONDAY_8AM, tags=[], invalidation={})
    db_session.add_all([feedback, evaluation])
    db_session.flush()
    rectification = open_rectification(db_session, source=("evaluation", evaluation.id), citizen_id=citizen.id,
                                       centre_id=home.id, window_id=None, item_id=None, staff_id=None,
                                       summary="差评", level_name="非常不满意", now=MONDAY_8AM,
                                       evaluation_id=evaluation.id)
    db_session.commit()
    return dict(home=home, item=item, home_staff=home_staff, outsider=outsider, application=application,
                batch=batch, licence=licence, feedback=feedback, window=window, ticket=ticket, evaluation=evaluation, rectification=rectification)


def test_staff_of_another_centre_get_404_on_every_centre_route(app, client, two_centres, staff_login, db_session):
    t = two_centres
    values = {"<reference>": t["application"].reference, "<int:material_id>": str(t["application"].materials[0].id),
              "<int:licence_id>": str(t["licence"].id), "<int:feedback_id>": str(t["feedback"].id),
              "<int:rectification_id>": str(t["rectification"].id),
              "<int:evaluation_id>": str(t["evaluation"].id), "<int:window_id>": str(t["window"].id),
              "<int:ticket_id>": str(t["ticket"].id), "<action>": "recall"}
    bodies = {
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
    }
    outsider = staff_login(t["outsider"])
    for rule, method in staff_routes(app):
        if MATRIX[rule.endpoint] != CENTRE:
            continue
        path = fill(rule.rule, values | ({"<reference>": t["batch"].reference} if "batches" in rule.rule else {}))
        response = client.open(path, method=method, headers=outsider, json=bodies.get(rule.endpoint))
        assert response.status_code == 404, (method, path, response.get_json())
    db_session.expire_all()
    assert t["application"].status == "accepted_pending_materials"
    assert t["application"].materials[0].received_at is None
    assert t["feedback"].status == "submitted" and t["feedback"].assignee_staff_id is None
    assert t["rectification"].status == "open" and t["evaluation"].validity == "valid"
    assert t["ticket"].status == "waiting" and t["ticket"].call_count == 0


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
