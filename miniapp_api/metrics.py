"""Prometheus metrics at /metrics, read from PostgreSQL and Redis at scrape time.

Counting from the outbox table rather than in-process counters keeps the figures
right across any number of web and worker processes. Expose /metrics on the
internal network only (the ingress should not route it).
"""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from redis.exceptions import RedisError

from miniapp_api.notifications.delivery import stats
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import QUEUE_NAMES, redis_store
from miniapp_api.platform.rate_limits import storage_failures

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry()
    notifications = Gauge("banshi_notifications", "Notifications by kind and push status", ["kind", "status"],
                          registry=registry)
    for kind, status, count in stats(db.session):
        notifications.labels(kind, status).set(count)
    queued = Gauge("banshi_queue_jobs", "Jobs waiting per RQ queue", ["queue"], registry=registry)
    redis_up = Gauge("banshi_redis_up", "Whether Redis answered this scrape", registry=registry)
    try:
        for name in QUEUE_NAMES:
            queued.labels(name).set(redis_store.queue(name).count)
        redis_up.set(1)
    except RedisError:
        redis_up.set(0)
    Gauge("banshi_rate_limit_storage_failures", "Rate-limit storage failures seen by this process (limits then "
          "held in memory)", registry=registry).set(storage_failures())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
