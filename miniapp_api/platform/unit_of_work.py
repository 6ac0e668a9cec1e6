"""The unit of work: one transaction per request or job, committed in one place, and the jobs it
causes enqueued only after that commit.

A job enqueued before commit can run against rows that are not there yet, or that a rollback removes.
Pending jobs ride on the session and go to Redis in its after_commit hook; a rollback drops them. If
Redis is down at that moment the commit still stands and the failure is logged: the periodic recovery
sweeps find the work from the database (e.g. pending outbox rows).

The session hooks are installed by `install()` (create_app calls it, and so every worker's app), never
as a side effect of importing this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from flask import current_app, request
from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from miniapp_api.platform.db import db
from miniapp_api.platform.queues import redis_store

log = structlog.get_logger(__name__)
_PENDING = "banshi.pending_jobs"
_CALLBACKS = "banshi.after_commit_callbacks"


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


def run_after_commit(session: Session | scoped_session, callback: Callable[..., None], *args: Any) -> None:
    """Call `callback(*args)` once `session` commits (never after a rollback): for this process's caches of
    what the transaction changed. Best effort, like the enqueue: a failing callback is logged, never raised."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_CALLBACKS, []).append((callback, args))


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


def _enqueue_pending(session: Session) -> None:
    """After the commit, best effort: the rows are safe in PostgreSQL and the sweeps enqueue what is left.
    After one Redis failure the rest are not tried (nor, for a few seconds, anything else in this process),
    so a Redis that is away costs one timeout at most."""
    for callback, args in session.info.pop(_CALLBACKS, []):
        try:
            callback(*args)
        except Exception as exc:   # a cache left as it was expires by itself; the commit stands
            log.error("after_commit.failed", callback=getattr(callback, "__qualname__", "?"), error=type(exc).__name__)
    failed: str | None = "RedisAway" if redis_store.is_away() else None
    for job in session.info.pop(_PENDING, []):
        if failed is None:
            try:
                enqueue_now(job)
                continue
            except RedisError as exc:
                failed = type(exc).__name__
                redis_store.mark_away()
        log.error("enqueue.failed_after_commit", queue=job.queue, job_id=job.job_id, error=failed)


def _drop_pending(session: Session, previous_transaction) -> None:
    # Fires on every rollback() call, also when no SQL had run yet; only the
    # outermost one ends the unit of work.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_CALLBACKS, None)


def install() -> None:
    """Hook the after-commit enqueue onto every Session (idempotent)."""
    if not event.contains(Session, "after_commit", _enqueue_pending):
        event.listen(Session, "after_commit", _enqueue_pending)
        event.listen(Session, "after_soft_rollback", _drop_pending)


@contextmanager
def transaction(session: Session | scoped_session) -> Iterator[Session | scoped_session]:
    """One unit of work outside a request (a job, a batch of a sweep): commit when the block ends normally,
    roll back on any error."""
    try:
        yield session
    except BaseException:
        _end_refused(session)
        raise
    session.commit()


KEEP_ON_REFUSAL = "banshi.keep_on_refusal"


def keep_on_refusal(session: Session | scoped_session) -> None:
    """The changes so far stand even though the request is refused (a failed login still counts)."""
    session.info[KEEP_ON_REFUSAL] = True


def _end_refused(session: Session | scoped_session) -> None:
    """A refusal or an error: nothing of the unit of work stands (unless kept) and its jobs are dropped.
    Closing rolls the transaction back without expiring the objects already loaded, so an error page can
    still show them."""
    if session.info.pop(KEEP_ON_REFUSAL, False):
        session.commit()
    else:
        session.info.pop(_PENDING, None)
        session.close()


def read_only(view):
    """Mark a view that only reads: its statements run in autocommit, with no BEGIN and no COMMIT round trip.
    Under READ COMMITTED every statement takes its own snapshot anyway, so a read-only view sees exactly what
    it would inside a transaction. A marked view must not write: each statement would commit on its own."""
    view.read_only = True
    return view


def stale_read(view):
    """A read-only view whose answer may be a second stale (public listings): it reads the replica when one
    is configured and usable (platform.db.Replica), else the primary in autocommit. Never for a page that
    must show the caller's own write, nor behind authentication (a new login may not be on the replica yet)."""
    view.stale_ok = True
    return read_only(view)


def init_read_only(app) -> None:
    """Before authentication (registered first): a read-only view's session reads the replica when it may,
    else runs in autocommit on the primary."""
    @app.before_request
    def _autocommit_reads() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "read_only", False) and not (getattr(view, "stale_ok", False) and db.use_replica()):
            db.use_autocommit()


def end_read_part(session: Session | scoped_session) -> None:
    """End the request's transaction so far when it has only read (authentication), before a call to another
    service, so that no transaction stays open while we wait. The one exception to "one commit at the end":
    it refuses if anything was written or queued, so the commit it makes changes nothing."""
    if isinstance(session, scoped_session):
        session = session()
    if session.new or session.dirty or session.deleted or session.info.get(_PENDING):
        raise RuntimeError("end_read_part after a write: the request's work would be committed early")
    session.commit()


class RequestTransaction:
    """Mixin for the Flask app class: each request's transaction ends in one place.

    A view returns (or raises); a successful answer (status < 400) commits, a refusal or an error rolls
    back. A failing commit raises into the app's error handlers (503 when the database is gone).
    """

    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())  # type: ignore[misc]
        except BaseException:
            _end_refused(db.session)
            raise
        if response.status_code < 400:
            db.session.commit()
        else:
            _end_refused(db.session)
        return response
