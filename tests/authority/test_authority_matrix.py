"""Who may act for whom, route by route (issue 33).

Every route that acts on a person's or a business's record named in the URL (`own` in the access matrix) is
driven over HTTP by each kind of actor, against one owner's records. `AUTHORITY` says, per route, who may; everyone
else is refused — 404 (existence is not leaked), 403 where the caller may see the record but not do this, 401 for
a staff token (it is not a citizen's) — and after every refusal the owner's records are unchanged. A route marked
`own` without a row here fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import time_machine
from sqlalchemy import select, update

from miniapp_api.businesses.models import AGENT_TERM, BusinessLink
from miniapp_api.certificates.models import Certificate
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.models import RelativeAuthorisation
from miniapp_api.inspections.models import Inspection, InspectorSlot
from miniapp_api.licences.models import Licence
from miniapp_api.platform.clock import utcnow
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import CentreFactory, build_hall, id_number, make_staff
from tests.test_access_matrix import BRANCH_FILING, MATRIX, OWN, PAYOUT, api_routes, fill, owners_records

OWNER = "owner"                         # 孙丽, face-verified: every record below is hers or her business's
STRANGER = "stranger"                   # another verified citizen
TYPED_ID = "typed_id"                   # a new, unverified account that typed her name and ID number (PATCH /me)
DELEGATE = "delegate"                   # verified, her relative authorisation in force (book, view, remind)
REVOKED_DELEGATE = "revoked_delegate"   # the same, revoked by her
EXPIRED_DELEGATE = "expired_delegate"   # the same, past its expires_at
AGENT = "agent"                         # verified, an agent link in force on her business
ENDED_AGENT = "ended_agent"             # an agent whose link she ended
OTHER_STAFF = "other_staff"             # staff of another centre, with their staff token
ACTORS = (OWNER, STRANGER, TYPED_ID, DELEGATE, REVOKED_DELEGATE, EXPIRED_DELEGATE, AGENT, ENDED_AGENT, OTHER_STAFF)
DELEGATES = (DELEGATE, REVOKED_DELEGATE, EXPIRED_DELEGATE)
AGENTS = (AGENT, ENDED_AGENT)

# endpoint → (who may, the code of the 404 everyone else gets). Each actor tries the owner's record it has the best
# claim to (`path_values`): a delegate the booking it made for her under its own authorisation and that
# authorisation; an agent the business's certificate; the owner her own authorisation for her father.
AUTHORITY = {
    "businesses.show_business": ({OWNER, AGENT}, "business_not_found"),
    "businesses.list_agents": ({OWNER}, "business_not_found"),             # agents: 403 (REPRESENTATIVE_ONLY)
    "businesses.end_agent": ({OWNER}, "business_not_found"),
    "businesses.set_payout_account": ({OWNER}, "business_not_found"),
    "projects.business_projects": ({OWNER, AGENT}, "business_not_found"),   # its key projects' timeline
    "identity.confirm_verification": ({OWNER}, "verification_not_found"),
    # Either side ends an authorisation, even one that ran out (it only turns 'expired' into 'revoked').
    "identity.revoke_relative": ({OWNER, DELEGATE, EXPIRED_DELEGATE}, "relative_not_found"),
    "appointments.list_relative_appointments": ({OWNER, DELEGATE}, "relative_not_found"),
    "applications.list_relative_applications": ({OWNER, DELEGATE}, "relative_not_found"),
    "licences.list_relative_licences": ({OWNER, DELEGATE}, "relative_not_found"),
    "certificates.list_relative_certificates": ({OWNER, DELEGATE}, "relative_not_found"),
    "appointments.show_appointment": ({OWNER, DELEGATE}, "appointment_not_found"),
    "appointments.cancel": ({OWNER, DELEGATE}, "appointment_not_found"),
    "appointments.reschedule": ({OWNER, DELEGATE}, "appointment_not_found"),
    "appointments.check_in": ({OWNER, DELEGATE}, "appointment_not_found"),
    "appointments.cancel_waitlist": ({OWNER}, "waitlist_not_found"),
    "appointments.confirm_offer": ({OWNER}, "offer_not_found"),
    "appointments.decline_offer": ({OWNER}, "offer_not_found"),
    "notifications.mark_read": ({OWNER}, "message_not_found"),
    "applications.show_application": ({OWNER}, "application_not_found"),
    "applications.report_material": ({OWNER}, "application_not_found"),
    "feedback.show_feedback": ({OWNER}, "feedback_not_found"),
    "ratings.show_rectification": ({OWNER}, "rectification_not_found"),
    "ratings.revisit": ({OWNER}, "rectification_not_found"),
    "surveys.show_survey": ({OWNER}, "survey_not_found"),
    "surveys.answer_survey": ({OWNER}, "survey_not_found"),
    # The 免申即享 match of her business: whoever acts for the business now.
    "policies.show_match": ({OWNER, AGENT}, "policy_match_not_found"),
    "policies.confirm_match": ({OWNER, AGENT}, "policy_match_not_found"),
    "policies.decline_match": ({OWNER, AGENT}, "policy_match_not_found"),
    "policies.application_form": ({OWNER, AGENT}, "policy_match_not_found"),
    "policies.apply_match": ({OWNER, AGENT}, "policy_match_not_found"),
    # Her own files: and a relative she lets view her records.
    "files.show": ({OWNER, DELEGATE}, "file_not_found"),
    "certificates.show_certificate": ({OWNER, AGENT}, "certificate_not_found"),
    "certificates.certificate_pdf": ({OWNER, AGENT}, "certificate_not_found"),
    "filing.show_filing": ({OWNER}, "filing_not_found"),
    "filing.save_filing": ({OWNER}, "filing_not_found"),
    "filing.submit_filing": ({OWNER}, "filing_not_found"),
    "filing.answer_corrections": ({OWNER}, "application_not_found"),
    "filing.show_bundle_case": ({OWNER}, "bundle_not_found"),
    # 分支机构批量变更 of her business: whoever acts for it now (an ended agent: not found, at once).
    "applications.file_branches": ({OWNER, AGENT}, "business_not_found"),
    "applications.list_branch_filings": ({OWNER, AGENT}, "business_not_found"),
    "applications.show_branch_filing": ({OWNER, AGENT}, "business_not_found"),
    "inspections.show_inspection": ({OWNER}, "application_not_found"),
    "inspections.add_evidence": ({OWNER}, "application_not_found"),
    # Her 帮办 request and the grant its helper asks of her: hers alone (a relative's authorisation does not reach
    # it: the grant is her own word to a named helper).
    "assistance.show_request": ({OWNER}, "assistance_not_found"),
    "assistance.withdraw_request": ({OWNER}, "assistance_not_found"),
    "assistance.confirm_grant": ({OWNER}, "assistance_not_found"),
    "assistance.revoke_grant": ({OWNER}, "assistance_not_found"),
}
# Only the legal representative: an agent in force sees the business but is refused these with 403.
REPRESENTATIVE_ONLY = ("businesses.list_agents", "businesses.end_agent", "businesses.set_payout_account")
FORBIDDEN = {(endpoint, AGENT): "not_representative" for endpoint in REPRESENTATIVE_ONLY}


def refusal(endpoint: str, actor: str) -> tuple[int, str] | None:
    """The answer the actor gets on the owner's record: None when allowed, else (status, error code)."""
    allowed, not_found = AUTHORITY[endpoint]
    if actor in allowed:
        return None
    if actor == OTHER_STAFF:
        return 401, "invalid_token"
    if (endpoint, actor) in FORBIDDEN:
        return 403, FORBIDDEN[endpoint, actor]
    return 404, not_found


def test_every_route_on_someones_records_has_a_row(app):
    own = {endpoint for endpoint, access in MATRIX.items() if access == OWN}
    assert set(AUTHORITY) == own, "add the route to AUTHORITY: who may act on the record it names"
    routes = {rule.endpoint for rule, _ in api_routes(app)}
    assert routes - set(AUTHORITY) <= set(MATRIX) - own, "a new route: add it to the access matrix and here"
    assert set(AUTHORITY) <= routes, "AUTHORITY names a route that no longer exists"
    for endpoint, (allowed, _) in AUTHORITY.items():
        assert allowed <= set(ACTORS) and OWNER in allowed and OTHER_STAFF not in allowed, endpoint
    assert set(FORBIDDEN) <= {(endpoint, actor) for endpoint in AUTHORITY for actor in ACTORS
                              if actor not in AUTHORITY[endpoint][0]}


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    ids: dict[str, str]                                        # placeholder → the owner's record
    grants: dict[str, int]                                     # delegate → its authorisation from the owner
    bookings: dict[str, int]                                   # delegate → its booking for the owner
    extra: dict[str, int] = field(default_factory=dict)        # the other records the test names


def path_values(world: World, actor: str) -> dict[str, str]:
    """The owner's records, as this actor names them (see AUTHORITY)."""
    values = dict(world.ids)
    if actor in DELEGATES:
        values["<int:authorisation_id>"] = str(world.grants[actor])
        values["<int:appointment_id>"] = str(world.bookings[actor])
    if actor in AGENTS:
        values["<int:certificate_id>"] = str(world.extra["business_certificate"])
    if actor == OWNER:
        values["<int:authorisation_id>"] = str(world.extra["owner_grant"])
    return values


def bodies(world: World) -> dict[str, dict]:
    """Well-formed bodies, so a refusal is about the record, never about the request. A payout account other than
    the one on record: taken, it would show."""
    return {"appointments.reschedule": {"slot_id": world.extra["free_slot"]},
            "applications.report_material": {"material_id": world.extra["material"]},
            "ratings.revisit": {"satisfied": False}, "policies.confirm_match": PAYOUT, "policies.apply_match": PAYOUT,
            "filing.answer_corrections": {"answers": [{"material_id": world.extra["material"],
                                                       "file_ids": [world.extra["photo"]]}]},
            "filing.save_filing": {},
            "inspections.add_evidence": {"line": "layout", "file_ids": [world.extra["photo"]]},
            "businesses.end_agent": {"reason": "已离职"}, "applications.file_branches": BRANCH_FILING,
            "businesses.set_payout_account": {"account_name": "孙丽商店", "bank": "中国建设银行",
                                              "account_number": "6217000010009999999"},
            "surveys.answer_survey": {"answers": {"score": 1, "once": False}}}


def citizen_id(db_session, openid: str) -> int:
    return db_session.scalar(select(Citizen.id).where(Citizen.openid == openid))


def build_world(app, client, login, verified_login, db_session, staff_login) -> World:
    """One owner with one of everything, and the actors around her."""
    hall = build_hall(db_session, MONDAY_8AM)
    hall.centre.max_active_per_person = 6   # her own booking, and those her delegates made for her
    db_session.commit()
    slot = lambda day, time="09:00": hall.slot(db_session, hall.general, f"2026-11-{day} {time}")  # noqa: E731
    owner = verified_login("孙丽", id_number(61), openid="o-owner")
    owner_id = citizen_id(db_session, "o-owner")
    headers = {OWNER: owner, STRANGER: verified_login("钱进")}
    headers[TYPED_ID] = login("o-typed")
    typed = client.patch("/api/v1/me", headers=headers[TYPED_ID],
                         json={"real_name": "孙丽", "id_number": id_number(61)})
    assert typed.status_code == 200, typed.get_json()

    # Her own authorisation for her father (she is the delegate there), accepted on his WeChat.
    mine = client.post("/api/v1/relatives", headers=owner, json={
        "name": "孙大爷", "id_number": id_number(62), "relation": "父母", "scopes": ["view"]}).get_json()
    father = verified_login("孙大爷", id_number(62))
    accepted = client.post("/api/v1/relatives/accept", headers=father, json={"code": mine["invite_code"]})
    assert accepted.status_code == 200, accepted.get_json()

    # Three relatives she authorised; each books for her while in force.
    grants, bookings = {}, {}
    for number, (actor, day) in enumerate(((DELEGATE, 25), (REVOKED_DELEGATE, 26), (EXPIRED_DELEGATE, 27))):
        headers[actor] = verified_login("孙小明", id_number(63 + number))
        invited = client.post("/api/v1/relatives", headers=headers[actor], json={
            "name": "孙丽", "id_number": id_number(61), "relation": "父母", "scopes": ["book", "view", "remind"]})
        assert invited.status_code == 201, invited.get_json()
        accepted = client.post("/api/v1/relatives/accept", headers=owner,
                               json={"code": invited.get_json()["invite_code"]})
        assert accepted.status_code == 200, accepted.get_json()
        grants[actor] = invited.get_json()["id"]
        booked = client.post("/api/v1/appointments", headers=headers[actor], json={
            "slot_id": slot(day).id, "item_codes": [hall.quick.code], "for_relative": grants[actor]})
        assert booked.status_code == 201, booked.get_json()
        bookings[actor] = booked.get_json()["id"]
    # A second booking for her by the delegate, for the delegate's allowed acts at the end.
    second = client.post("/api/v1/appointments", headers=headers[DELEGATE], json={
        "slot_id": slot(30).id, "item_codes": [hall.quick.code], "for_relative": grants[DELEGATE]})
    assert second.status_code == 201, second.get_json()
    revoked = client.post(f"/api/v1/relatives/{grants[REVOKED_DELEGATE]}/revoke", headers=owner)
    assert revoked.status_code == 200, revoked.get_json()
    db_session.execute(update(RelativeAuthorisation).where(RelativeAuthorisation.id == grants[EXPIRED_DELEGATE])
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db_session.commit()

    # Two agents of her business (their links are made below): one in force, one whose link she ends.
    for number, actor in enumerate(AGENTS):
        headers[actor] = verified_login("李经办", id_number(70 + number), openid=f"o-{actor}")

    # Her own records (as in the stranger-only matrix).
    pending = client.post("/api/v1/me/verifications", headers=owner,
                          json={"real_name": "孙丽", "id_number": id_number(61)}).get_json()
    hers = owners_records(app, client, db_session, hall, owner, slot=slot(24), offered_slot=slot(24, "14:00"),
                          waiting_item=hall.slow, key="authority")
    assert hers.application.citizen_id == owner_id
    business, staff, application = hers.business, hers.staff, hers.application

    # Her business (she is its representative): one agent in force, one whose link she ends below.
    links = {}
    for actor in AGENTS:
        link = BusinessLink(business_id=business.id, citizen_id=citizen_id(db_session, f"o-{actor}"), role="agent",
                            source="counter", staff_id=staff.id, expires_at=utcnow() + AGENT_TERM)
        db_session.add(link)
        db_session.flush()
        links[actor] = link.id
    certificates = {}
    for holder, values in (("person", dict(holder_name="孙丽", holder_id_hash=db_session.get(
            Citizen, owner_id).verified_id_hash)), ("business", dict(holder_name="孙丽商店",
                                                                      credit_code=business.credit_code))):
        licence = Licence(licence_type="食品经营许可证", number=f"JY-{holder}", holder_type=holder,
                          holder_name=values["holder_name"], credit_code=values.get("credit_code"),
                          issuing_centre_id=hall.centre.id, issued_on=date(2026, 1, 1), expires_on=date(2030, 1, 1))
        db_session.add(licence)
        db_session.flush()
        certificate = Certificate(identifier=f"11203715712026{licence.id:06d}", type_code="1120",
                                  type_name=licence.licence_type, licence_id=licence.id, holder_type=holder,
                                  issuing_centre_id=hall.centre.id, issued_on=date(2026, 1, 1),
                                  expires_on=date(2030, 1, 1), payload={}, signature="", key_id="0" * 16,
                                  verify_token=f"authority-{holder}", **values)
        db_session.add(certificate)
        db_session.flush()
        certificates[holder] = certificate.id
    inspector_slot = InspectorSlot(staff_id=staff.id, centre_id=hall.centre.id,
                                   starts_at=MONDAY_8AM + timedelta(days=1),
                                   ends_at=MONDAY_8AM + timedelta(days=1, minutes=30))
    db_session.add(inspector_slot)
    db_session.flush()
    db_session.add(Inspection(application_id=application.id, inspector_staff_id=staff.id, slot_id=inspector_slot.id,
                              checklist=[{"key": "layout", "text": "布局与平面图一致", "evidence": "photo"}],
                              evidence={}, status="scheduled", created_at=MONDAY_8AM))
    db_session.commit()

    # She ends one agent's link and records the business's payout account (acts only she may do).
    ended = client.post(f"/api/v1/businesses/{business.id}/agents/{links[ENDED_AGENT]}/end", headers=owner,
                        json={"reason": "已离职"})
    assert ended.status_code == 200, ended.get_json()
    payout = client.put(f"/api/v1/businesses/{business.id}/payout-account", headers=owner,
                        json={"account_name": "孙丽商店", "bank": "中国工商银行", "account_number": "6222021610001234567"})
    assert payout.status_code == 200, payout.get_json()
    headers[OTHER_STAFF] = staff_login(make_staff(db_session, [CentreFactory()], ("centre_manager",)))
    db_session.commit()

    ids = hers.placeholders({"<int:appointment_id>": bookings[DELEGATE], "<int:authorisation_id>": grants[DELEGATE],
                             "<int:verification_id>": pending["id"], "<int:certificate_id>": certificates["person"],
                             "<int:link_id>": links[AGENT]})
    return World(headers=headers, ids=ids, grants=grants, bookings=bookings, extra={
        "owner_grant": mine["id"], "business_certificate": certificates["business"],
        "free_slot": slot(30, "10:00").id, "material": application.materials[0].id, "photo": hers.photo.id,
        "second_booking": second.get_json()["id"], "own_booking": hers.appointment["id"]})


def answer(response) -> tuple[int, str | None]:
    """The status and, for a refusal, its error code (a PDF or a success has none)."""
    body = response.get_json(silent=True) if response.is_json else None
    return response.status_code, ((body or {}).get("error") or {}).get("code")


def owner_records(client, world: World) -> dict:
    """What the owner (and her business) has, as she reads it."""
    owner, ids = world.headers[OWNER], world.ids
    business = client.get(f"/api/v1/businesses/{ids['<int:business_id>']}/agents", headers=owner).get_json()
    relatives = client.get("/api/v1/relatives", headers=owner).get_json()
    return {
        "appointments": sorted((a["id"], a["status"], a["starts_at"]) for a in client.get(
            "/api/v1/appointments", headers=owner).get_json()["appointments"]),
        "waitlist": [(e["id"], e["status"], e["offer"] and (e["offer"]["id"], e["offer"]["status"]))
                     for e in client.get("/api/v1/waitlist", headers=owner).get_json()["entries"]],
        "unread": client.get("/api/v1/messages", headers=owner).get_json()["unread_count"],
        "links": sorted((link["id"], link["role"], link["in_force"], link["ended_at"]) for link in business["links"]),
        "payout": business["payout"],
        "acting_for_me": sorted((a["id"], a["state"]) for a in relatives["acting_for_me"]),
        "acting_for": sorted((a["id"], a["state"]) for a in relatives["acting_for"]),
        "matches": [(m["id"], m["status"]) for m in client.get("/api/v1/policy-matches", headers=owner).get_json()[
            "matches"]],
        "application": client.get(f"/api/v1/applications/{ids['<reference>']}", headers=owner).get_json()["status"],
        "inspection": client.get(f"/api/v1/applications/{ids['<reference>']}/inspection",
                                 headers=owner).get_json()["lines"],
        "filing": client.get(f"/api/v1/filings/{ids['<int:filing_id>']}", headers=owner).get_json()["status"],
        "rectification": client.get(f"/api/v1/rectifications/{ids['<int:rectification_id>']}",
                                    headers=owner).get_json()["status"],
        "survey_open": client.get(f"/api/v1/surveys/{ids['<token>']}", headers=owner).status_code,
        "assistance": [(r["status"], [g["state"] for g in r["grants"]]) for r in client.get(
            "/api/v1/assistance", headers=owner).get_json()["requests"]],
    }


def test_every_actor_on_every_route_on_the_owners_records(app, client, login, verified_login, wechat, db_session,
                                                          staff_login):
    with time_machine.travel(MONDAY_8AM, tick=True):
        world = build_world(app, client, login, verified_login, db_session, staff_login)
        before = owner_records(client, world)
        # The world is what the cells assume: her five bookings booked, the grants in their states, one agent in
        # force and one ended, the payout account she recorded.
        assert [status for _, status, _ in before["appointments"]] == ["booked"] * 5
        assert sorted(state for _, state in before["acting_for_me"]) == ["active", "expired", "revoked"]
        assert before["acting_for"] == [(world.extra["owner_grant"], "active")]
        assert sorted(in_force for _, role, in_force, _ in before["links"] if role == "agent") == [False, True]
        assert before["payout"]["account"] == "****4567"
        assert before["matches"] == [(int(world.ids["<int:match_id>"]), "matched")]
        assert before["assistance"] == [("assigned", ["pending"])]
        assert before["waitlist"] == [(int(world.ids["<int:entry_id>"]), "offered",
                                       (int(world.ids["<int:offer_id>"]), "held"))]

        body_of = bodies(world)
        method_of = {rule.endpoint: method for rule, method in api_routes(app)}
        cells: dict[str, int] = {}   # endpoint → cells sent
        for rule, method in api_routes(app):
            if rule.endpoint not in AUTHORITY:
                continue
            for actor in ACTORS:
                expected = refusal(rule.endpoint, actor)
                if expected is None and method != "GET":
                    continue   # an allowed change: tried once below, on a record made for it
                path = fill(rule.rule, path_values(world, actor))
                response = client.open(path, method=method, headers=world.headers[actor],
                                       json=body_of.get(rule.endpoint))
                assert answer(response) == (expected or (200, None)), (actor, method, path, response.get_json())
                cells[rule.endpoint] = cells.get(rule.endpoint, 0) + 1
        # Every route was tried by everyone but those allowed to change the record.
        assert cells == {endpoint: len(ACTORS) - (0 if method_of[endpoint] == "GET" else len(allowed))
                         for endpoint, (allowed, _) in AUTHORITY.items()}

        # The owner's records no actor tried above: her own booking (no delegate has a grant on it) and the
        # business's certificate (for all but the agents); the agents on her certificate as a person.
        own_booking = world.extra["own_booking"]
        for actor in ACTORS:
            if actor == OWNER:
                continue
            untried = world.ids["<int:certificate_id>"] if actor in AGENTS else world.extra["business_certificate"]
            for method, path, not_found in (("GET", f"/api/v1/appointments/{own_booking}", "appointment_not_found"),
                                            ("POST", f"/api/v1/appointments/{own_booking}/cancel",
                                             "appointment_not_found"),
                                            ("GET", f"/api/v1/certificates/{untried}", "certificate_not_found"),
                                            ("GET", f"/api/v1/certificates/{untried}/pdf", "certificate_not_found")):
                expected = (401, "invalid_token") if actor == OTHER_STAFF else (404, not_found)
                response = client.open(path, method=method, headers=world.headers[actor])
                assert answer(response) == expected, (actor, method, path, response.get_json())

        # Nothing any refused act tried changed anything of hers.
        assert owner_records(client, world) == before

        # The delegate in force acts on a booking made for her under its authorisation: moves it, checks it in
        # (refused only for being too early), cancels it. She sees the result in her own list.
        delegate = world.headers[DELEGATE]
        moved = client.post(f"/api/v1/appointments/{world.extra['second_booking']}/reschedule", headers=delegate,
                            json={"slot_id": world.extra["free_slot"]})
        assert moved.status_code == 201, moved.get_json()
        early = client.post(f"/api/v1/appointments/{moved.get_json()['id']}/check-in", headers=delegate)
        assert answer(early) == (409, "too_early_to_check_in")
        cancelled = client.post(f"/api/v1/appointments/{moved.get_json()['id']}/cancel", headers=delegate)
        assert (cancelled.status_code, cancelled.get_json()["status"]) == (200, "cancelled")
        hers = {a["id"]: a["status"] for a in client.get("/api/v1/appointments", headers=world.headers[OWNER]
                                                            ).get_json()["appointments"]}
        assert hers[world.extra["second_booking"]] == "cancelled" and hers[moved.get_json()["id"]] == "cancelled"
        # The same acts by the delegates whose authorisation ended: not found, their bookings for her untouched.
        for actor in (REVOKED_DELEGATE, EXPIRED_DELEGATE):
            for act, body in (("cancel", None), ("reschedule", {"slot_id": world.extra["free_slot"]}),
                              ("check-in", None)):
                response = client.post(f"/api/v1/appointments/{world.bookings[actor]}/{act}",
                                       headers=world.headers[actor], json=body)
                assert answer(response) == (404, "appointment_not_found"), (actor, act)
        hers = {a["id"]: a["status"] for a in client.get("/api/v1/appointments", headers=world.headers[OWNER]
                                                            ).get_json()["appointments"]}
        assert [hers[world.bookings[actor]] for actor in (REVOKED_DELEGATE, EXPIRED_DELEGATE)] == ["booked"] * 2

        # The agent in force confirms the business's 免申即享 match: paid only to the account on record.
        confirmed = client.post(f"/api/v1/policy-matches/{world.ids['<int:match_id>']}/confirm",
                                headers=world.headers[AGENT], json={})
        assert confirmed.status_code == 201, confirmed.get_json()
        assert confirmed.get_json()["account"] == "****4567"
