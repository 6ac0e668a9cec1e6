"""Enqueue jobs only after the transaction that caused them commits.

A job enqueued before commit can run against rows that are not there yet, or
that a rollback removes. Pending jobs ride on the session and go to Redis in
its after_commit hook; a rollback drops them. If Redis is down at that moment
the commit still stands and the failure is logged: the periodic recovery
sweeps find the work from the database (e.g. pending outbox rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from miniapp_api.extensions import redis_store

log = structlog.get_logger(__name__)
_PENDING = "banshi.pending_jobs"


@dataclass(frozen=True)
class PendingJob:
    queue: str
    func: Callable[..., Any] | str
    args: tuple[Any, ...]
    job_id: str | None
    options: dict[str, Any] = field(default_factory=dict)


def enqueue_after_commit(session: Session | scoped_session, queue: str, func: Callable[..., Any] | str, *args: Any,
                         job_id: str | None = None, **options: Any) -> None:
    """Queue `func(*args)` once `session` commits. A job_id makes repeats a no-op."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()  # so a rollback before any SQL still ends this unit of work
    session.info.setdefault(_PENDING, []).append(PendingJob(queue, func, args, job_id, options))


def enqueue_now(job: PendingJob) -> bool:
    """Put one job on its queue; False when a job with its id is already there."""
    options = dict(job.options)
    if job.job_id:
        options.update(job_id=job.job_id, unique=True)
    try:
        redis_store.queue(job.queue).enqueue(job.func, *job.args, **options)
    except DuplicateJobError:
        return False
    return True


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    for job in session.info.pop(_PENDING, []):
        try:
            enqueue_now(job)
        except RedisError as exc:
            log.error("enqueue.failed_after_commit", queue=job.queue, job_id=job.job_id, error=type(exc).__name__)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    # Fires on every rollback() call, also when no SQL had run yet; only the
    # outermost one ends the unit of work.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
