"""Staff login: argon2 passwords, lockout after five failures, tokens, centre scope down the hierarchy."""

import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from miniapp_api.centres.models import Centre
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.idempotency import purge_old_records
from miniapp_api.platform.models import AuditLog, IdempotencyRecord
from miniapp_api.staff import services
from miniapp_api.staff.models import StaffSession
from miniapp_api.staff.services import create_staff, visible_centre_ids
from tests.factories import STAFF_PASSWORD, CentreFactory, make_staff


def test_login_returns_a_token_that_opens_the_staff_api(client, db_session):
    centre = CentreFactory()
    staff = make_staff(db_session, [centre], username="wangfang")
    db_session.commit()
    assert staff.password_hash.startswith("$argon2")
    response = client.post("/api/staff/v1/auth/login", json={"username": "wangfang", "password": STAFF_PASSWORD})
    assert response.status_code == 200
    token = response.get_json()["token"]
    me = client.get("/api/staff/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["centre_ids"] == [centre.id]
    client.post("/api/staff/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/staff/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_unknown_user_and_wrong_password_answer_the_same(client, db_session):
    make_staff(db_session, [CentreFactory()], username="lisi")
    db_session.commit()
    wrong = client.post("/api/staff/v1/auth/login", json={"username": "lisi", "password": "nope"})
    unknown = client.post("/api/staff/v1/auth/login", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    assert wrong.get_json()["error"]["message"].startswith("用户名或密码错误")


def test_five_failures_lock_the_account_even_for_the_right_password(client, db_session):
    staff = make_staff(db_session, [CentreFactory()], username="zhaoliu")
    db_session.commit()
    for _ in range(5):
        assert client.post("/api/staff/v1/auth/login",
                           json={"username": "zhaoliu", "password": "wrong"}).status_code == 401
    locked = client.post("/api/staff/v1/auth/login", json={"username": "zhaoliu", "password": STAFF_PASSWORD})
    unknown = client.post("/api/staff/v1/auth/login", json={"username": "nobody", "password": STAFF_PASSWORD})
    # Locked reads exactly like unknown: the answer does not tell that the username exists.
    assert locked.status_code == unknown.status_code == 401
    assert locked.get_json()["error"]["code"] == unknown.get_json()["error"]["code"] == "bad_credentials"
    assert locked.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    failures = db_session.query(AuditLog).filter_by(action="login_failed", subject_id=str(staff.id)).count()
    assert failures == 5
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert client.post("/api/staff/v1/auth/login",
                           json={"username": "zhaoliu", "password": STAFF_PASSWORD}).status_code == 200


def test_a_citizen_token_does_not_open_the_staff_api(client, login):
    citizen = login("o-not-staff")
    response = client.get("/api/staff/v1/me", headers=citizen)
    assert response.status_code == 401


def test_district_staff_see_their_street_and_community_centres(db_session):
    district = CentreFactory(level="district")
    street = CentreFactory(level="street", parent_id=district.id)
    community = CentreFactory(level="community", parent_id=street.id)
    other = CentreFactory(level="district")
    manager = make_staff(db_session, [district], ("centre_manager",))
    community_staff = make_staff(db_session, [community])
    admin = make_staff(db_session, [], ("admin",))
    assert visible_centre_ids(db_session, manager) == {district.id, street.id, community.id}
    assert visible_centre_ids(db_session, community_staff) == {community.id}
    assert other.id in visible_centre_ids(db_session, admin)
    assert len(visible_centre_ids(db_session, admin)) == db_session.query(Centre).count()


def test_weak_passwords_are_refused(db_session):
    with pytest.raises(DomainError) as refused:
        create_staff(db_session, username="weak", display_name="弱", password="12345678", roles=["window_staff"],
                     centre_ids=[])
    assert refused.value.code == "weak_password"


def test_password_guessing_is_limited_per_username_and_per_address(client, db_session):
    make_staff(db_session, [CentreFactory()], username="wangwu")
    db_session.commit()
    spread = [client.post("/api/staff/v1/auth/login", json={"username": "WangWu ", "password": f"guess-{n}"},
                          environ_base={"REMOTE_ADDR": f"10.2.0.{n + 1}"}).status_code for n in range(11)]
    assert spread == [401] * 10 + [429]     # ten tries per username per 15 minutes, from anywhere
    one_address = [client.post("/api/staff/v1/auth/login", json={"username": f"user{n}", "password": "x"},
                               environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code for n in range(21)]
    assert one_address == [401] * 20 + [429]


def test_a_new_password_ends_every_open_session(app, committed_db, process_env):
    staff = make_staff(committed_db.session, [CentreFactory()], username="sunqi")
    committed_db.session.commit()
    client = app.test_client()
    tokens = [client.post("/api/staff/v1/auth/login", json={"username": "sunqi", "password": STAFF_PASSWORD}
                          ).get_json()["token"] for _ in range(2)]   # the counter PC and the office PC
    changed = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "staff", "set-password", "sunqi",
                              "--password", "Another-pass-2026"], env=process_env, capture_output=True, text=True,
                             timeout=60)
    assert changed.returncode == 0, changed.stderr
    assert "2 open session(s) ended" in changed.stdout
    for token in tokens:
        assert client.get("/api/staff/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/api/staff/v1/auth/login", json={"username": staff.username,
                                                         "password": "Another-pass-2026"}).status_code == 200


def test_old_staff_sessions_and_idempotency_answers_are_purged(db_session):
    staff = make_staff(db_session, [CentreFactory()])
    now = utcnow()
    db_session.add_all([
        StaffSession(staff_id=staff.id, token_hash="a" * 64, expires_at=now - timedelta(days=31)),
        StaffSession(staff_id=staff.id, token_hash="b" * 64, expires_at=now + timedelta(hours=1),
                     revoked_at=now - timedelta(days=40)),
        StaffSession(staff_id=staff.id, token_hash="c" * 64, expires_at=now + timedelta(hours=1)),
        IdempotencyRecord(citizen_id=1, key="old", endpoint="x", fingerprint="f", created_at=now - timedelta(days=2)),
        IdempotencyRecord(citizen_id=1, key="new", endpoint="x", fingerprint="f", created_at=now)])
    db_session.flush()
    assert services.purge_expired_sessions(db_session, now=now) == 2
    assert purge_old_records(db_session, now=now) == 1
    assert [s.token_hash for s in db_session.scalars(select(StaffSession))] == ["c" * 64]
    assert [r.key for r in db_session.scalars(select(IdempotencyRecord))] == ["new"]
    assert services.purge_expired_sessions(db_session, now=now) == 0
