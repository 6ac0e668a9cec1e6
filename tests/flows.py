"""Round trips through the WeChat emulator, as the mini-program runs them (shared by fixtures and tests)."""

from __future__ import annotations


def verify_face(client, wechat, headers: dict[str, str], openid: str, name: str, number: str,
                verify_ret: int = 10000):
    """The whole face-verification round trip as the mini-program runs it; returns the confirm answer."""
    started = client.post("/api/v1/me/verifications", headers=headers, json={"real_name": name, "id_number": number})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert wechat.face_check(body["verify_id"], openid, verify_ret).status_code == 200
    return client.post(f"/api/v1/me/verifications/{body['id']}/confirm", headers=headers)
