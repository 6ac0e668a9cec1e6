"""The mini-program's view: catalogue, slots and bookings over HTTP, with the error envelope."""

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from miniapp_api import create_app
from miniapp_api.appointments.models import Appointment, Slot
from miniapp_api.demo import seed_demo
from miniapp_api.platform.http_cache import PublicCache
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, id_number
from tests.flows import verify_face
from tests.test_app import assert_envelope


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8AM, tick=True) as traveller:
        yield traveller


@pytest.fixture
def real_name_login(verified_login):
    return verified_login


def test_item_search_by_name_pinyin_and_audience(client, db_session):
    seed_demo(db_session)
    db_session.commit()  # requests use their own sessions: share committed data
    by_name = client.get("/api/v1/items", query_string={"q": "营业执照"}).get_json()["items"]
    assert [i["name"] for i in by_name] == ["营业执照（设立登记）"]
    by_initials = client.get("/api/v1/items", query_string={"q": "SPJY"}).get_json()["items"]
    assert {i["name"] for i in by_initials} == {"食品经营许可证（新办）", "食品经营许可证（延续）"}
    business = client.get("/api/v1/items", query_string={"audience": "business"}).get_json()["items"]
    assert business and all(i["audience_name"] == "法人" for i in business)
    assert client.get("/api/v1/items", query_string={"q": "100%_"}).get_json()["items"] == []
    assert_envelope(client.get("/api/v1/items", query_string={"audience": "alien"}), 422, "validation_failed")


def test_item_guide_and_materials(client, db_session):
    seed_demo(db_session)
    db_session.commit()
    code = client.get("/api/v1/items", query_string={"q": "食品经营许可证（新办）"}).get_json()["items"][0]["code"]
    item = client.get(f"/api/v1/items/{code}").get_json()
    assert item["guide"]["fee"] == "不收费" and item["time_limit_working_days"] == 10
    assert any(m["key"] is False for m in item["materials"])  # non-key materials allow 容缺受理
    assert_envelope(client.get("/api/v1/items/NOPE"), 404, "item_not_found")


def test_centres_ranked_by_distance_then_earliest_slot(client, db_session, frozen):
    seed_demo(db_session, now=MONDAY_8AM)
    db_session.commit()
    code = client.get("/api/v1/items", query_string={"q": "不动产登记"}).get_json()["items"][0]["code"]
    near_canal = client.get("/api/v1/centres", query_string={"item": code, "lat": 36.40, "lng": 116.10}).get_json()
    names = [c["name"] for c in near_canal["centres"]]
    assert names[0] == "运河社区服务中心"
    distances = [c["distance_km"] for c in near_canal["centres"]]
    assert distances == sorted(distances)
    assert near_canal["centres"][0]["earliest_free_slot"].endswith("+08:00")
    detail = client.get(f"/api/v1/centres/{near_canal['centres'][0]['id']}").get_json()
    assert detail["level_name"] == "社区级" and detail["policy"]["booking_horizon_days"] == 7
    assert any(h["weekday_name"] == "周六" for h in detail["opening_hours"])
    assert_envelope(client.get("/api/v1/centres/999999"), 404, "centre_not_found")
    assert_envelope(client.get("/api/v1/centres", query_string={"lat": 999}), 422, "validation_failed")


def test_slots_of_a_day_with_remaining_seats(client, db_session, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    body = client.get(f"/api/v1/centres/{hall.centre.id}/slots",
                      query_string={"item": hall.slow.code, "date": "2026-11-24"}).get_json()
    assert body["centre_open"] is True
    assert body["slots"][0]["starts_at"] == "2026-11-24T08:30:00+08:00"
    assert {s["window_id"] for s in body["slots"]} == {hall.general.id}
    assert all(s["remaining"] == 2 for s in body["slots"])
    sunday = client.get(f"/api/v1/centres/{hall.centre.id}/slots",
                        query_string={"item": hall.slow.code, "date": "2026-11-29"}).get_json()
    assert sunday == {"date": "2026-11-29", "centre_open": False, "slots": [], "closures": []}
    assert_envelope(client.get(f"/api/v1/centres/{hall.centre.id}/slots",
                               query_string={"item": hall.slow.code, "date": "soon"}), 422, "validation_failed")


def test_book_list_cancel_over_http(client, db_session, real_name_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = real_name_login("李桂兰")
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    response = client.post("/api/v1/appointments", headers=headers,
                           json={"slot_id": slot.id, "item_codes": [hall.quick.code]})
    assert response.status_code == 201, response.get_json()
    appointment = response.get_json()
    assert appointment["status_name"] == "已预约" and appointment["starts_at"] == "2026-11-24T09:00:00+08:00"
    assert appointment["person_name"] == "李桂兰" and appointment["for_someone_else"] is False
    listed = client.get("/api/v1/appointments", headers=headers).get_json()["appointments"]
    assert [a["id"] for a in listed] == [appointment["id"]]
    cancelled = client.post(f"/api/v1/appointments/{appointment['id']}/cancel", headers=headers).get_json()
    assert cancelled["status"] == "cancelled"
    assert db_session.scalar(select(Slot.booked).where(Slot.id == slot.id)) == 0


def test_booking_for_a_relative_masks_their_phone(client, db_session, real_name_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = real_name_login()
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    body = {"slot_id": slot.id, "item_codes": [hall.quick.code],
            "for_person": {"name": "王大爷", "id_number": id_number(7777), "phone": "13912345678", "relation": "父母"}}
    appointment = client.post("/api/v1/appointments", headers=headers, json=body).get_json()
    assert appointment["for_someone_else"] is True and appointment["relation"] == "父母"
    assert appointment["proxy_phone_masked"] == "139****5678"
    assert id_number(7777) not in str(appointment)
    bad = dict(body, for_person=dict(body["for_person"], id_number="123", relation="邻居"))
    error = assert_envelope(client.post("/api/v1/appointments", headers=headers, json=bad), 422, "validation_failed")
    assert set(error["fields"]) == {"for_person.id_number", "for_person.relation"}


def test_refusals_come_with_code_and_chinese_message(client, db_session, real_name_login, login, frozen):
    hall = build_hall(db_session, MONDAY_8AM, counters=1)
    db_session.commit()
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    request = {"slot_id": slot.id, "item_codes": [hall.quick.code]}
    assert client.post("/api/v1/appointments", headers=real_name_login(), json=request).status_code == 201
    error = assert_envelope(client.post("/api/v1/appointments", headers=real_name_login(), json=request), 409,
                            "slot_full")
    assert error["message"] == "该时段已约满，请选择其他时段"
    assert_envelope(client.post("/api/v1/appointments", headers=login(), json=request), 422, "profile_incomplete")
    assert_envelope(client.post("/api/v1/appointments", headers=real_name_login(),
                                json={"slot_id": 10**12, "item_codes": [hall.quick.code]}), 404, "slot_not_found")
    assert_envelope(client.post("/api/v1/appointments", headers=real_name_login(),
                                json={"slot_id": slot.id, "item_codes": []}), 422, "validation_failed")
    assert_envelope(client.post("/api/v1/appointments", json=request), 401, "unauthenticated")


def test_other_peoples_appointments_are_not_found(client, db_session, real_name_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    owner, stranger = real_name_login(), real_name_login()
    slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
    appointment = client.post("/api/v1/appointments", headers=owner,
                              json={"slot_id": slot.id, "item_codes": [hall.quick.code]}).get_json()
    for method, path in (("get", ""), ("post", "/cancel"), ("post", "/check-in")):
        response = getattr(client, method)(f"/api/v1/appointments/{appointment['id']}{path}", headers=stranger)
        assert_envelope(response, 404, "appointment_not_found")
    assert_envelope(client.post(f"/api/v1/appointments/{appointment['id']}/reschedule", headers=stranger,
                                json={"slot_id": slot.id}), 404, "appointment_not_found")
    assert client.get("/api/v1/appointments", headers=stranger).get_json() == {"appointments": []}


def test_reschedule_and_check_in_over_http(client, db_session, real_name_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = real_name_login()
    first = hall.slot(db_session, hall.general, "2026-11-23 10:00")
    later = hall.slot(db_session, hall.general, "2026-11-23 11:00")
    appointment = client.post("/api/v1/appointments", headers=headers,
                              json={"slot_id": first.id, "item_codes": [hall.quick.code]}).get_json()
    moved = client.post(f"/api/v1/appointments/{appointment['id']}/reschedule", headers=headers,
                        json={"slot_id": later.id})
    assert moved.status_code == 201
    new_id = moved.get_json()["id"]
    assert client.get(f"/api/v1/appointments/{appointment['id']}", headers=headers).get_json()["rescheduled_to_id"] == new_id
    frozen.move_to(MONDAY_8AM + timedelta(hours=2, minutes=45))
    ticket = client.post(f"/api/v1/appointments/{new_id}/check-in", headers=headers)
    assert ticket.status_code == 200 and (ticket.get_json()["number"], ticket.get_json()["waiting_ahead"]) == ("B001", 0)
    shown = client.get(f"/api/v1/appointments/{new_id}", headers=headers).get_json()["ticket"]
    assert (shown["number"], shown["status"], shown["waiting_ahead"]) == ("B001", "waiting", 0)
    queue = client.get(f"/api/v1/centres/{hall.centre.id}/queue").get_json()["windows"]
    assert next(w for w in queue if w["window_id"] == hall.general.id)["waiting"] == 1
    walk_in = client.post(f"/api/v1/centres/{hall.centre.id}/tickets", headers=headers,
                          json={"item_code": hall.quick.code})
    assert walk_in.status_code == 201 and walk_in.get_json()["number"] == "A001"


def test_idempotency_key_replays_the_first_answer(client, db_session, real_name_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = dict(real_name_login(), **{"Idempotency-Key": "book-2026-11-24-a"})
    request = {"slot_id": hall.slot(db_session, hall.general, "2026-11-24 09:00").id, "item_codes": [hall.quick.code]}
    first = client.post("/api/v1/appointments", headers=headers, json=request)
    again = client.post("/api/v1/appointments", headers=headers, json=request)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert db_session.scalar(select(func.count()).select_from(Appointment)) == 1
    other = dict(request, slot_id=hall.slot(db_session, hall.general, "2026-11-24 10:00").id)
    assert_envelope(client.post("/api/v1/appointments", headers=headers, json=other), 422, "idempotency_key_reused")
    assert_envelope(client.post("/api/v1/appointments", headers=dict(headers, **{"Idempotency-Key": "bad key!"}),
                                json=request), 422, "idempotency_key_invalid")


def test_booking_attempts_are_rate_limited(client, db_session, real_name_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = real_name_login()
    request = {"slot_id": 10**12, "item_codes": [hall.quick.code]}
    statuses = [client.post("/api/v1/appointments", headers=headers, json=request).status_code for _ in range(11)]
    assert statuses[:10] == [404] * 10
    error = assert_envelope(client.post("/api/v1/appointments", headers=headers, json=request), 429, "rate_limited")
    assert error["message"] == "操作太频繁，请稍后再试"
    # Another citizen is not held back by the first one's attempts.
    assert client.post("/api/v1/appointments", headers=real_name_login(), json=request).status_code == 404


def test_same_key_retried_concurrently_books_once(app, committed_db, wechat):
    """Eight retries of one request, each on its own connection, at the same moment."""
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(committed_db.session, MONDAY_8AM)
        slot_id, code = hall.slot(committed_db.session, hall.general, "2026-11-24 09:00").id, hall.quick.code
        committed_db.session.commit()
        setup = app.test_client()
        token = setup.post("/api/v1/auth/login", json={"code": wechat.login_code("o-retry")}).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-storm-1"}
        assert verify_face(setup, wechat, headers, "o-retry", "赵敏", id_number(4242)).status_code == 200
        answers: list[tuple[int, dict]] = []
        barrier = threading.Barrier(8)

        def retry() -> None:
            with app.test_client() as own:
                barrier.wait()
                response = own.post("/api/v1/appointments", headers=headers,
                                    json={"slot_id": slot_id, "item_codes": [code]})
                answers.append((response.status_code, response.get_json()))

        threads = [threading.Thread(target=retry) for _ in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    with committed_db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert session.scalar(select(Slot.booked).where(Slot.id == slot_id)) == 1




def test_per_ip_limit_uses_the_forwarded_address_behind_a_proxy(settings, db_session, redis_client):
    app = create_app(settings.model_copy(update={"proxy_hops": 1}))
    try:
        client = app.test_client()
        statuses = [client.post("/api/v1/auth/login", json={"code": "x"},
                                headers={"X-Forwarded-For": "203.0.113.7"}).status_code for _ in range(31)]
        assert statuses[-1] == 429 and set(statuses[:30]) == {401}
        other = client.post("/api/v1/auth/login", json={"code": "x"}, headers={"X-Forwarded-For": "203.0.113.8"})
        assert other.status_code == 401  # a different citizen's address is not held back
    finally:
        create_app(settings)


class FakeTimer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_slots_page_is_kept_a_few_seconds_and_answers_304_when_unchanged(db_session, settings, frozen):
    """What thousands of phones poll at 08:00: each process keeps the answer PUBLIC_CACHE_SECONDS, a repeat
    with its ETag is a 304 without a body, and after the time the seats are read again."""
    app = create_app(settings.model_copy(update={"public_cache_seconds": 5}))
    timer = FakeTimer()
    app.extensions["banshi.public_cache"] = PublicCache(5, timer=timer)
    client = app.test_client()
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    url, query = f"/api/v1/centres/{hall.centre.id}/slots", {"item": hall.slow.code, "date": "2026-11-24"}
    first = client.get(url, query_string=query)
    assert first.status_code == 200 and first.headers["Cache-Control"] in ("public, max-age=5", "max-age=5, public")
    etag = first.headers["ETag"]
    assert client.get(url, query_string=query, headers={"If-None-Match": etag}).status_code == 304

    slot = hall.slot(db_session, hall.general, "2026-11-24 08:30")
    slot.booked += 1
    db_session.commit()
    timer.now += 4    # within the time: the kept answer
    assert client.get(url, query_string=query).get_json() == first.get_json()
    timer.now += 2    # past it: read again, a new ETag
    fresh = client.get(url, query_string=query)
    assert fresh.get_json()["slots"][0]["remaining"] == first.get_json()["slots"][0]["remaining"] - 1
    assert fresh.headers["ETag"] != etag
    assert client.get(url, query_string=query, headers={"If-None-Match": etag}).status_code == 200
    create_app(settings)
