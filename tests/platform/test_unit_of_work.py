"""The request owns its transaction: one commit after a successful answer, nothing kept from a refusal (unless
kept on purpose), and the jobs a refused request asked for never reach Redis."""

from __future__ import annotations

import pytest
from flask import jsonify
from rq import Queue
from sqlalchemy import func, select

from miniapp_api import create_app
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform import audit
from miniapp_api.platform.models import AuditLog
from miniapp_api.platform.unit_of_work import enqueue_after_commit, keep_on_refusal, read_only

JOB = "miniapp_api.citizens.jobs.purge_expired_sessions"


@pytest.fixture
def uow_app(settings, committed_db, redis_client):
    """An app with four probe routes that each write an audit row and ask for a job."""
    app = create_app(settings)

    def write(action: str) -> None:
        audit.record(db.session, actor="test", action=action, subject_type="probe", subject_id="1")
        enqueue_after_commit(db.session, "sweeps", JOB, job_id=f"uow-{action}")

    @app.post("/probe/ok")
    def ok():
        write("ok")
        return jsonify({"done": True}), 201

    @app.post("/probe/refused")
    def refused():
        write("refused")
        raise DomainError("不行", code="probe_refused", status=409)

    @app.post("/probe/answered-422")
    def answered_422():
        write("answered-422")
        return jsonify({"error": "no"}), 422

    @app.post("/probe/kept")
    def kept():
        write("kept")
        keep_on_refusal(db.session)
        raise DomainError("不行", code="probe_refused", status=423)

    yield app
    create_app(settings)   # rebind the suite's app to its settings


def rows(action: str) -> int:
    with db.new_session() as session:
        return session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


@pytest.mark.parametrize(("path", "status", "stored"), [
    ("/probe/ok", 201, True),
    ("/probe/refused", 409, False),
    ("/probe/answered-422", 422, False),
    ("/probe/kept", 423, True),
])
def test_the_request_commits_once_or_not_at_all(uow_app, redis_client, path, status, stored):
    action = path.rsplit("/", 1)[1]
    response = uow_app.test_client().post(path)
    assert response.status_code == status
    assert rows(action) == (1 if stored else 0)
    enqueued = Queue("sweeps", connection=redis_client).fetch_job(f"uow-{action}") is not None
    assert enqueued is stored


def _status_after_a_select() -> str:
    """Run a statement in the request's session, then ask psycopg whether the connection is inside a transaction."""
    db.session.execute(select(1))
    return db.session.connection().connection.driver_connection.info.transaction_status.name


@pytest.fixture
def read_app(settings, committed_db, redis_client):
    app = create_app(settings)

    @app.get("/probe/read")
    @read_only
    def marked_read():
        return jsonify({"status": _status_after_a_select()})

    @app.get("/probe/plain")
    def plain_read():
        return jsonify({"status": _status_after_a_select()})

    yield app
    create_app(settings)


def test_a_read_only_view_runs_in_autocommit_and_the_next_request_gets_a_transaction_again(read_app):
    client = read_app.test_client()
    # No BEGIN was sent: after its statement the connection is idle, not in a transaction.
    assert client.get("/probe/read").get_json() == {"status": "IDLE"}
    # The pooled connection went back with autocommit off: an unmarked view is inside BEGIN as always.
    assert client.get("/probe/plain").get_json() == {"status": "INTRANS"}
    assert client.get("/probe/read").get_json() == {"status": "IDLE"}
