"""Domain-event dispatch and its recovery sweep."""

from __future__ import annotations

import structlog

from jobs.enqueue import PendingJob, enqueue_now
from jobs.runtime import in_app_context
from miniapp_api import events
from miniapp_api.clock import utcnow
from miniapp_api.extensions import db

log = structlog.get_logger(__name__)


@in_app_context
def dispatch_event(event_id: int) -> int:
    ran = events.dispatch(db.session, event_id, utcnow())
    log.info("event.dispatched", event_id=event_id, consumers=ran)
    return ran


@in_app_context
def redispatch_stale_events() -> int:
    ids = events.stale_events(db.session, utcnow())
    db.session.rollback()
    for event_id in ids:
        # A new job id per sweep: the EventDelivery rows make a repeat harmless.
        enqueue_now(PendingJob("default", events.DISPATCH_JOB, (event_id,), None, {"result_ttl": 0}))
    return len(ids)
