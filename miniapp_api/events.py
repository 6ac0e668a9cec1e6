"""Domain events: a publisher writes one row with its change; consumers subscribe by name.

The coupling runs one way: applications publish `application.completed` and know
nothing of ratings or surveys; those packages add themselves to CONSUMERS. The
dispatch runs the consumers together with their EventDelivery rows in one
transaction, so a consumer handles an event once even when the job is retried or
the recovery sweep enqueues it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from jobs.enqueue import enqueue_after_commit
from miniapp_api.platform_models import DomainEvent, EventDelivery

log = structlog.get_logger(__name__)

APPLICATION_COMPLETED = "application.completed"
DISPATCH_JOB = "jobs.events.dispatch_event"

APPOINTMENT_SERVED = "appointment.served"
FEEDBACK_CLOSED = "feedback.closed"
RECTIFICATION_FIXED = "rectification.fixed"

# event kind → dotted paths of `handler(session, events)`; consumers register here (data, not imports).
CONSUMERS: dict[str, list[str]] = {
    APPLICATION_COMPLETED: ["miniapp_api.surveys.triggers.on_completion"],
    APPOINTMENT_SERVED: ["miniapp_api.surveys.triggers.on_completion"],
    FEEDBACK_CLOSED: ["miniapp_api.surveys.triggers.on_completion"],
    RECTIFICATION_FIXED: ["miniapp_api.surveys.triggers.on_rectification_fixed"],
}


def publish(session: Session, kind: str, subject: tuple[str, int], payload: dict[str, Any]) -> DomainEvent:
    event = DomainEvent(kind=kind, subject_type=subject[0], subject_id=subject[1], payload=payload)
    session.add(event)
    session.flush()
    enqueue_after_commit(session, "default", DISPATCH_JOB, event.id, job_id=f"event-{event.id}", result_ttl=0)
    return event


def _handler(path: str) -> Callable[[Session, list[DomainEvent]], None]:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def dispatch(session: Session, event_ids: list[int], now: datetime) -> int:
    """Hand these events (those still undispatched) to their consumers; returns how many were handled."""
    return _dispatch(session, select(DomainEvent).where(DomainEvent.id.in_(event_ids)), now)


def dispatch_pending(session: Session, now: datetime, older_than: timedelta = timedelta(0),
                     limit: int = 1000) -> int:
    """The oldest undispatched events, up to `limit`: the recovery sweep and the way through a backlog."""
    return _dispatch(session, select(DomainEvent).where(DomainEvent.created_at <= now - older_than)
                     .limit(limit), now)


def _dispatch(session: Session, statement, now: datetime) -> int:
    """One transaction: claim the events (SKIP LOCKED, so parallel dispatchers share a backlog), claim
    their EventDelivery rows (a consumer that already handled an event is not handed it again), run the
    consumers on the batch, mark the events dispatched."""
    events = list(session.scalars(statement.where(DomainEvent.dispatched_at.is_(None))
                                  .order_by(DomainEvent.id).with_for_update(skip_locked=True)))
    if not events:
        session.rollback()
        return 0
    by_kind: dict[str, list[DomainEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    for kind, batch in by_kind.items():
        for consumer in CONSUMERS.get(kind, []):
            claimed = set(session.scalars(insert(EventDelivery).values(
                [{"event_id": e.id, "consumer": consumer} for e in batch])
                .on_conflict_do_nothing().returning(EventDelivery.event_id)))
            todo = [e for e in batch if e.id in claimed]
            if todo:
                _handler(consumer)(session, todo)
    session.execute(update(DomainEvent).where(DomainEvent.id.in_([e.id for e in events])).values(dispatched_at=now))
    session.commit()
    return len(events)


def pending_events(session: Session, now: datetime, older_than: timedelta = timedelta(0),
                   limit: int = 1000) -> list[int]:
    """Undispatched events (a lost dispatch job, or a backlog the sweep works through)."""
    return list(session.scalars(select(DomainEvent.id).where(
        DomainEvent.dispatched_at.is_(None), DomainEvent.created_at <= now - older_than)
        .order_by(DomainEvent.id).limit(limit)))
