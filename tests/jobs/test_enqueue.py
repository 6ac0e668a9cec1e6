"""Jobs go to Redis only after their transaction commits, and real RQ workers run them."""

from datetime import datetime, timedelta

from rq import Queue
from sqlalchemy import func, select

from miniapp_api.citizens.models import AuthSession, Citizen
from miniapp_api.platform.clock import SHANGHAI
from miniapp_api.platform.queues import redis_store
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from tests.workers import run_worker

PURGE = "miniapp_api.citizens.jobs.purge_expired_sessions"


def sweeps(redis_client) -> Queue:
    return Queue("sweeps", connection=redis_client)


def test_rolled_back_transaction_enqueues_nothing(db_session, redis_client):
    enqueue_after_commit(db_session, "sweeps", PURGE)
    db_session.rollback()
    db_session.commit()
    assert sweeps(redis_client).count == 0


def test_job_is_enqueued_only_at_commit(db_session, redis_client):
    enqueue_after_commit(db_session, "sweeps", PURGE, job_id="purge-once")
    db_session.flush()
    assert sweeps(redis_client).count == 0
    db_session.commit()
    assert sweeps(redis_client).job_ids == ["purge-once"]


def test_same_job_id_is_enqueued_once(db_session, redis_client):
    for _ in range(3):
        enqueue_after_commit(db_session, "sweeps", PURGE, job_id="purge-dedup")
        db_session.commit()
    assert sweeps(redis_client).job_ids == ["purge-dedup"]


def test_redis_outage_at_commit_keeps_the_commit(settings, db_session, redis_client):
    redis_store.configure("redis://127.0.0.1:1/0")
    try:
        db_session.add(Citizen(openid="o-kept"))
        enqueue_after_commit(db_session, "sweeps", PURGE)
        db_session.commit()
    finally:
        redis_store.configure(settings.redis_url)
    assert db_session.scalar(select(func.count()).select_from(Citizen).where(Citizen.openid == "o-kept")) == 1


def test_real_worker_runs_the_committed_job(committed_db, redis_client, process_env):
    now = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    with committed_db.new_session() as session:
        citizen = Citizen(openid="o-worker")
        session.add(citizen)
        session.flush()
        session.add_all([
            AuthSession(citizen_id=citizen.id, token_hash="a" * 64, expires_at=now - timedelta(days=60)),
            AuthSession(citizen_id=citizen.id, token_hash="b" * 64, expires_at=now + timedelta(days=1)),
        ])
        enqueue_after_commit(session, "sweeps", PURGE, job_id="purge-by-worker")
        session.commit()

    run_worker(process_env, at=now)
    job = sweeps(redis_client).fetch_job("purge-by-worker")
    assert job is not None and job.is_finished and job.return_value() == 1
    with committed_db.new_session() as session:
        assert session.scalars(select(AuthSession.token_hash)).all() == ["b" * 64]
