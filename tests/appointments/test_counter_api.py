"""The counter over the staff API: the queue a window sees, calling, 过号 and serving."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from miniapp_api.appointments import queue
from miniapp_api.platform.models import DomainEvent
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import make_staff, reloaded

NINE = MONDAY_8AM + timedelta(hours=1)


@pytest.fixture
def counter(db_session, hall, make_citizen, staff_login):
    with time_machine.travel(NINE, tick=True):
        walkers = [make_citizen(name) for name in ("欧阳娜娜", "李雷", "韩梅梅")]
        tickets = [queue.walk_in_ticket(db_session, citizen_id=c.id, centre_id=hall.centre.id,
                                        item_code=hall.slow.code, now=NINE) for c in walkers]
        clerk = make_staff(db_session, [hall.centre])
        db_session.commit()
        yield hall, tickets, staff_login(clerk)


def test_queue_shows_masked_names_in_calling_order(client, counter):
    hall, tickets, clerk = counter
    body = client.get(f"/api/staff/v1/windows/{hall.general.id}/queue", headers=clerk).get_json()
    assert body["waiting"] == 3
    assert [t["number"] for t in body["tickets"]] == [t.number for t in tickets]
    assert [t["person"] for t in body["tickets"]] == [None, None, None]  # walk-ins: nobody's name on screen
    assert body["tickets"][0]["status_name"] == "等候中"


def test_call_recall_skip_and_serve(client, counter, db_session):
    hall, tickets, clerk = counter
    base = f"/api/staff/v1/windows/{hall.general.id}"
    first = client.post(f"{base}/call-next", headers=clerk).get_json()["ticket"]
    assert first["number"] == tickets[0].number and first["status"] == "called"
    early = client.post(f"{base}/tickets/{first['id']}/skip", headers=clerk)
    assert early.status_code == 409 and "叫号满3次" in early.get_json()["error"]["message"]
    for _ in range(2):
        assert client.post(f"{base}/tickets/{first['id']}/recall", headers=clerk).status_code == 200
    assert client.post(f"{base}/tickets/{first['id']}/skip", headers=clerk).get_json()["status"] == "missed"

    second = client.post(f"{base}/call-next", headers=clerk).get_json()["ticket"]
    assert client.post(f"{base}/tickets/{second['id']}/start", headers=clerk).get_json()["status"] == "serving"
    assert client.post(f"{base}/tickets/{second['id']}/finish", headers=clerk).get_json()["status"] == "served"
    served = db_session.scalars(select(DomainEvent).where(DomainEvent.kind == "appointment.served")).all()
    assert [e.subject_id for e in served] == [second["id"]]  # walk-in with a citizen: surveyed like a booking

    queue_now = client.get(f"{base}/queue", headers=clerk).get_json()
    assert [t["number"] for t in queue_now["tickets"]] == [tickets[2].number]


def test_bad_action_and_other_windows_ticket_change_nothing(client, counter, db_session):
    hall, tickets, clerk = counter
    base = f"/api/staff/v1/windows/{hall.express.id}"
    assert client.post(f"{base}/tickets/{tickets[0].id}/recall", headers=clerk).status_code == 404
    bad = client.post(f"/api/staff/v1/windows/{hall.general.id}/tickets/{tickets[0].id}/explode", headers=clerk)
    assert bad.status_code == 422 and "action" in bad.get_json()["error"]["fields"]
    assert client.post(f"{base}/call-next", headers=clerk).get_json()["ticket"] is None  # express: nobody waiting
    assert {reloaded(db_session, t).status for t in tickets} == {"waiting"}


def test_feedback_handlers_cannot_call(client, counter, db_session, staff_login):
    hall, _, _ = counter
    handler = make_staff(db_session, [hall.centre], ("feedback_handler",))
    db_session.commit()
    response = client.post(f"/api/staff/v1/windows/{hall.general.id}/call-next", headers=staff_login(handler))
    assert response.status_code == 404
