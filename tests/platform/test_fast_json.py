"""The hot citizen reads answer JSON written by orjson from rows (platform/fast_json.py), while the OpenAPI
document keeps naming their pydantic models: for each fast path, what the route serves equals the model's
serialisation of the same data, so the two cannot drift."""

from datetime import datetime, timedelta

import orjson
import pytest
import time_machine
from sqlalchemy import select, update

from miniapp_api.applications import progress
from miniapp_api.applications.models import ApplicationStatus
from miniapp_api.applications.schemas import ApplicationOut
from miniapp_api.appointments import queue, reads, services
from miniapp_api.appointments.schemas import AppointmentList, AppointmentOut
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.schemas import ProfileOut
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.schemas import MessageList, MessageOut
from miniapp_api.platform import fast_json
from miniapp_api.notifications import services as notifications
from miniapp_api.platform.clock import today, utcnow
from tests.applications.conftest import Counter
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, id_number


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8AM, tick=True) as traveller:
        yield traveller


def _me(client, headers) -> dict:
    return client.get("/api/v1/me", headers=headers).get_json()


def test_me_is_the_profile_model(client, db_session, cipher, verified_login):
    headers = verified_login("李桂兰")
    assert client.patch("/api/v1/me", headers=headers, json={"phone": "13812345678"}).status_code == 200
    served = client.get("/api/v1/me", headers=headers)
    assert served.mimetype == "application/json"
    citizen = db_session.get(Citizen, served.get_json()["id"])
    modelled = ProfileOut.of(citizen, cipher)
    assert served.get_json() == modelled == orjson.loads(fast_json.dumps(ProfileOut.values(citizen, cipher)))
    assert modelled["phone_masked"] == "138****5678" and modelled["id_number_masked"].count("*") >= 8
    assert modelled["verified"] is True and modelled["verified_at"].endswith("Z")


def test_appointments_list_is_the_appointment_model(client, db_session, cipher, verified_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = verified_login("李桂兰")
    mine = client.post("/api/v1/appointments", headers=headers, json={
        "slot_id": hall.slot(db_session, hall.general, "2026-11-24 09:00").id,
        "item_codes": [hall.quick.code, hall.slow.code]})
    relative = client.post("/api/v1/appointments", headers=headers, json={
        "slot_id": hall.slot(db_session, hall.general, "2026-11-25 10:00").id, "item_codes": [hall.quick.code],
        "for_person": {"name": "王大爷", "id_number": id_number(7777), "phone": "13912345678", "relation": "父母"}})
    assert mine.status_code == relative.status_code == 201, (mine.get_json(), relative.get_json())
    citizen_id = _me(client, headers)["id"]
    with time_machine.travel(MONDAY_8AM + timedelta(days=1, minutes=50), tick=False):   # 08:50 on the day
        queue.check_in(db_session, citizen_id=citizen_id, appointment_id=mine.get_json()["id"], now=utcnow())
        db_session.commit()
        served = client.get("/api/v1/appointments", headers=headers).get_json()
        now = utcnow()
    db_session.expire_all()
    appointments = services.list_appointments(db_session, citizen_id, now)
    bookers = services.bookers_for(db_session, citizen_id, appointments)
    modelled = AppointmentList(appointments=[AppointmentOut.of(a, cipher, bookers.get(a.id))
                                             for a in appointments]).model_dump(mode="json")
    assert served == modelled
    rows = reads.list_rows(db_session, citizen_id, now)
    assert orjson.loads(fast_json.dumps([AppointmentOut.values(r, cipher) for r in rows])) == [
        AppointmentOut.of(a, cipher).model_dump(mode="json") for a in appointments]
    shown = {a["id"]: a for a in served["appointments"]}
    assert shown[mine.get_json()["id"]]["ticket"] is not None
    assert [i["code"] for i in shown[mine.get_json()["id"]]["items"]] == sorted(
        [hall.quick.code, hall.slow.code], key=lambda code: {hall.quick.code: hall.quick.id,
                                                            hall.slow.code: hall.slow.id}[code])
    assert shown[relative.get_json()["id"]]["proxy_phone_masked"] == "139****5678"
    assert id_number(7777) not in str(served)


def test_application_progress_is_the_application_model(client, db_session, cipher, verified_login):
    headers = verified_login("李娜")
    citizen_id = _me(client, headers)["id"]   # before building: a request ends the test thread's session
    counter = Counter(db_session)
    now = utcnow()
    application = counter.intake(cipher, now, accept=None)
    counter.advance(application, ApplicationStatus.ACCEPTED, now)
    counter.advance(application, ApplicationStatus.IN_REVIEW, now)
    counter.advance(application, ApplicationStatus.NEEDS_CORRECTION, now,
                    corrections=[("经营场所平面图", "请标注比例尺")], public_note="请补正平面图")
    application.citizen_id = citizen_id
    db_session.commit()
    served = client.get(f"/api/v1/applications/{application.reference}", headers=headers)
    assert served.status_code == 200, served.get_json()
    document = progress.for_citizen(db_session, application.citizen_id, application.reference, today())
    modelled = ApplicationOut.model_validate(document).model_dump(mode="json")
    assert served.get_json() == modelled == orjson.loads(fast_json.dumps(document))
    assert len(modelled["timeline"]) >= 3 and modelled["materials"]
    # Another citizen is answered 404, as before.
    other = client.get(f"/api/v1/applications/{application.reference}", headers=verified_login("王芳"))
    assert other.status_code == 404


def test_messages_list_is_the_message_model(client, db_session, verified_login, frozen):
    hall = build_hall(db_session, MONDAY_8AM)
    db_session.commit()
    headers = verified_login("李桂兰")
    for local in ("2026-11-24 09:00", "2026-11-25 10:00"):   # each booking writes its in-app confirmation
        assert client.post("/api/v1/appointments", headers=headers, json={
            "slot_id": hall.slot(db_session, hall.general, local).id, "item_codes": [hall.quick.code]}
        ).status_code == 201
    citizen_id = _me(client, headers)["id"]
    first = db_session.scalars(select(Notification.id).where(Notification.citizen_id == citizen_id)
                               .order_by(Notification.id)).first()
    db_session.execute(update(Notification).where(Notification.id == first)
                       .values(status="sent", channel="sms", read_at=utcnow()))
    db_session.commit()
    served = client.get("/api/v1/messages", headers=headers).get_json()
    now = utcnow()
    db_session.expire_all()
    orm_rows = list(db_session.scalars(select(Notification).where(Notification.id.in_(
        [m["id"] for m in served["messages"]])).order_by(Notification.id.desc())))
    assert len(orm_rows) == len(served["messages"]) >= 2
    modelled = MessageList(unread_count=served["unread_count"], messages=[MessageOut.of(n) for n in orm_rows],
                           as_of=served["as_of"]).model_dump(mode="json")
    assert datetime.fromisoformat(served["as_of"]).utcoffset() == timedelta(hours=8)   # Beijing time, with offset
    assert served == modelled
    rows, unread = notifications.list_messages(db_session, citizen_id, now, limit=20)
    assert unread == served["unread_count"] == len(rows) - 1
    assert [MessageOut.values(r) for r in rows] == modelled["messages"]
    assert any(m["read"] and m["push_status_name"] for m in served["messages"])
