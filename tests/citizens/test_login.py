"""Login through the emulator with our real wechatpy client; bearer tokens."""

import threading
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from miniapp_api.citizens.models import AuthSession, Citizen
from miniapp_api.citizens.services import (
    INVALID_LOGIN_CODE,
    INVALID_TOKEN,
    LOGIN_BLOCKED,
    LOGIN_TOO_FREQUENT,
    SESSION_EXPIRED,
    UNAUTHENTICATED,
    WECHAT_UNAVAILABLE,
    hash_token,
)
from miniapp_api.platform.clock import utcnow
from tests.test_app import assert_envelope


def log_in(client, code):
    return client.post("/api/v1/auth/login", json={"code": code})


def test_login_creates_citizen_and_returns_opaque_token(client, wechat, db_session):
    response = log_in(client, wechat.login_code("o-citizen-1", unionid="u-1"))
    assert response.status_code == 200
    body = response.get_json()
    citizen = db_session.scalars(select(Citizen).where(Citizen.openid == "o-citizen-1")).one()
    assert body["citizen_id"] == citizen.id
    assert citizen.unionid == "u-1"
    assert body["token"].startswith("bs_")
    # Only the hash of the token is stored; session_key only encrypted, never returned.
    stored = db_session.scalars(select(AuthSession).where(AuthSession.citizen_id == citizen.id)).one()
    assert stored.token_hash == hash_token(body["token"]) != body["token"]
    session_key = wechat.state.session_keys["o-citizen-1"]
    assert session_key not in citizen.session_key_enc
    assert session_key not in response.get_data(as_text=True)


def test_second_login_finds_the_same_citizen(client, wechat, db_session):
    first = log_in(client, wechat.login_code("o-returning")).get_json()
    second = log_in(client, wechat.login_code("o-returning")).get_json()
    assert first["citizen_id"] == second["citizen_id"]
    assert first["token"] != second["token"]
    count = db_session.scalar(select(func.count()).select_from(Citizen).where(Citizen.openid == "o-returning"))
    assert count == 1


def test_used_and_unknown_codes_are_refused(client, wechat, db_session):
    code = wechat.login_code()
    assert log_in(client, code).status_code == 200
    assert_envelope(log_in(client, code), 401, INVALID_LOGIN_CODE)
    assert_envelope(log_in(client, "never-issued"), 401, INVALID_LOGIN_CODE)
    assert db_session.scalar(select(func.count()).select_from(Citizen)) == 1


def test_expired_code_is_refused(client, wechat):
    code = wechat.login_code()
    wechat.control("POST", "clock", advance_seconds=301)
    assert_envelope(log_in(client, code), 401, INVALID_LOGIN_CODE)


def test_blocked_user_and_rate_limit_and_outage(client, wechat, db_session):
    wechat.control("POST", "blocked-users", openid="o-risky")
    assert_envelope(log_in(client, wechat.login_code("o-risky")), 403, LOGIN_BLOCKED)
    wechat.fault("jscode2session", errcode=45011, times=1)
    assert_envelope(log_in(client, wechat.login_code()), 429, LOGIN_TOO_FREQUENT)
    wechat.fault("jscode2session", errcode=-1, times=1)
    assert_envelope(log_in(client, wechat.login_code()), 503, WECHAT_UNAVAILABLE)
    wechat.fault("jscode2session", http_status=502, times=1)
    assert_envelope(log_in(client, wechat.login_code()), 503, WECHAT_UNAVAILABLE)
    assert db_session.scalar(select(func.count()).select_from(Citizen)) == 0


def test_protected_endpoint_needs_a_valid_token(client, login):
    assert_envelope(client.get("/api/v1/me"), 401, UNAUTHENTICATED)
    assert_envelope(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, UNAUTHENTICATED)
    headers = login()
    tampered = headers["Authorization"][:-3] + "xyz"
    assert_envelope(client.get("/api/v1/me", headers={"Authorization": tampered}), 401, INVALID_TOKEN)
    assert_envelope(client.get("/api/v1/me", headers={"Authorization": "Bearer not-ours"}), 401, INVALID_TOKEN)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_authentication_runs_before_body_validation(client):
    assert_envelope(client.patch("/api/v1/me", json={"phone": 1}), 401, UNAUTHENTICATED)


def test_logout_revokes_the_token(client, login):
    headers = login()
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert_envelope(client.get("/api/v1/me", headers=headers), 401, INVALID_TOKEN)


def test_token_expires_after_the_session_lifetime(client, login, settings):
    headers = login()
    with time_machine.travel(utcnow() + timedelta(days=settings.session_days, seconds=1)):
        assert_envelope(client.get("/api/v1/me", headers=headers), 401, SESSION_EXPIRED)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_concurrent_first_logins_create_one_citizen(app, wechat, committed_db):
    """Eight threads, each its own connection, log the same new user in at once."""
    codes = [wechat.login_code("o-racing") for _ in range(8)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(codes))

    def attempt(code: str) -> None:
        barrier.wait()
        with app.test_client() as own_client:
            statuses.append(log_in(own_client, code).status_code)

    threads = [threading.Thread(target=attempt, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    with committed_db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Citizen).where(Citizen.openid == "o-racing")) == 1
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 8
