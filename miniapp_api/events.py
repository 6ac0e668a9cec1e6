"""Domain events: a publisher writes one row with its change; consumers subscribe by name.

The coupling runs one way: applications publish `application.completed` and know
nothing of ratings or surveys; those packages add themselves to CONSUMERS. The
dispatch job runs each consumer in its own transaction together with an
EventDelivery row, so a consumer handles an event once even when the job is
retried or the recovery sweep enqueues it again.
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

# event kind → dotted paths of `handler(session, event)`; consumers register here (data, not imports).
CONSUMERS: dict[str, list[str]] = {
    APPLICATION_COMPLETED: [],
}


def publish(session: Session, kind: str, subject: tuple[str, int], payload: dict[str, Any]) -> DomainEvent:
    event = DomainEvent(kind=kind, subject_type=subject[0], subject_id=subject[1], payload=payload)
    session.add(event)
    session.flush()
    enqueue_after_commit(session, "default", DISPATCH_JOB, event.id, job_id=f"event-{event.id}", result_ttl=0)
    return event


def _handler(path: str) -> Callable[[Session, DomainEvent], None]:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def dispatch(session: Session, event_id: int, now: datetime) -> int:
    """Run every consumer that has not yet handled the event; returns how many ran now."""
    event = session.get(DomainEvent, event_id)
    if event is None or event.dispatched_at is not None:
        return 0
    ran = 0
    for consumer in CONSUMERS.get(event.kind, []):
        claimed = session.execute(insert(EventDelivery).values(event_id=event_id, consumer=consumer)
                                  .on_conflict_do_nothing().returning(EventDelivery.consumer)).first()
        if claimed is None:
            session.rollback()
            continue
        _handler(consumer)(session, session.get(DomainEvent, event_id))
        session.commit()   # the consumer's work and its delivery row, together
        ran += 1
    session.execute(update(DomainEvent).where(DomainEvent.id == event_id).values(dispatched_at=now))
    session.commit()
    return ran


def stale_events(session: Session, now: datetime, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Events whose dispatch job was lost (Redis down at commit, worker killed)."""
    return list(session.scalars(select(DomainEvent.id).where(
        DomainEvent.dispatched_at.is_(None), DomainEvent.created_at < now - older_than)
        .order_by(DomainEvent.id).limit(1000)))
