"""Prometheus metrics at /metrics, read from PostgreSQL and Redis, at most every CACHE_SECONDS per process.

Counting from the outbox table rather than in-process counters keeps the figures right across any number
of web and worker processes; the GROUP BY runs once per CACHE_SECONDS, whatever the scrape rate. With
METRICS_TOKEN set only `Authorization: Bearer <token>` reads it; in production without a token it is closed
(404). Keep it off the public ingress all the same.
"""

from __future__ import annotations

import hmac
import threading
import time

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from redis.exceptions import RedisError

from miniapp_api.notifications.delivery import stats
from miniapp_api.platform.db import db
from miniapp_api.platform.queues import QUEUE_NAMES, redis_store
from miniapp_api.platform.rate_limits import storage_failures

bp = Blueprint("metrics", __name__)


CACHE_SECONDS = 15.0   # METRICS_CACHE_SECONDS in the app's config overrides it
_lock = threading.Lock()


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return bool(current_app.config.get("METRICS_OPEN_WITHOUT_TOKEN"))
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.encode())


@bp.get("/metrics")
def metrics() -> Response:
    if not _allowed():
        abort(404)
    cache: dict[str, tuple[float, bytes]] = current_app.extensions.setdefault("banshi.metrics_cache", {})
    ttl = current_app.config.get("METRICS_CACHE_SECONDS", CACHE_SECONDS)
    with _lock:
        cached = cache.get("body")
        if cached is None or time.monotonic() - cached[0] >= ttl:
            cached = cache["body"] = (time.monotonic(), _render())
    return Response(cached[1], mimetype=CONTENT_TYPE_LATEST)


def _render() -> bytes:
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
    return generate_latest(registry)
