"""Two citizens with a bit of everything each, so that an export can be checked to hold one's rows and never the
other's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine

from miniapp_api.mydata import export, services
from miniapp_api.platform.clock import utcnow
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, id_number

# The tests act a little after the pair was made (at MONDAY_8AM, with the clock running).
LATER = MONDAY_8AM + timedelta(minutes=5)
OWNER_NAME, OWNER_PHONE, OWNER_NUMBER = "孙丽", "13912345678", id_number(61)
OTHER_NAME, OTHER_PHONE = "钱进", "13687654321"
OWNER_TEXT, OTHER_TEXT = "建议增加周末延时服务", "窗口排队时间太长，希望多开窗口"


@dataclass
class Person:
    citizen_id: int
    headers: dict[str, str]
    booking: int
    feedback: int
    messages: list[int]


@dataclass
class Pair:
    owner: Person
    other: Person
    hall: object


def _person(client, db_session, hall, headers, phone, day, text) -> Person:
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert client.patch("/api/v1/me", headers=headers, json={"phone": phone}).status_code == 200
    slot = hall.slot(db_session, hall.general, f"2026-11-{day} 09:00")
    booked = client.post("/api/v1/appointments", headers=headers,
                         json={"slot_id": slot.id, "item_codes": [hall.quick.code]})
    assert booked.status_code == 201, booked.get_json()
    filed = client.post("/api/v1/feedback", headers=headers,
                        json={"kind": "suggestion", "text": text, "centre_id": hall.centre.id})
    assert filed.status_code == 201, filed.get_json()
    inbox = client.get("/api/v1/messages", headers=headers).get_json()["messages"]
    assert inbox
    return Person(me["id"], headers, booked.get_json()["id"], filed.get_json()["id"], [m["id"] for m in inbox])


@pytest.fixture
def pair(client, db_session, verified_login, wechat) -> Pair:
    """孙丽 (the owner, verified, with a phone) and 钱进, each with a booking, feedback and messages, made on
    Monday 23 November 2026 at 08:00."""
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        owner = _person(client, db_session, hall, verified_login(OWNER_NAME, OWNER_NUMBER, openid="o-mydata-owner"),
                        OWNER_PHONE, 24, OWNER_TEXT)
        other = _person(client, db_session, hall, verified_login(OTHER_NAME, id_number(62), openid="o-mydata-other"),
                        OTHER_PHONE, 25, OTHER_TEXT)
    return Pair(owner, other, hall)


def build_now(app, db_session, export_id: int) -> bool:
    """What the job does (jobs.build_export), in the test's transaction: claim, then build; committed."""
    assert services.claim(db_session, export_id, utcnow())
    done = export.build(db_session, app.extensions["banshi.cipher"], app.extensions["banshi.storage"], export_id,
                        utcnow())
    db_session.commit()
    return done
