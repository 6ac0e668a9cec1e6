"""Logs never carry a full ID number, phone number, session_key, access token or bearer token."""

import time_machine

from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, id_number


def test_a_citizen_journey_leaves_no_personal_data_in_the_logs(client, wechat, db_session, capsys, redis_client):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        login = client.post("/api/v1/auth/login", json={"code": wechat.login_code("o-private")}).get_json()
        headers = {"Authorization": f"Bearer {login['token']}"}
        mine, relative, phone = id_number(31), id_number(32), "13987654321"
        client.patch("/api/v1/me", headers=headers, json={"real_name": "周敏", "id_number": mine, "phone": phone})
        client.patch("/api/v1/me", headers=headers, json={"id_number": mine[:-1] + "0", "phone": "139"})  # refused
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        client.post("/api/v1/appointments", headers=headers, json={
            "slot_id": slot.id, "item_codes": [hall.quick.code],
            "for_person": {"name": "周大妈", "id_number": relative, "phone": "13600001111", "relation": "父母"}})
        client.get("/api/v1/appointments", headers=headers)
    logged = capsys.readouterr().out + capsys.readouterr().err
    session_key = wechat.state.session_keys["o-private"]
    access_tokens = list(wechat.state.tokens)
    for secret in (mine, relative, phone, "13600001111", session_key, login["token"], *access_tokens):
        assert secret not in logged
    assert "request" in logged  # the journey was logged at all
