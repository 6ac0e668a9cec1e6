"""Staff login: argon2 passwords, lockout after five failures, tokens, centre scope down the hierarchy."""

from datetime import timedelta

import pytest
import time_machine

from miniapp_api.centres.models import Centre
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.models import AuditLog
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
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"] == "用户名或密码错误"


def test_five_failures_lock_the_account_even_for_the_right_password(client, db_session):
    staff = make_staff(db_session, [CentreFactory()], username="zhaoliu")
    db_session.commit()
    for _ in range(5):
        assert client.post("/api/staff/v1/auth/login",
                           json={"username": "zhaoliu", "password": "wrong"}).status_code == 401
    locked = client.post("/api/staff/v1/auth/login", json={"username": "zhaoliu", "password": STAFF_PASSWORD})
    assert locked.status_code == 423
    assert locked.get_json()["error"]["code"] == "account_locked"
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
