"""The scheduler process: turns SCHEDULE's cron entries into RQ jobs.

Why not `rq cron`: in RQ 2.12 two cron processes enqueue every run twice. Here
every fire time is claimed in Redis in the same MULTI/EXEC transaction that
enqueues its job (WATCH on the claim key): a run is claimed exactly when it is
enqueued, so any number of schedulers (or a restart) enqueue each run exactly
once, and a Redis failure between the two cannot leave a claimed run that never
ran. After downtime the most recent missed run of each entry is enqueued once.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis
import structlog
from croniter import croniter
from rq import Queue

from jobs.schedule import SCHEDULE, Periodic
from miniapp_api.platform.clock import utcnow

log = structlog.get_logger(__name__)
CLAIM_TTL = timedelta(days=2)
CATCH_UP = timedelta(hours=6)


def latest_fire_time(entry: Periodic, since: datetime, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The last time in (since, now] the entry's cron fires, if any."""
    fire = croniter(entry.cron, now.astimezone(zone)).get_prev(datetime)
    if fire.tzinfo is None:
        fire = fire.replace(tzinfo=zone)
    return fire if since < fire <= now else None


def claim_key(entry: Periodic, fire: datetime) -> str:
    return f"banshi:periodic:{entry.name}:{int(fire.timestamp())}"


def tick(connection: redis.Redis, *, since: datetime, now: datetime, zone: ZoneInfo,
         schedule: tuple[Periodic, ...] = SCHEDULE) -> list[str]:
    """Enqueue every entry due in (since, now] not yet claimed; return the job ids enqueued."""
    enqueued = []
    for entry in schedule:
        fire = latest_fire_time(entry, since, now, zone)
        if fire is None:
            continue
        job_id = _claim_and_enqueue(connection, entry, fire, now)
        if job_id is not None:
            log.info("scheduler.enqueued", entry=entry.name, job_id=job_id, fire_time=fire.isoformat())
            enqueued.append(job_id)
    return enqueued


def _claim_and_enqueue(connection: redis.Redis, entry: Periodic, fire: datetime, now: datetime) -> str | None:
    """Claim and enqueue in one transaction: both are written, or neither (then the next tick tries again)."""
    key, job_id = claim_key(entry, fire), f"periodic-{entry.name}-{int(fire.timestamp())}"
    queue = Queue(entry.queue, connection=connection)
    with connection.pipeline() as pipe:
        try:
            pipe.watch(key)
            if pipe.exists(key):
                return None
            pipe.multi()
            pipe.set(key, now.isoformat(), ex=CLAIM_TTL)
            queue.enqueue_many([Queue.prepare_data(entry.func, job_id=job_id, timeout=entry.job_timeout)],
                               pipeline=pipe)
            pipe.execute()
        except redis.exceptions.WatchError:
            return None   # another scheduler claimed this run between our WATCH and EXEC
    return job_id


def run_scheduler(connection: redis.Redis, zone: ZoneInfo, stop: threading.Event, poll_seconds: float = 1.0) -> None:
    since = utcnow() - CATCH_UP
    log.info("scheduler.started", entries=[e.name for e in SCHEDULE])
    while not stop.is_set():
        now = utcnow()
        try:
            tick(connection, since=since, now=now, zone=zone)
            since = now
        except redis.exceptions.RedisError as exc:
            log.warning("scheduler.redis_unavailable", error=type(exc).__name__)
        stop.wait(poll_seconds)
