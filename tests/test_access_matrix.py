"""Who may call what, from the route table: a new API route without an entry here fails.

public: anyone. citizen: a valid bearer token (401 otherwise). own: acts on the caller's
own record named in the URL; anyone else's gets 404, never 403 (existence is not leaked).
"""

import time_machine

from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, id_number

PUBLIC, CITIZEN, OWN = "public", "citizen", "own"
MATRIX = {
    "citizens.log_in": PUBLIC,
    "citizens.log_out": CITIZEN,
    "citizens.show_profile": CITIZEN,
    "citizens.update_profile": CITIZEN,
    "centres.list_items": PUBLIC,
    "centres.show_item": PUBLIC,
    "centres.list_centres": PUBLIC,
    "centres.show_centre": PUBLIC,
    "appointments.list_slots": PUBLIC,
    "appointments.show_queue": PUBLIC,
    "appointments.book": CITIZEN,
    "appointments.list_appointments": CITIZEN,
    "appointments.take_ticket": CITIZEN,
    "appointments.show_appointment": OWN,
    "appointments.cancel": OWN,
    "appointments.reschedule": OWN,
    "appointments.check_in": OWN,
    "notifications.record_consents": CITIZEN,
    "notifications.list_consents": CITIZEN,
    "notifications.list_messages": CITIZEN,
    "notifications.mark_read": OWN,
    "notifications.mark_all_read": CITIZEN,
}
BODIES = {"appointments.reschedule": {"slot_id": 1}, "appointments.take_ticket": {"item_code": "X"},
          "appointments.book": {"slot_id": 1, "item_codes": ["X"]}, "citizens.update_profile": {},
          "notifications.record_consents": {"results": {"x": "accept"}}}


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.endpoint.split(".")[0] not in ("openapi", "swagger"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_api_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule, _ in api_routes(app)}
    assert endpoints - set(MATRIX) == set(), "add the new route to the access matrix"
    assert set(MATRIX) - endpoints == set(), "the matrix names a route that no longer exists"


def test_citizen_routes_refuse_callers_without_a_valid_token(app, client):
    for rule, method in api_routes(app):
        if MATRIX[rule.endpoint] == PUBLIC:
            continue
        path = rule.rule.replace("<int:appointment_id>", "1").replace("<int:message_id>", "1").replace(
            "<int:centre_id>", "1")
        for headers in ({}, {"Authorization": "Bearer bs_forged"}):
            response = client.open(path, method=method, headers=headers, json=BODIES.get(rule.endpoint, {}))
            assert response.status_code == 401, (method, path, headers)
            assert response.get_json()["error"]["code"] in ("unauthenticated", "invalid_token")


def test_another_citizens_records_are_not_found(app, client, login, db_session):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        owner, stranger = login("o-owner"), login("o-stranger")
        client.patch("/api/v1/me", headers=owner, json={"real_name": "孙丽", "id_number": id_number(61)})
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        appointment = client.post("/api/v1/appointments", headers=owner,
                                  json={"slot_id": slot.id, "item_codes": [hall.quick.code]}).get_json()
        message = client.get("/api/v1/messages", headers=owner).get_json()["messages"][0]
        ids = {"<int:appointment_id>": str(appointment["id"]), "<int:message_id>": str(message["id"])}
        for rule, method in api_routes(app):
            if MATRIX[rule.endpoint] != OWN:
                continue
            path = rule.rule
            for placeholder, value in ids.items():
                path = path.replace(placeholder, value)
            body = {"slot_id": slot.id} if rule.endpoint == "appointments.reschedule" else None
            response = client.open(path, method=method, headers=stranger, json=body)
            assert response.status_code == 404, (method, path)
            assert response.get_json()["error"]["code"] in ("appointment_not_found", "message_not_found")
        # The owner's records are untouched by all of that.
        mine = client.get(f"/api/v1/appointments/{appointment['id']}", headers=owner).get_json()
        assert mine["status"] == "booked"
        assert client.get("/api/v1/messages", headers=owner).get_json()["unread_count"] == 1
