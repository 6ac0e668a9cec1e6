"""The scheduler process: turns SCHEDULE's cron entries into RQ jobs.

Why not `rq cron`: in RQ 2.12 two cron processes enqueue every run twice. Here
every fire time is claimed with SET NX in Redis first, so any number of
schedulers (or a restart) enqueue each run exactly once; after downtime the
most recent missed run of each entry is enqueued once on start.
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
        if not connection.set(claim_key(entry, fire), now.isoformat(), nx=True, ex=CLAIM_TTL):
            continue
        job_id = f"periodic-{entry.name}-{int(fire.timestamp())}"
        Queue(entry.queue, connection=connection).enqueue(entry.func, job_id=job_id, job_timeout=entry.job_timeout)
        log.info("scheduler.enqueued", entry=entry.name, job_id=job_id, fire_time=fire.isoformat())
        enqueued.append(job_id)
    return enqueued


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
