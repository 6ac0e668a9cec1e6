"""The outbox dispatcher (jobs/dispatcher.py) in real worker processes: a booking enqueues nothing itself, its
commit wakes the dispatcher, the confirmation reaches WeChat once, with two workers (two would-be dispatchers)
running, and what was committed while no dispatcher listened goes when one starts."""

import os
import signal
import subprocess
import sys
import time

from rq import Queue
from sqlalchemy import select, text

from miniapp_api.appointments import services as booking
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import record_consents
from miniapp_api.platform.db import db
from tests.factories import build_hall, citizen_with_identity
from tests.notifications.conftest import MONDAY_8AM, STATUS_TEMPLATE

from jobs.dispatcher import DISPATCHER_LOCK


def _citizen(session, cipher, wechat, n: int):
    citizen = citizen_with_identity(session, cipher, n)
    wechat.state.session_keys[citizen.openid] = "session-key"
    wechat.control("POST", "consents", openid=citizen.openid, template_id=STATUS_TEMPLATE, kind="one_time", count=1)
    record_consents(session, citizen.id, {STATUS_TEMPLATE: "accept"}, MONDAY_8AM)
    return citizen


def _book(session, cipher, hall, citizen, local: str) -> int:
    slot = hall.slot(session, hall.general, local)
    appointment = booking.book_appointment(session, citizen_id=citizen.id, person=booking.person_for_self(citizen, cipher),
                                           slot_id=slot.id, item_codes=[hall.quick.code], now=MONDAY_8AM)
    session.commit()
    return appointment.id


def _confirmations(status: str | None = None) -> list[Notification]:
    with db.new_session() as check:
        query = select(Notification).where(Notification.kind == "appointment_booked")
        if status:
            query = query.where(Notification.status == status)
        return list(check.scalars(query))


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _dispatcher_listening() -> bool:
    # A bigint advisory lock shows in pg_locks as its high and low 32 bits (classid, objid).
    with db.engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = :high AND objid = :low"), {"high": DISPATCHER_LOCK >> 32, "low": DISPATCHER_LOCK & 0xFFFFFFFF}))


def test_bookings_reach_wechat_through_the_dispatcher_once(app, committed_db, process_env, wechat, redis_client):
    session, cipher = db.session, app.extensions["banshi.cipher"]
    hall = build_hall(session, MONDAY_8AM, counters=40)
    citizens = [_citizen(session, cipher, wechat, 5100 + n) for n in range(12)]
    session.commit()

    # Committed while no dispatcher listens: the booking put nothing on Redis, its row waits unclaimed.
    _book(session, cipher, hall, citizens[0], "2026-11-24 09:00")
    assert Queue("notify", connection=redis_client).count == 0
    [waiting] = _confirmations()
    assert waiting.status == "pending" and waiting.enqueued_at is None

    env = {**process_env, "CLOCK_START": MONDAY_8AM.isoformat()}
    workers = [subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "worker"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        # The first dispatcher to take the lock sends what waited (its catch-up pass on connecting).
        _wait(lambda: len(_confirmations("sent")) == 1, "the waiting confirmation to be sent")
        _wait(_dispatcher_listening, "a dispatcher to listen")
        # Bookings committed while it listens: each commit's wake-up makes it claim; nothing else runs a sweep here.
        for citizen in citizens[1:]:
            _book(session, cipher, hall, citizen, "2026-11-24 09:00")
        _wait(lambda: len(_confirmations("sent")) == 12, "every confirmation to be sent")
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
    # Exactly once each, although two workers ran: one dispatcher at a time, and the claim decides.
    for citizen in citizens:
        assert len(wechat.inbox(openid=citizen.openid, template_id=STATUS_TEMPLATE)) == 1
    # The reminders are not due: the dispatcher left them to the due sweep.
    with db.new_session() as check:
        assert check.scalar(select(Notification.id).where(Notification.kind != "appointment_booked",
                                                           Notification.enqueued_at.is_not(None))) is None
