"""Notification jobs: send one (by id), enqueue the due ones, retire the stuck ones."""

from __future__ import annotations

import structlog
from rq import Queue

from jobs.runtime import in_app_context
from miniapp_api.clock import utcnow
from miniapp_api.extensions import db, redis_store
from miniapp_api.notifications import delivery
from miniapp_api.notifications.services import SEND_JOB, send_job_id
from miniapp_api.wechat import gateway

log = structlog.get_logger(__name__)
ENQUEUE_BATCH = 1000


@in_app_context
def send_notification(notification_id: int) -> str:
    """Idempotent: only a `pending` row that is due can be claimed, and only once."""
    result = delivery.deliver(db.session, gateway(), notification_id, utcnow())
    if result.outcome is delivery.Outcome.RETRY and result.retry_at is not None:
        redis_store.queue("notify").enqueue_at(result.retry_at, SEND_JOB, notification_id,
                                               job_id=send_job_id(notification_id, result.retry_at), result_ttl=0)
    log.info("notification.delivery", id=notification_id, outcome=result.outcome.value)
    return result.outcome.value


@in_app_context
def enqueue_due_notifications() -> int:
    """Every minute: reminders whose time has come, deferred ones after quiet hours, and any row
    a crash or a Redis outage left behind."""
    total = 0
    queue = redis_store.queue("notify")
    while True:
        now = utcnow()
        ids = delivery.due_for_enqueue(db.session, now)
        db.session.commit()
        for start in range(0, len(ids), ENQUEUE_BATCH):
            with redis_store.client.pipeline() as pipe:
                queue.enqueue_many([Queue.prepare_data(SEND_JOB, (nid,), job_id=send_job_id(nid, now), result_ttl=0)
                                    for nid in ids[start:start + ENQUEUE_BATCH]], pipeline=pipe)
                pipe.execute()
        total += len(ids)
        if len(ids) < 5000:
            return total


@in_app_context
def mark_stuck_notifications() -> int:
    marked = delivery.mark_stuck_unknown(db.session, utcnow())
    db.session.commit()
    if marked:
        log.warning("notification.unknown", count=marked)
    return marked
