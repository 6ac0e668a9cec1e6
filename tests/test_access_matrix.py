"""Who may call what, from the route table: a new API route without an entry here fails.

public: anyone. citizen: a valid bearer token (401 otherwise). own: acts on the caller's
own record named in the URL; anyone else's gets 404, never 403 (existence is not leaked).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import time_machine
from sqlalchemy import select

from miniapp_api.applications import services
from miniapp_api.applications.models import Application, ApplicationBatch, ApplicationStatus, BundleCase
from miniapp_api.appointments.models import WaitlistEntry, WaitlistOffer
from miniapp_api.assistance import services as assistance_services
from miniapp_api.assistance.models import AssistanceGrant, AssistanceRequest
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.certificates.models import Certificate
from miniapp_api.citizens.models import AuthSession, Citizen
from miniapp_api.citizens.services import hash_token
from miniapp_api.files import services as files
from miniapp_api.files.models import StoredFile
from miniapp_api.filing.models import Filing
from miniapp_api.licences.models import Licence
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.clock import utcnow
from miniapp_api.ratings.models import Rectification
from miniapp_api.ratings.rectifications import open_rectification
from miniapp_api.staff.models import Staff
from miniapp_api.surveys import services as surveys
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, credit_code, id_number, make_staff, policy_world
from tests.files.samples import photo_with_gps

PUBLIC, CITIZEN, OWN = "public", "citizen", "own"
MATRIX = {
    "citizens.log_in": PUBLIC,
    "citizens.log_out": CITIZEN,
    "citizens.show_profile": CITIZEN,
    "citizens.update_profile": CITIZEN,
    "accounts.delete_account": CITIZEN,
    "mydata.request_export": CITIZEN,
    "mydata.list_exports": CITIZEN,
    # The signed token in the URL names the export; it is served to its owner only, anyone else gets 404
    # (tests/mydata/test_exports.py). A relative's authorisation does not reach it (docs/authority.md).
    "mydata.download_export": CITIZEN,
    "mydata.access_log_page": CITIZEN,
    "businesses.list_businesses": CITIZEN,
    "businesses.show_business": OWN,
    "businesses.list_agents": OWN,          # its legal representative only (agents: 403)
    "businesses.end_agent": OWN,
    "businesses.set_payout_account": OWN,
    "projects.business_projects": OWN,      # 重点项目: whoever acts for the business now
    "identity.verify_phone": CITIZEN,
    "identity.start_verification": CITIZEN,
    "identity.confirm_verification": OWN,
    "identity.list_relatives": CITIZEN,
    "identity.invite_relative": CITIZEN,
    "identity.accept_relative": CITIZEN,
    "identity.revoke_relative": OWN,
    "appointments.list_relative_appointments": OWN,
    "applications.list_relative_applications": OWN,
    "licences.list_relative_licences": OWN,
    "centres.list_items": PUBLIC,
    "centres.show_item": PUBLIC,
    "centres.list_centres": PUBLIC,
    "centres.show_centre": PUBLIC,
    "guidance.search": PUBLIC,
    "guidance.list_scenarios": PUBLIC,
    "guidance.start_scenario": PUBLIC,
    "guidance.answer_scenario": PUBLIC,
    "guidance.scenario_result": PUBLIC,
    "guidance.hand_off": CITIZEN,
    "appointments.list_slots": PUBLIC,
    "appointments.show_queue": PUBLIC,
    "appointments.book": CITIZEN,
    "appointments.list_appointments": CITIZEN,
    "appointments.take_ticket": CITIZEN,
    "appointments.show_appointment": OWN,
    "appointments.cancel": OWN,
    "appointments.reschedule": OWN,
    "appointments.check_in": OWN,
    "appointments.join_waitlist": CITIZEN,
    "appointments.list_waitlist": CITIZEN,
    "appointments.cancel_waitlist": OWN,
    "appointments.confirm_offer": OWN,
    "appointments.decline_offer": OWN,
    "notifications.record_consents": CITIZEN,
    "notifications.list_consents": CITIZEN,
    "notifications.list_messages": CITIZEN,
    "notifications.mark_read": OWN,
    "notifications.mark_all_read": CITIZEN,
    "notifications.sms_preferences": CITIZEN,
    "notifications.set_sms_preferences": CITIZEN,
    "applications.list_applications": CITIZEN,
    "applications.lookup": CITIZEN,
    "applications.show_application": OWN,
    "applications.report_material": OWN,
    "licences.list_licences": CITIZEN,
    "feedback.file_feedback": CITIZEN,
    "feedback.list_feedback": CITIZEN,
    "feedback.show_feedback": OWN,
    "ratings.rate": CITIZEN,
    "ratings.list_ratings": CITIZEN,
    "ratings.rate_by_old_url": CITIZEN,
    "ratings.list_ratings_by_old_url": CITIZEN,
    "ratings.show_rectification": OWN,
    "ratings.public_centre_ratings": PUBLIC,
    "ratings.revisit": OWN,
    "surveys.show_survey": OWN,
    "surveys.answer_survey": OWN,
    "policies.browse": PUBLIC,
    "policies.show_policy": PUBLIC,
    "policies.eligibility": CITIZEN,        # evaluates the caller (and their businesses) only
    "policies.list_matches": CITIZEN,
    "policies.show_match": OWN,
    "policies.confirm_match": OWN,
    "policies.decline_match": OWN,
    "policies.application_form": OWN,
    "policies.apply_match": OWN,
    "policies.get_subscriptions": CITIZEN,
    "policies.put_subscriptions": CITIZEN,
    "files.upload": CITIZEN,
    "files.show": OWN,
    "certificates.list_certificates": CITIZEN,
    "certificates.show_certificate": OWN,
    "certificates.certificate_pdf": OWN,
    "certificates.list_relative_certificates": OWN,
    "certificates.verify_certificate": PUBLIC,
    # An SMS rating invitation's short link: a random code, redirected to the rating page (which logs in).
    "applications.open_rating_link": PUBLIC,
    "filing.online_form": CITIZEN,
    "filing.start_filing": CITIZEN,
    "filing.list_filings": CITIZEN,
    "filing.show_filing": OWN,
    "filing.save_filing": OWN,
    "filing.submit_filing": OWN,
    "filing.answer_corrections": OWN,
    "filing.list_bundles": PUBLIC,
    "filing.bundle_form": CITIZEN,
    "filing.bundle_slots": PUBLIC,
    "filing.list_bundle_cases": CITIZEN,
    "filing.show_bundle_case": OWN,
    "inspections.show_inspection": OWN,
    "inspections.add_evidence": OWN,
    # 分支机构批量变更: a list read (nothing of anyone's); filing and following one, for whoever acts for the business.
    "applications.check_branch_list": CITIZEN,
    "applications.file_branches": OWN,
    "applications.list_branch_filings": OWN,
    "applications.show_branch_filing": OWN,
    "assistance.ask_for_help": CITIZEN,
    "assistance.list_requests": CITIZEN,
    # 找回: only requests a 代办点 desk wrote down with the caller's face-verified ID number (tests/assistance/test_sites.py).
    "assistance.claim_requests": CITIZEN,
    "assistance.show_request": OWN,
    "assistance.withdraw_request": OWN,
    "assistance.confirm_grant": OWN,
    "assistance.revoke_grant": OWN,
}
# A well-formed branch filing (a refusal is about the business, never the body).
BRANCH_FILING = {"item_code": "X", "centre_id": 1, "title": "门店经营范围变更",
                 "branches": [{"name": "孙丽商店东昌分店", "credit_code": credit_code(62)}]}
PAYOUT = {"account_name": "孙丽", "bank": "中国工商银行聊城分行", "account_number": "6222021610001234567"}
RELATIVE = {"name": "孙大爷", "id_number": "110101194001011234", "relation": "父母", "scopes": ["view"]}
BODIES = {"identity.verify_phone": {"code": "x"}, "identity.accept_relative": {"code": "ABCDEFGH"},
          "identity.start_verification": {"real_name": "孙丽", "id_number": "110101194001011234"},
          "identity.invite_relative": RELATIVE,"appointments.reschedule": {"slot_id": 1}, "appointments.take_ticket": {"item_code": "X"},
          "appointments.join_waitlist": {"centre_id": 1, "item_code": "X", "date_from": "2026-11-24",
                                         "date_to": "2026-11-24"},
          "appointments.book": {"slot_id": 1, "item_codes": ["X"]}, "citizens.update_profile": {},
          "accounts.delete_account": {"confirm": "确认注销"},
          "notifications.set_sms_preferences": {"opted_out": []},
          "notifications.record_consents": {"results": {"x": "accept"}},
          "applications.lookup": {"reference": "BS20261123-ABCDEF", "phone_last4": "1234"},
          "applications.report_material": {"material_id": 1},
          "feedback.file_feedback": {"kind": "complaint", "text": "窗口人员态度不好"},
          "assistance.ask_for_help": {"centre_id": 1, "item_code": "X"},
          "ratings.rate": {"target": "appointment", "id": 1, "level": 5},
          "ratings.rate_by_old_url": {"target": "appointment", "id": 1, "level": 5},
          "ratings.revisit": {"satisfied": True},
          "surveys.answer_survey": {"answers": {"score": 5}}, "guidance.hand_off": {"q": "社保卡丢了"},
          "policies.confirm_match": PAYOUT, "policies.apply_match": PAYOUT,
          "policies.put_subscriptions": {"categories": []},
          "businesses.end_agent": {"reason": "已离职"}, "applications.file_branches": BRANCH_FILING,
          "businesses.set_payout_account": {"account_name": "孙丽商店", "bank": "中国工商银行",
                                            "account_number": "6222021610001234567"}}
PLACEHOLDERS = {"<int:appointment_id>": "1", "<int:message_id>": "1", "<int:centre_id>": "1",
                "<reference>": "BS20261123-ABCDEF", "<int:feedback_id>": "1", "<int:rectification_id>": "1",
                "<token>": "x" * 32, "<int:authorisation_id>": "1", "<int:verification_id>": "1",
                "<code>": "open-restaurant", "<int:entry_id>": "1", "<int:offer_id>": "1", "<int:business_id>": "1",
                "<int:item_id>": "1", "<int:match_id>": "1", "<int:file_id>": "1", "<int:certificate_id>": "1",
                "<int:filing_id>": "1", "<bundle_reference>": "YJ20261123-ABCDEF",
                "<batch_reference>": "PL20261123-ABCDEF",
                "<int:link_id>": "1", "<int:request_id>": "1", "<int:grant_id>": "1"}


def fill(rule: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        rule = rule.replace(placeholder, value)
    assert "<" not in rule, f"no test value for a placeholder in {rule}"
    return rule


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint.split(".")[0] not in ("openapi", "swagger"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_api_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule, _ in api_routes(app)}
    assert endpoints - set(MATRIX) == set(), "add the new route to the access matrix"
    assert set(MATRIX) - endpoints == set(), "the matrix names a route that no longer exists"


def expired_and_revoked_tokens(db_session) -> list[dict[str, str]]:
    """A real citizen's tokens: one past its expiry, one revoked by logging out."""

    citizen = Citizen(openid="o-expired-and-revoked")
    db_session.add(citizen)
    db_session.flush()
    now = utcnow()
    db_session.add_all([
        AuthSession(citizen_id=citizen.id, token_hash=hash_token("bs_expired"), expires_at=now - timedelta(hours=1)),
        AuthSession(citizen_id=citizen.id, token_hash=hash_token("bs_revoked"), expires_at=now + timedelta(days=1),
                    revoked_at=now - timedelta(minutes=1))])
    db_session.commit()
    return [{"Authorization": "Bearer bs_expired"}, {"Authorization": "Bearer bs_revoked"}]


def test_citizen_routes_refuse_callers_without_a_valid_token(app, client, db_session):
    stale = expired_and_revoked_tokens(db_session)
    for rule, method in api_routes(app):
        if MATRIX[rule.endpoint] == PUBLIC:
            continue
        path = fill(rule.rule, PLACEHOLDERS)
        for headers in ({}, {"Authorization": "Bearer bs_forged"}, *stale):
            response = client.open(path, method=method, headers=headers, json=BODIES.get(rule.endpoint, {}))
            assert response.status_code == 401, (method, path, headers)
            assert response.get_json()["error"]["code"] in ("unauthenticated", "invalid_token", "session_expired")


@dataclass
class OwnersRecords:
    """One citizen's records, one of each kind an `own` route names (built by `owners_records`)."""
    owner_id: int
    appointment: dict            # her booking, as the API answered it
    message: dict                # the first message in her inbox
    staff: Staff                 # the clerk who took her application in
    application: Application     # accepted pending a material, linked to her by the booking
    feedback: dict               # her suggestion, as the API answered it
    rectification: Rectification
    token: str                   # her survey invitation's
    entry: WaitlistEntry
    offer: WaitlistOffer         # held for the entry
    business: Business           # she is its representative
    policy: dict                 # policy_world: its match, open (matched), is her business's
    photo: StoredFile
    filing: Filing
    bundle: BundleCase
    branch_filing: ApplicationBatch   # her business's 分支机构批量变更, filed by her
    assistance: AssistanceRequest   # her 帮办 request, taken by the clerk, with a grant waiting for her
    grant: AssistanceGrant

    def placeholders(self, picked: dict[str, object]) -> dict[str, str]:
        """The placeholders of the `own` routes → her records; `picked` names the ones each test chooses itself
        (which booking, authorisation, certificate, agent link)."""
        ids = {"<int:message_id>": self.message["id"], "<reference>": self.application.reference,
               "<int:feedback_id>": self.feedback["id"], "<int:rectification_id>": self.rectification.id,
               "<token>": self.token, "<int:entry_id>": self.entry.id, "<int:offer_id>": self.offer.id,
               "<int:business_id>": self.business.id, "<int:match_id>": self.policy["match"].id,
               "<int:file_id>": self.photo.id, "<int:filing_id>": self.filing.id,
               "<bundle_reference>": self.bundle.reference, "<int:request_id>": self.assistance.id,
               "<int:grant_id>": self.grant.id,
               "<batch_reference>": self.branch_filing.reference, **picked}
        return {key: str(value) for key, value in ids.items()}


def owners_records(app, client, db_session, hall, owner: dict[str, str], *, slot, offered_slot, waiting_item,
                   key: str) -> OwnersRecords:
    """What the logged-in `owner` (孙丽, id_number(61), verified) has besides her authorisations: her booking of
    `slot` and its message, an application the booking links to her, feedback, a fixed rectification, a survey
    token, a waitlist entry for `waiting_item` with a held offer of `offered_slot`, a business she represents with
    a 免申即享 match, a photo, a draft filing and a bundle case. Left to commit: the records after the application."""
    booked = client.post("/api/v1/appointments", headers=owner,
                         json={"slot_id": slot.id, "item_codes": [hall.quick.code]})
    assert booked.status_code == 201, booked.get_json()
    message = client.get("/api/v1/messages", headers=owner).get_json()["messages"][0]
    staff = make_staff(db_session, [hall.centre])
    application = services.intake(
        db_session, app.extensions["banshi.cipher"], staff, item_code=hall.quick.code, centre_id=hall.centre.id,
        applicant=services.Applicant("person", "孙丽", id_number=id_number(61), phone="13900001111"),
        now=MONDAY_8AM, appointment_id=booked.get_json()["id"],
        accept=services.Advance(ApplicationStatus.ACCEPTED_PENDING_MATERIALS, missing_materials=["照片"],
                                promise_text="承诺补交", materials_due_on=date(2026, 12, 4)))
    owner_id = application.citizen_id
    db_session.commit()   # what the test built is committed before the next request (as in every test)
    feedback = client.post("/api/v1/feedback", headers=owner,
                           json={"kind": "suggestion", "text": "建议增加周末延时服务", "centre_id": hall.centre.id})
    assert feedback.status_code == 201, feedback.get_json()
    rectification = open_rectification(db_session, source=("rating", 1), citizen_id=owner_id,
                                       centre_id=hall.centre.id, window_id=None, item_id=None, staff_id=None,
                                       summary="测试", level_name="不满意", now=MONDAY_8AM)
    rectification.status = "fixed"
    surveys.invite(db_session, [surveys.Subject(
        trigger="application.completed", subject_type="application", subject_id=application.id,
        citizen_id=owner_id, centre_id=hall.centre.id, item_id=None, key=key)], MONDAY_8AM)
    surveys.send_due(db_session, MONDAY_8AM + timedelta(hours=3))
    token = db_session.scalar(select(Notification.page).where(Notification.kind == "survey_invitation")
                              ).split("token=")[1]
    entry = WaitlistEntry(citizen_id=owner_id, person_hash=key, person_name="孙丽", centre_id=hall.centre.id,
                          item_id=waiting_item.id, date_from=date(2026, 11, 24), date_to=date(2026, 11, 24),
                          status="offered", created_at=MONDAY_8AM)
    db_session.add(entry)
    db_session.flush()
    offer = WaitlistOffer(entry_id=entry.id, slot_id=offered_slot.id, centre_id=hall.centre.id, status="held",
                          expires_at=MONDAY_8AM + timedelta(hours=1), created_at=MONDAY_8AM)
    db_session.add(offer)
    business = Business(credit_code=credit_code(61), name="孙丽商店", kind="individual", industry_code="F52",
                        size_class="micro", address="聊城", region="371502", registered_on=date(2024, 1, 1),
                        representative_name="孙丽")
    db_session.add(business)
    db_session.flush()
    db_session.add(BusinessLink(business_id=business.id, citizen_id=owner_id, role="representative",
                                source="registry"))
    # A 免申即享 match of the business she acts for: only those acting for it may read or answer it.
    policy = policy_world(db_session, hall.centre, db_session.get(Citizen, owner_id))
    policy["match"].status = "matched"
    db_session.delete(policy["grant"])
    policy["match"].business_id = business.id
    photo = files.store(db_session, app.extensions["banshi.storage"], db_session.get(Citizen, owner_id),
                        photo_with_gps(), "material", MONDAY_8AM)
    filing = Filing(citizen_id=owner_id, item_id=hall.quick.id, centre_id=hall.centre.id, values={}, materials={},
                    deferred=[], delivery="pickup", status="draft", created_at=MONDAY_8AM, updated_at=MONDAY_8AM)
    db_session.add(filing)
    bundle = services.open_bundle_case(db_session, bundle_code="KSCJ", title="残疾人证跨省通办一件事",
                                       centre_id=hall.centre.id, applicant=services.Applicant("person", "孙丽"),
                                       citizen_id=owner_id, proxy_citizen_id=None, receiving_province="河南省",
                                       now=MONDAY_8AM)
    branch_filing = services.new_batch(db_session, None, item=hall.quick, centre_id=hall.centre.id,
                                       title="门店经营范围变更", business_name=business.name,
                                       credit_code=business.credit_code, agent_id=owner_id, now=MONDAY_8AM,
                                       business_id=business.id)
    assistance = assistance_services.ask_for_help(
        db_session, db_session.get(Citizen, owner_id),
        assistance_services.AskIn(centre_id=hall.centre.id, item_code=hall.quick.code), "pass", MONDAY_8AM)
    assistance.status, assistance.helper_staff_id = "assigned", staff.id
    grant = AssistanceGrant(request_id=assistance.id, helper_staff_id=staff.id, item_id=hall.quick.id, scopes=["book"],
                            purpose="代为预约", valid_hours=24, status="pending", asked_at=MONDAY_8AM)
    db_session.add(grant)
    db_session.flush()
    return OwnersRecords(assistance=assistance, grant=grant, owner_id=owner_id, appointment=booked.get_json(), message=message, staff=staff,
                         application=application, feedback=feedback.get_json(), rectification=rectification,
                         token=token, entry=entry, offer=offer, business=business, policy=policy, photo=photo,
                         filing=filing, bundle=bundle, branch_filing=branch_filing)


def test_another_citizens_records_are_not_found(app, client, login, verified_login, wechat, db_session):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        owner, stranger = verified_login("孙丽", id_number(61), openid="o-owner"), verified_login("钱进")
        pending = client.post("/api/v1/me/verifications", headers=owner,
                              json={"real_name": "孙丽", "id_number": id_number(61)}).get_json()
        relative = client.post("/api/v1/relatives", headers=owner, json=dict(RELATIVE, id_number=id_number(62)))
        assert relative.status_code == 201, relative.get_json()
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        hers = owners_records(app, client, db_session, hall, owner, slot=slot, offered_slot=slot,
                              waiting_item=hall.quick, key="matrix")
        owner_row = db_session.get(Citizen, hers.owner_id)
        licence = Licence(licence_type="特种设备安全管理和作业人员证", number="TS-1", holder_type="person",
                          holder_name="孙丽", issuing_centre_id=hall.centre.id, issued_on=date(2026, 1, 1),
                          expires_on=date(2030, 1, 1))
        db_session.add(licence)
        db_session.flush()
        certificate = Certificate(identifier="23103715712026000017", type_code="2310", type_name=licence.licence_type,
                                  licence_id=licence.id, holder_type="person", holder_name="孙丽",
                                  holder_id_hash=owner_row.verified_id_hash, issuing_centre_id=hall.centre.id,
                                  issued_on=date(2026, 1, 1), expires_on=date(2030, 1, 1), payload={}, signature="",
                                  key_id="0" * 16, verify_token="matrix-own-token")
        db_session.add(certificate)
        db_session.commit()
        assert client.get(f"/api/v1/certificates/{certificate.id}", headers=owner).status_code == 200
        assert client.get(f"/api/v1/bundle-cases/{hers.bundle.reference}", headers=owner).status_code == 200
        material_id, photo = hers.application.materials[0].id, hers.photo
        ids = hers.placeholders({"<int:appointment_id>": hers.appointment["id"],
                                 "<int:authorisation_id>": relative.get_json()["id"],
                                 "<int:verification_id>": pending["id"], "<int:certificate_id>": certificate.id,
                                 "<int:link_id>": 1})
        for rule, method in api_routes(app):
            if MATRIX[rule.endpoint] != OWN:
                continue
            path = fill(rule.rule, ids)
            body = {"appointments.reschedule": {"slot_id": slot.id},
                    "applications.report_material": {"material_id": material_id},
                    "ratings.revisit": {"satisfied": False}, "policies.confirm_match": PAYOUT,
                    "policies.apply_match": PAYOUT,
                    "filing.answer_corrections": {"answers": [{"material_id": material_id, "file_ids": [photo.id]}]},
                    "filing.save_filing": {},
                    "inspections.add_evidence": {"line": "layout", "file_ids": [photo.id]},
                    "businesses.end_agent": {"reason": "已离职"}, "applications.file_branches": BRANCH_FILING,
                    "businesses.set_payout_account": {"account_name": "孙丽商店", "bank": "中国工商银行",
                                                      "account_number": "6222021610001234567"},
                    "surveys.answer_survey": {"answers": {"score": 1, "once": False}}}.get(rule.endpoint)
            response = client.open(path, method=method, headers=stranger, json=body)
            assert response.status_code == 404, (method, path)
            assert response.get_json()["error"]["code"] in ("appointment_not_found", "message_not_found",
                                                            "application_not_found", "feedback_not_found",
                                                            "rectification_not_found", "survey_not_found",
                                                            "relative_not_found", "verification_not_found",
                                                            "waitlist_not_found", "offer_not_found",
                                                            "business_not_found", "policy_match_not_found",
                                                            "file_not_found", "certificate_not_found",
                                                            "filing_not_found", "inspection_not_found",
                                                            "bundle_not_found", "assistance_not_found")
        # The owner's records are untouched by all of that.
        waiting = client.get("/api/v1/waitlist", headers=owner).get_json()["entries"]
        assert [(e["id"], e["offer"]["id"]) for e in waiting] == [(hers.entry.id, hers.offer.id)]
        assert client.get("/api/v1/waitlist", headers=stranger).get_json()["entries"] == []
        mine = client.get(f"/api/v1/appointments/{hers.appointment['id']}", headers=owner).get_json()
        assert mine["status"] == "booked"
        assert client.get("/api/v1/messages", headers=owner).get_json()["unread_count"] == 4
        # The appointment linked the owner to the application; the stranger sees none of it.
        assert client.get(f"/api/v1/applications/{hers.application.reference}", headers=owner).status_code == 200
        assert client.get("/api/v1/applications", headers=stranger).get_json()["applications"] == []
        assert client.get(f"/api/v1/rectifications/{hers.rectification.id}",
                          headers=owner).get_json()["status"] == "fixed"
        assert client.get("/api/v1/feedback", headers=stranger).get_json()["feedback"] == []
        assert client.get(f"/api/v1/surveys/{hers.token}", headers=owner).status_code == 200
        # The match of the owner's business is still open, and only the owner sees it.
        assert [(m["id"], m["status"]) for m in client.get("/api/v1/policy-matches", headers=owner).get_json()[
            "matches"]] == [(hers.policy["match"].id, "matched")]
        assert client.get("/api/v1/policy-matches", headers=stranger).get_json()["matches"] == []
