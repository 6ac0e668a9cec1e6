"""The waitlist over HTTP: join a full day, see one's place, get 候补成功, confirm in one tap; bad input gets
the envelope and changes nothing."""

import pytest
import time_machine
from sqlalchemy import func, select, text

from miniapp_api.appointments.models import WaitlistEntry
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall
from tests.test_app import assert_envelope

TUESDAY = "2026-11-24"


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def full_hall(db_session, frozen):
    hall = build_hall(db_session, MONDAY_8AM, counters=1)
    db_session.commit()
    return hall


def fill_tuesday(db_session, hall) -> None:
    db_session.execute(text("UPDATE slot SET booked = capacity WHERE centre_id = :centre "
                            "AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date = :day"),
                       {"centre": hall.centre.id, "day": TUESDAY})
    db_session.commit()


def join_body(hall, **extra) -> dict:
    return {"centre_id": hall.centre.id, "item_code": hall.quick.code, "date_from": TUESDAY, "date_to": TUESDAY,
            **extra}


def test_join_wait_confirm_in_one_tap(client, db_session, full_hall, verified_login):
    hall = full_hall
    holder, waiter = verified_login("李持"), verified_login("王候")
    slot = hall.slot(db_session, hall.general, f"{TUESDAY} 09:00")
    booked = client.post("/api/v1/appointments", headers=holder,
                         json={"slot_id": slot.id, "item_codes": [hall.quick.code]}).get_json()
    assert_envelope(client.post("/api/v1/waitlist", headers=waiter, json=join_body(hall)), 409, "seats_available")
    fill_tuesday(db_session, hall)

    joined = client.post("/api/v1/waitlist", headers=waiter, json=join_body(hall, time_to="12:00"))
    assert joined.status_code == 201, joined.get_json()
    entry = joined.get_json()
    assert (entry["status_name"], entry["people_ahead"], entry["time_to"]) == ("候补中", 0, "12:00")

    assert client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=holder).status_code == 200
    [mine] = client.get("/api/v1/waitlist", headers=waiter).get_json()["entries"]
    assert mine["status_name"] == "候补成功，待确认"
    offer = mine["offer"]
    assert offer["starts_at"].startswith(f"{TUESDAY}T09:00") and offer["expires_at"].startswith("2026-11-23T08:15")
    messages = client.get("/api/v1/messages", headers=waiter).get_json()["messages"]
    assert messages[0]["title"] == "候补成功"

    confirmed = client.post(f"/api/v1/waitlist/offers/{offer['id']}/confirm", headers=waiter)
    assert confirmed.status_code == 201, confirmed.get_json()
    assert confirmed.get_json()["status_name"] == "已预约"
    [done] = client.get("/api/v1/waitlist", headers=waiter).get_json()["entries"]
    assert (done["status"], done["appointment_id"], done["offer"]) == ("booked", confirmed.get_json()["id"], None)
    gone = assert_envelope(client.post(f"/api/v1/waitlist/offers/{offer['id']}/confirm", headers=waiter), 409,
                           "offer_gone")
    assert "已确认" in gone["message"]


def test_bad_requests_get_the_envelope_and_change_nothing(client, db_session, full_hall, verified_login, login):
    hall = full_hall
    fill_tuesday(db_session, hall)
    headers = verified_login()
    error = assert_envelope(client.post("/api/v1/waitlist", headers=headers,
                                        json=join_body(hall, time_from="15:00", time_to="09:00")),
                            422, "validation_failed")
    assert "开始时间须早于结束时间" in str(error)
    assert_envelope(client.post("/api/v1/waitlist", headers=headers, json=join_body(hall, date_to="2026-12-30")),
                    422, "waitlist_dates")
    assert_envelope(client.post("/api/v1/waitlist", headers=headers, json=join_body(hall, item_code="nope")),
                    404, "item_not_found")
    assert_envelope(client.post("/api/v1/waitlist", headers=login(), json=join_body(hall)), 403,
                    "identity_unverified")
    assert_envelope(client.post("/api/v1/waitlist", headers=headers, json=dict(join_body(hall), extra=1)),
                    422, "validation_failed")
    assert db_session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0

    entry = client.post("/api/v1/waitlist", headers=headers, json=join_body(hall)).get_json()
    assert client.post(f"/api/v1/waitlist/{entry['id']}/cancel", headers=headers).get_json()["status"] == "cancelled"
    again = assert_envelope(client.post(f"/api/v1/waitlist/{entry['id']}/cancel", headers=headers), 409,
                            "waitlist_not_cancellable")
    assert "已取消" in again["message"]
