"""The periodic table becomes RQ jobs exactly once per fire time, however many schedulers run."""

import importlib
import secrets
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from rq import Queue

from jobs.schedule import SCHEDULE, Periodic
from jobs.scheduler import latest_fire_time, tick

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHTLY = Periodic("nightly-test", "miniapp_api.citizens.jobs.purge_expired_sessions", "30 3 * * *")


def test_cron_is_read_in_shanghai_time():
    # 03:30 in Shanghai is 19:30 UTC the day before.
    fire = latest_fire_time(NIGHTLY, since=datetime(2026, 11, 22, 19, 0, tzinfo=UTC),
                            now=datetime(2026, 11, 22, 19, 31, tzinfo=UTC), zone=SHANGHAI)
    assert fire == datetime(2026, 11, 22, 19, 30, tzinfo=UTC)
    assert latest_fire_time(NIGHTLY, since=datetime(2026, 11, 22, 19, 31, tzinfo=UTC),
                            now=datetime(2026, 11, 22, 19, 40, tzinfo=UTC), zone=SHANGHAI) is None


def test_every_schedule_entry_names_a_real_job():
    for entry in SCHEDULE:
        module, _, name = entry.func.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), entry.func


def test_concurrent_schedulers_enqueue_each_run_once(redis_client):
    now = datetime(2026, 11, 22, 19, 31, tzinfo=UTC)
    results: list[list[str]] = []
    barrier = threading.Barrier(4)

    def run_one() -> None:
        barrier.wait()
        results.append(tick(redis_client, since=now - timedelta(hours=6), now=now, zone=SHANGHAI,
                            schedule=(NIGHTLY,)))

    threads = [threading.Thread(target=run_one) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert Queue("sweeps", connection=redis_client).count == 1
    # A restart that looks back over the same window enqueues nothing new.
    assert tick(redis_client, since=now - timedelta(hours=6), now=now, zone=SHANGHAI, schedule=(NIGHTLY,)) == []


def test_next_day_fires_again(redis_client):
    day_one = datetime(2026, 11, 22, 19, 31, tzinfo=UTC)
    assert len(tick(redis_client, since=day_one - timedelta(minutes=5), now=day_one, zone=SHANGHAI,
                    schedule=(NIGHTLY,))) == 1
    day_two = day_one + timedelta(days=1)
    assert len(tick(redis_client, since=day_two - timedelta(minutes=5), now=day_two, zone=SHANGHAI,
                    schedule=(NIGHTLY,))) == 1
    assert Queue("sweeps", connection=redis_client).count == 2


def test_a_redis_failure_between_claim_and_enqueue_loses_no_run(redis_client):
    """The claim and the job are one transaction: when Redis refuses the enqueue (here a real Redis ACL user
    that may claim but not write jobs), nothing is claimed, and the next tick enqueues the run."""
    now = datetime(2026, 11, 22, 19, 31, tzinfo=UTC)
    user = f"claims-only-{secrets.token_hex(4)}"
    password = secrets.token_hex(16)
    redis_client.acl_setuser(user, enabled=True, passwords=[f"+{password}"], keys=["*"],
                             commands=["+ping", "+watch", "+unwatch", "+exists", "+multi", "+exec", "+discard",
                                       "+set", "+get", "+select", "+sadd"])
    pool_kwargs = redis_client.connection_pool.connection_kwargs
    restricted = redis.Redis(username=user, password=password, **{k: v for k, v in pool_kwargs.items()
                                                                  if k not in ("username", "password")})
    try:
        with pytest.raises(redis.exceptions.RedisError):
            tick(restricted, since=now - timedelta(hours=6), now=now, zone=SHANGHAI, schedule=(NIGHTLY,))
        assert Queue("sweeps", connection=redis_client).count == 0
        assert redis_client.keys("banshi:periodic:*") == []      # not claimed: the run is still to do
        assert len(tick(redis_client, since=now - timedelta(hours=6), now=now, zone=SHANGHAI,
                        schedule=(NIGHTLY,))) == 1
        assert Queue("sweeps", connection=redis_client).count == 1
    finally:
        restricted.close()
        redis_client.acl_deluser(user)
