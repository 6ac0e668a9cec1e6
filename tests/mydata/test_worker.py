"""我的数据 with real RQ workers: the build enqueued after the request's commit, run twice without harm, and the
sweep that deletes the files after 24 hours."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine

from miniapp_api.citizens.models import AuthSession
from miniapp_api.citizens.services import hash_token
from miniapp_api.mydata import services
from miniapp_api.mydata.models import DataExport
from miniapp_api.platform.queues import redis_store
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, citizen_with_identity, id_number
from tests.workers import run_worker


def test_a_worker_builds_the_export_once_and_the_sweep_deletes_it(app, committed_db, redis_client, process_env,
                                                                   wechat):
    session, storage = committed_db.session, app.extensions["banshi.storage"]
    hall = build_hall(session, MONDAY_8AM)
    citizen = citizen_with_identity(session, app.extensions["banshi.cipher"], 71, name="周敏")
    session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token("bs_mydata_worker"),
                            expires_at=MONDAY_8AM + timedelta(days=3)))
    session.commit()
    headers = {"Authorization": "Bearer bs_mydata_worker"}
    client = app.test_client()
    with time_machine.travel(MONDAY_8AM, tick=True):
        slot = hall.slot(session, hall.general, "2026-11-24 09:00")
        booked = client.post("/api/v1/appointments", headers=headers,
                             json={"slot_id": slot.id, "item_codes": [hall.quick.code]})
        assert booked.status_code == 201, booked.get_json()
        asked = client.post("/api/v1/me/data-exports", headers=headers)
        assert asked.status_code == 202
    export_id = asked.get_json()["export"]["id"]

    run_worker(process_env, at=MONDAY_8AM + timedelta(minutes=1))
    session.expire_all()
    row = session.get(DataExport, export_id)
    assert (row.state, row.counts["bookings"]) == ("done", 1)
    first_done, keys = row.done_at, [row.json_key, row.pdf_key]
    data = json.loads(storage.get(row.json_key))
    assert [b["id"] for b in data["bookings"]] == [booked.get_json()["id"]]
    assert data["profile"]["id_number"] == id_number(71)

    # The same build again (a retry, a second enqueue): nothing changes.
    redis_store.queue("default").enqueue(services.BUILD_JOB, export_id, job_id=f"data-export-{export_id}-again")
    run_worker(process_env, at=MONDAY_8AM + timedelta(minutes=5))
    session.expire_all()
    assert session.get(DataExport, export_id).done_at == first_done

    # The sweep, a minute before the 24 hours and at them.
    for offset, state in ((timedelta(hours=23, minutes=59), "done"), (timedelta(hours=24, minutes=2), "expired")):
        redis_store.queue("sweeps").enqueue("miniapp_api.mydata.jobs.sweep_data_exports")
        run_worker(process_env, at=first_done + offset)
        session.expire_all()
        assert session.get(DataExport, export_id).state == state
    assert not any(storage.exists(key) for key in keys)
