"""Domain events: a publisher writes one row with its change; consumers subscribe at start.

The coupling runs one way: applications publish `application.completed` and know
nothing of ratings or surveys; `miniapp_api.bootstrap` subscribes their consumers
once when the app (web or worker) is built. The dispatch runs the consumers
together with their EventDelivery rows in one transaction, so a consumer handles
an event once even when the job is retried or the recovery sweep enqueues it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.models import DomainEvent, EventDelivery
from miniapp_api.platform.unit_of_work import enqueue_after_commit

log = structlog.get_logger(__name__)

DISPATCH_JOB = "miniapp_api.events_jobs.dispatch_event"  # by name: the platform never imports jobs

# The events domains publish (the names publishers and consumers agree on).
APPLICATION_COMPLETED = "application.completed"
BUNDLE_COMPLETED = "bundle.completed"          # the last child case of a 一件事 completed
APPOINTMENT_SERVED = "appointment.served"
FEEDBACK_CLOSED = "feedback.closed"
RECTIFICATION_FIXED = "rectification.fixed"

Consumer = Callable[[Session, list[DomainEvent]], None]
# event kind → {consumer name → handler}. The name is what EventDelivery records ("module.function"), so
# it must stay stable for a consumer whose events may still be undelivered.
_consumers: dict[str, dict[str, Consumer]] = {}


def consumer_name(handler: Consumer) -> str:
    handler = getattr(handler, "func", handler)   # a consumer wired with the app's services it takes
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(kind: str, handler: Consumer) -> None:
    """`handler(session, events)` receives every event of `kind` once (subscribing twice is a no-op)."""
    _consumers.setdefault(kind, {})[consumer_name(handler)] = handler


def unsubscribe(kind: str, handler: Consumer) -> None:
    _consumers.get(kind, {}).pop(consumer_name(handler), None)


def consumers(kind: str) -> dict[str, Consumer]:
    return dict(_consumers.get(kind, {}))


def publish(session: Session, kind: str, subject: tuple[str, int], payload: dict[str, Any]) -> DomainEvent:
    # The app's clock, not the database's: the recovery sweep compares it with the clock tests move.
    event = DomainEvent(kind=kind, subject_type=subject[0], subject_id=subject[1], payload=payload,
                        created_at=utcnow())
    session.add(event)
    session.flush()
    enqueue_after_commit(session, "default", DISPATCH_JOB, event.id, job_id=f"event-{event.id}", result_ttl=0)
    return event


def dispatch(session: Session, event_ids: list[int], now: datetime) -> int:
    """Hand these events (those still undispatched) to their consumers; returns how many were handled."""
    return _dispatch(session, select(DomainEvent).where(DomainEvent.id.in_(event_ids)), now)


def dispatch_pending(session: Session, now: datetime, older_than: timedelta = timedelta(0),
                     limit: int = 1000) -> int:
    """The oldest undispatched events, up to `limit`: the recovery sweep and the way through a backlog."""
    return _dispatch(session, select(DomainEvent).where(DomainEvent.created_at <= now - older_than)
                     .limit(limit), now)


def _dispatch(session: Session, statement, now: datetime) -> int:
    """In the caller's transaction (the job's unit of work commits it): claim the events (SKIP LOCKED, so parallel dispatchers share a backlog), claim
    their EventDelivery rows (a consumer that already handled an event is not handed it again), run the
    consumers on the batch, mark the events dispatched."""
    events = list(session.scalars(statement.where(DomainEvent.dispatched_at.is_(None))
                                  .order_by(DomainEvent.id).with_for_update(skip_locked=True)))
    if not events:
        return 0
    by_kind: dict[str, list[DomainEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    for kind, batch in by_kind.items():
        for name, handler in consumers(kind).items():
            claimed = set(session.scalars(insert(EventDelivery).values(
                [{"event_id": e.id, "consumer": name} for e in batch])
                .on_conflict_do_nothing().returning(EventDelivery.event_id)))
            todo = [e for e in batch if e.id in claimed]
            if todo:
                handler(session, todo)
    session.execute(update(DomainEvent).where(DomainEvent.id.in_([e.id for e in events])).values(dispatched_at=now))
    return len(events)


def pending_events(session: Session, now: datetime, older_than: timedelta = timedelta(0),
                   limit: int = 1000) -> list[int]:
    """Undispatched events (a lost dispatch job, or a backlog the sweep works through)."""
    return list(session.scalars(select(DomainEvent.id).where(
        DomainEvent.dispatched_at.is_(None), DomainEvent.created_at <= now - older_than)
        .order_by(DomainEvent.id).limit(limit)))
