"""Logs never carry a full ID number, phone number, real name, session_key, access token, bearer token,
face-verification token (verify_id) or relative's invite code."""

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
        client.post("/api/v1/me/phone", headers=headers, json={"code": wechat.phone_code("o-private", "13511112222")})
        # A failed face check, then a passed one.
        verify_ids = []
        for verify_ret in (10004, 10000):
            started = client.post("/api/v1/me/verifications", headers=headers,
                                  json={"real_name": "周敏", "id_number": mine}).get_json()
            verify_ids.append(started["verify_id"])
            wechat.face_check(started["verify_id"], "o-private", verify_ret)
            client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
        invite = client.post("/api/v1/relatives", headers=headers, json={
            "name": "周大妈", "id_number": relative, "relation": "父母", "scopes": ["book", "view"]}).get_json()
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        client.post("/api/v1/appointments", headers=headers, json={
            "slot_id": slot.id, "item_codes": [hall.quick.code],
            "for_person": {"name": "周大妈", "id_number": relative, "phone": "13600001111", "relation": "父母"}})
        client.get("/api/v1/appointments", headers=headers)
        client.get("/api/v1/relatives", headers=headers)
    captured = capsys.readouterr()
    logged = captured.out + captured.err
    session_key = wechat.state.session_keys["o-private"]
    access_tokens = list(wechat.state.tokens)
    assert invite["invite_code"] and len(verify_ids) == 2
    for secret in (mine, relative, phone, "13600001111", "13511112222", "周敏", "周大妈", session_key,
                   login["token"], invite["invite_code"], *verify_ids, *access_tokens):
        assert secret not in logged
    assert "request" in logged  # the journey was logged at all
