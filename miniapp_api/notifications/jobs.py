"""Notification jobs: send one (by id), enqueue the due ones, retire the stuck ones."""

from __future__ import annotations

import structlog
from flask import current_app
from rq import Queue

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.notifications import delivery
from miniapp_api.notifications.services import SEND_JOB, send_job_id
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import redis_store
from miniapp_api.wechat import gateway

log = structlog.get_logger(__name__)
ENQUEUE_BATCH = 1000
SEND_BATCH = 100  # ids per job from the due sweep: claims, consents and results go to PostgreSQL in bulk
BATCH_JOB = "miniapp_api.notifications.jobs.send_notifications"


def batch_timeout(count: int, per_call_seconds: float) -> int:
    """RQ kills a job at its timeout (default 180 s) and the rows it had claimed turn `unknown` unsent: a batch
    gets time for every send to wait WeChat's full timeout, plus a margin for the database work."""
    return int(count * (per_call_seconds + 1)) + 60


def _send(notification_ids: list[int]) -> dict[str, int]:
    results = delivery.deliver_batch(db.session, gateway(), notification_ids, utcnow(),
                                     sms=current_app.extensions["banshi.sms"]())
    queue = redis_store.queue("notify")
    for notification_id, result in results:
        if result.outcome is delivery.Outcome.RETRY and result.retry_at is not None:
            queue.enqueue_at(result.retry_at, SEND_JOB, notification_id,
                             job_id=send_job_id(notification_id, result.retry_at), result_ttl=0)
    outcomes: dict[str, int] = {}
    for _, result in results:
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    log.info("notification.delivery", ids=len(notification_ids), **outcomes)
    return outcomes


@in_app_context
def send_notification(notification_id: int) -> str:
    """Idempotent: only a `pending` row that is due can be claimed, and only once."""
    outcomes = _send([notification_id])
    return next(iter(outcomes), delivery.Outcome.NOT_CLAIMED.value)


@in_app_context
def send_notifications(notification_ids: list[int]) -> dict[str, int]:
    """A batch from the due sweep; as idempotent as the single send."""
    return _send(notification_ids)


@in_app_context
def enqueue_due_notifications() -> int:
    """Every minute: reminders whose time has come, deferred ones after quiet hours, and any row
    a crash or a Redis outage left behind."""
    total = 0
    queue = redis_store.queue("notify")
    settings = current_app.config["BANSHI_SETTINGS"]
    per_call = max(settings.wechat_timeout_seconds, settings.sms_timeout_seconds)  # a row goes one way or the other
    # One `now` for the whole sweep: rows it enqueues are marked with it, so a later
    # round of the loop can never pick them again.
    now = utcnow()
    # The rows of a chunk are marked (committed) before their jobs go to Redis.
    for ids in in_chunks(lambda: delivery.due_for_enqueue(db.session, now), more=lambda ids: len(ids) >= 5000):
        batches = [ids[i:i + SEND_BATCH] for i in range(0, len(ids), SEND_BATCH)]
        for start in range(0, len(batches), ENQUEUE_BATCH // SEND_BATCH):
            with redis_store.client.pipeline() as pipe:
                queue.enqueue_many([Queue.prepare_data(BATCH_JOB, (batch,), job_id=send_job_id(batch[0], now),
                                                       result_ttl=0, timeout=batch_timeout(len(batch), per_call))
                                    for batch in batches[start:start + ENQUEUE_BATCH // SEND_BATCH]], pipeline=pipe)
                pipe.execute()
        total += len(ids)
    return total


@in_app_context
def mark_stuck_notifications() -> int:
    marked = delivery.mark_stuck_unknown(db.session, utcnow())
    if marked:
        log.warning("notification.unknown", count=marked)
    return marked
