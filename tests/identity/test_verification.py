"""Verified phone and face verification (人脸核身) over HTTP, through the WeChat emulator, and the attacks a
typed-in ID number used to allow."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from miniapp_api.appointments import services as booking
from miniapp_api.appointments.models import Appointment, BookingSuspension
from miniapp_api.centres.models import Centre
from miniapp_api.citizens.models import Citizen
from miniapp_api.identity import messages
from miniapp_api.identity.models import FaceVerification
from miniapp_api.licences import services as licences
from miniapp_api.notifications.models import Notification
from miniapp_api.wechat import cert_hash
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import CentreFactory, ItemFactory, build_hall, id_number
from tests.flows import verify_face
from tests.licences.test_licences import csv_text, food_licence


def profile(client, headers) -> dict:
    return client.get("/api/v1/me", headers=headers).get_json()


def start(client, headers, name="张桂芳", number=None) -> dict:
    response = client.post("/api/v1/me/verifications", headers=headers,
                           json={"real_name": name, "id_number": number or id_number(301)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_cert_hash_is_computed_as_wechat_documents_it():
    # The worked example in WeChat's face-verification docs (注意事项).
    assert cert_hash("张三", "310101199801011234") == (
        "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b")


def test_a_passed_face_check_verifies_and_locks_the_identity(client, login, wechat):
    headers = login("o-face")
    started = start(client, headers)
    assert started["status"] == "pending" and started["verify_id"]
    assert wechat.face_check(started["verify_id"], "o-face").status_code == 200
    confirmed = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
    assert confirmed.status_code == 200
    me = confirmed.get_json()
    assert me["verified"] and me["real_name"] == "张桂芳" and me["id_number_masked"].endswith(id_number(301)[-4:])
    # Locked: the name and the ID number change only through a new face check.
    for change in ({"real_name": "李四"}, {"id_number": id_number(302)}, {"id_number": None}):
        refused = client.patch("/api/v1/me", headers=headers, json=change)
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "identity_locked"
    assert profile(client, headers)["real_name"] == "张桂芳"
    # The same values again are no change, and the phone stays editable.
    assert client.patch("/api/v1/me", headers=headers, json={"real_name": "张桂芳", "phone": "13700001111"}
                        ).status_code == 200


@pytest.mark.parametrize("verify_ret", [10001, 10002, 10003, 10004, 90002, 90005, 90008, 90010, 90013, 90017,
                                        90104, 12345])
def test_every_failed_face_check_reads_as_its_reason_and_verifies_nothing(client, login, wechat, db_session,
                                                                          verify_ret):
    headers = login("o-failing")
    started = start(client, headers)
    wechat.face_check(started["verify_id"], "o-failing", verify_ret)
    refused = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "face_check_failed"
    expected = messages.FACE_RESULTS.get(verify_ret) or {
        90005: messages.FACE_RESULTS[90002], 90013: messages.FACE_RESULTS[90011],
        90104: messages.FACE_RESULTS[90018]}.get(verify_ret, messages.FACE_RESULT_OTHER)
    assert error["message"] == expected
    me = profile(client, headers)
    assert not me["verified"] and me["real_name"] is None and me["id_number_masked"] is None
    # The attempt is kept as failed (it counts for the alerts), and it cannot be confirmed again.
    assert db_session.scalar(select(FaceVerification.status)) == "failed"
    again = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
    assert again.get_json()["error"]["code"] == "verification_finished"


def test_replayed_expired_foreign_and_unfinished_verify_ids_never_verify(client, login, wechat):
    victim, attacker = login("o-victim"), login("o-attacker")
    started = start(client, victim, number=id_number(303))
    # Confirming before the face check ran: not yet, and the verification waits.
    early = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=victim)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "verification_not_finished"
    # Someone else's phone cannot run the face check for this verifyId (it is bound to the victim's openid) ...
    assert wechat.face_check(started["verify_id"], "o-attacker").status_code == 400
    # ... nor confirm the victim's verification through our API.
    foreign = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=attacker)
    assert foreign.status_code == 404 and foreign.get_json()["error"]["code"] == "verification_not_found"
    assert not profile(client, attacker)["verified"]
    # A verification passes once; replaying it changes nothing.
    wechat.face_check(started["verify_id"], "o-victim")
    assert client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=victim).status_code == 200
    replay = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=victim)
    assert replay.status_code == 409 and replay.get_json()["error"]["code"] == "verification_finished"
    # The face check itself is one use too.
    assert wechat.face_check(started["verify_id"], "o-victim").status_code == 400


def test_an_expired_verify_id_never_verifies(client, login, wechat):
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        headers = login("o-slow")
        started = start(client, headers)
        wechat.face_check(started["verify_id"], "o-slow")
        traveller.shift(timedelta(seconds=3601))
        expired = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
    assert expired.status_code == 409 and expired.get_json()["error"]["code"] == "verification_expired"
    assert not profile(client, headers)["verified"]


@pytest.mark.parametrize(("api", "errcode", "status", "code"), [
    ("getverifyid", -1, 503, "wechat_unavailable"),
    ("getverifyid", 45009, 503, "wechat_unavailable"),
    ("getverifyid", 47003, 422, "verify_refused"),
    ("getverifyid", 40003, 422, "verify_refused"),
    ("token", -1, 503, "wechat_unavailable"),
])
def test_getverifyid_errors_read_clearly_and_change_nothing(client, login, wechat, db_session, api, errcode, status,
                                                            code):
    headers = login("o-fault")
    wechat.fault(api, errcode=errcode, times=1)
    refused = client.post("/api/v1/me/verifications", headers=headers,
                          json={"real_name": "张桂芳", "id_number": id_number(304)})
    assert refused.status_code == status and refused.get_json()["error"]["code"] == code
    assert "微信" in refused.get_json()["error"]["message"]   # every one of them says what to do in Chinese
    assert db_session.scalar(select(func.count()).select_from(FaceVerification)) == 0


@pytest.mark.parametrize(("errcode", "http_status", "status", "code", "stays"), [
    (-1, None, 503, "wechat_unavailable", "pending"),
    (None, 502, 503, "wechat_unavailable", "pending"),
    (84001, None, 409, "verification_expired", "failed"),
    (84002, None, 409, "verification_mismatch", "failed"),
    (84003, None, 409, "verification_not_finished", "pending"),
])
def test_queryverifyinfo_errors_read_clearly_and_verify_nothing(client, login, wechat, db_session, errcode,
                                                                http_status, status, code, stays):
    headers = login("o-query-fault")
    started = start(client, headers)
    wechat.face_check(started["verify_id"], "o-query-fault")
    wechat.fault("queryverifyinfo", errcode=errcode, http_status=http_status, times=1)
    refused = client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
    assert refused.status_code == status and refused.get_json()["error"]["code"] == code
    assert not profile(client, headers)["verified"]
    assert db_session.scalar(select(FaceVerification.status)) == stays
    if stays == "pending":   # a passing fault: asking again later works
        assert client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers).status_code == 200


def test_the_phone_comes_from_wechat_once(client, login, wechat):
    headers = login("o-phone")
    code = wechat.phone_code("o-phone", "13812345678")
    verified = client.post("/api/v1/me/phone", headers=headers, json={"code": code})
    assert verified.status_code == 200
    assert verified.get_json()["phone_verified"] and verified.get_json()["phone_masked"] == "138****5678"
    used = client.post("/api/v1/me/phone", headers=headers, json={"code": code})
    assert used.status_code == 422 and used.get_json()["error"]["code"] == "phone_code_invalid"
    # A code minted for another user is refused; a typed phone is unverified.
    other = client.post("/api/v1/me/phone", headers=headers, json={"code": wechat.phone_code("o-else", "13900000000")})
    assert other.status_code == 422
    typed = client.patch("/api/v1/me", headers=headers, json={"phone": "13900000000"}).get_json()
    assert typed["phone_masked"] == "139****0000" and not typed["phone_verified"]


@pytest.mark.parametrize(("rule", "status", "message"), [
    ({"errcode": 40029}, 422, messages.PHONE_CODE_INVALID),
    ({"errcode": 45011}, 429, messages.PHONE_TOO_FREQUENT),
    ({"errcode": -1}, 503, messages.PHONE_UNAVAILABLE),
    ({"http_status": 502}, 503, messages.PHONE_UNAVAILABLE),
])
def test_every_phone_errcode_reads_clearly_and_changes_nothing(client, login, wechat, rule, status, message):
    headers = login("o-phone-fault")
    wechat.fault("getuserphonenumber", times=1, **rule)
    refused = client.post("/api/v1/me/phone", headers=headers,
                          json={"code": wechat.phone_code("o-phone-fault", "13812345678")})
    assert refused.status_code == status and refused.get_json()["error"]["message"] == message
    assert profile(client, headers)["phone_masked"] is None


def test_an_expired_phone_code_and_a_busy_wechat_change_nothing(client, login, wechat):
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        headers = login("o-phone-late")
        code = wechat.phone_code("o-phone-late", "13812345678")
        traveller.shift(timedelta(seconds=301))
        late = client.post("/api/v1/me/phone", headers=headers, json={"code": code})
        assert late.status_code == 422 and late.get_json()["error"]["message"] == messages.PHONE_CODE_INVALID
        wechat.fault("getuserphonenumber", errcode=-1, times=1)
        busy = client.post("/api/v1/me/phone", headers=headers,
                           json={"code": wechat.phone_code("o-phone-late", "13812345678")})
        assert busy.status_code == 503
    assert profile(client, headers)["phone_masked"] is None


def test_a_typed_in_id_number_opens_nothing_of_its_owner(client, login, wechat, db_session, cipher):
    """Someone types the victim's ID number into their own profile: no licences, no reminders (the way to get
    the victim suspended is closed by the next tests)."""
    victim_number = id_number(310)
    ItemFactory(code="FOOD-RENEW")
    licences.import_csv(db_session, cipher, csv_text(food_licence("JY-V1", "2027-01-10", contact=310)),
                        issuing_centre_id=CentreFactory().id, now=MONDAY_8AM)
    db_session.commit()
    with time_machine.travel(MONDAY_8AM, tick=False):
        attacker = login("o-impostor")
        assert client.patch("/api/v1/me", headers=attacker,
                            json={"real_name": "王秀兰", "id_number": victim_number}).status_code == 200
        assert client.get("/api/v1/licences", headers=attacker).get_json()["licences"] == []
    impostor = db_session.scalars(select(Citizen).where(Citizen.openid == "o-impostor")).one()
    report = licences.sweep_expiry_reminders(db_session, MONDAY_8AM)
    assert (report.reminded, report.unreachable) == (0, 1)
    assert db_session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.citizen_id == impostor.id)) == 0


def test_unverified_accounts_cannot_book_unless_the_hall_allows_it(client, wechat, db_session):
    """Two hundred script-made "real-name" accounts, each from its own address (so no per-IP limit is what
    stops them): none can book without a face-verified identity."""
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        accounts = []
        for n in range(200):
            address = {"REMOTE_ADDR": f"10.1.{n // 200}.{n % 200 + 1}"}
            token = client.post("/api/v1/auth/login", json={"code": wechat.login_code(f"o-script-{n}")},
                                environ_base=address).get_json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert client.patch("/api/v1/me", headers=headers, environ_base=address,
                                json={"real_name": "测试", "id_number": id_number(1000 + n)}).status_code == 200
            accounts.append((headers, address))
        answers = [client.post("/api/v1/appointments", headers=h, environ_base=a,
                               json={"slot_id": slot.id, "item_codes": [hall.quick.code]}) for h, a in accounts]
        assert {a.status_code for a in answers} == {403}
        assert {a.get_json()["error"]["code"] for a in answers} == {"identity_unverified"}
        assert db_session.scalar(select(func.count()).select_from(Appointment)) == 0
        # A hall that must take unverified walk-in bookings switches the policy on; such a booking counts
        # against the account, never against the typed-in ID number.
        db_session.get(Centre, hall.centre.id).allow_unverified_booking = True
        db_session.commit()
        booked = client.post("/api/v1/appointments", headers=accounts[0][0], environ_base=accounts[0][1],
                             json={"slot_id": slot.id, "item_codes": [hall.quick.code]})
    assert booked.status_code == 201, booked.get_json()
    appointment = db_session.get(Appointment, booked.get_json()["id"])
    assert appointment.person_hash == appointment.accountable_hash == f"account:{appointment.citizen_id}"


def test_a_no_show_for_a_named_stranger_counts_against_the_booker(db_session, cipher, make_citizen):
    hall = build_hall(db_session, MONDAY_8AM)
    booker = make_citizen("赵强")
    hall.centre.max_active_for_others = 3   # three bookings by name, each a no-show
    victim_hash = cipher.lookup_hash(id_number(320), context="citizen.id_number")
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        person = booking.person_for_other(db_session, cipher, booker, name="钱芳", id_number=id_number(320),
                                          phone="13600000000", relation="朋友")
        booking.book_appointment(db_session, citizen_id=booker.id, person=person,
                                 slot_id=hall.slot(db_session, hall.general, f"{day} 09:00").id,
                                 item_codes=[hall.quick.code], now=MONDAY_8AM)
    assert booking.mark_no_shows(db_session, MONDAY_8AM + timedelta(days=5)) == 3
    suspended = {s.person_hash for s in db_session.scalars(select(BookingSuspension))}
    assert suspended == {booker.verified_id_hash}
    assert booking.active_suspension(db_session, victim_hash, MONDAY_8AM + timedelta(days=5)) is None
    # And the suspended booker can no longer book for anyone.
    person = booking.person_for_other(db_session, cipher, booker, name="孙丽", id_number=id_number(321), phone="13600000001",
                                      relation="朋友")
    with pytest.raises(booking.BookingRefused) as refused:
        booking.book_appointment(db_session, citizen_id=booker.id, person=person,
                                 slot_id=hall.slot(db_session, hall.general, "2026-11-30 09:00").id,
                                 item_codes=[hall.quick.code], now=MONDAY_8AM + timedelta(days=5))
    assert refused.value.code == booking.BOOKING_SUSPENDED


def test_verifying_an_id_held_by_another_account_moves_it_and_tells_the_old_one(client, login, wechat, db_session):
    number = id_number(330)
    old = login("o-old-phone")
    assert verify_face(client, wechat, old, "o-old-phone", "孙建国", number).status_code == 200
    new = login("o-new-phone")
    assert verify_face(client, wechat, new, "o-new-phone", "孙建国", number).status_code == 200
    assert profile(client, new)["verified"] and not profile(client, old)["verified"]
    old_id = db_session.scalars(select(Citizen.id).where(Citizen.openid == "o-old-phone")).one()
    told = db_session.scalars(select(Notification).where(Notification.citizen_id == old_id)).one()
    assert told.kind == "account_security" and told.title == messages.VERIFIED_MOVED_TITLE
    assert db_session.scalar(select(func.count()).select_from(Citizen)
                             .where(Citizen.verified_id_hash.is_not(None))) == 1


def test_verification_attempts_are_limited_per_account_and_per_id_number(client, login, wechat):
    number = id_number(340)
    for n in range(5):
        assert client.post("/api/v1/me/verifications", headers=login(f"o-prober-{n}"),
                           json={"real_name": "李四", "id_number": number}).status_code == 201
    sixth = client.post("/api/v1/me/verifications", headers=login("o-prober-6"),
                        json={"real_name": "李四", "id_number": number})
    assert sixth.status_code == 429
    one = login("o-retrier")
    answers = [client.post("/api/v1/me/verifications", headers=one,
                           json={"real_name": "李四", "id_number": id_number(350 + n)}).status_code for n in range(6)]
    assert answers == [201] * 5 + [429]


def test_profile_changes_and_licence_reads_are_rate_limited(client, login):
    headers = login("o-busy")
    answers = [client.patch("/api/v1/me", headers=headers, json={"phone": "13700001111"}).status_code
               for _ in range(11)]
    assert answers == [200] * 10 + [429]
    reads = [client.get("/api/v1/licences", headers=headers).status_code for _ in range(31)]
    assert reads == [200] * 30 + [429]

