"""The platform's jobs: domain-event dispatch and its recovery sweep. They stand here, at the app level, because
the platform imports nothing above it (a job imports `jobs.runtime`); the platform's declaration names them."""

from __future__ import annotations

from datetime import timedelta

import structlog

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.platform import events
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def dispatch_event(event_id: int) -> int:
    return events.dispatch(db.session, [event_id], utcnow())


@in_app_context
def dispatch_pending_events(older_than_seconds: float = 300, batches: int = 20) -> int:
    """The recovery sweep (events whose job was lost) and the way through a backlog: batches of 1,000,
    several sweeps in parallel share the work (SKIP LOCKED)."""
    older_than = timedelta(seconds=older_than_seconds)
    # Each batch its own unit of work: parallel sweeps share the backlog.
    handled = sum(in_chunks(lambda: events.dispatch_pending(db.session, utcnow(), older_than), limit=batches))
    log.info("events.dispatched", handled=handled)
    return handled
