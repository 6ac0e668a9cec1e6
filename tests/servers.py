"""Find the PostgreSQL and Redis servers the suite runs against.

Order: the local servers (started with the machine's own commands if they are
down); with CI=true nothing else is acceptable and the run fails; otherwise
the embedded PostgreSQL and Redis start in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from miniapp_api.platform.embedded import EmbeddedServers

LOCAL_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LOCAL_REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_TEST_DB = int(os.environ.get("BANSHI_TEST_REDIS_DB", "9"))

START_REDIS = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


class ServersUnavailable(RuntimeError):
    pass


@dataclass
class TestServers:
    admin_postgres_url: str   # a database we may CREATE DATABASE from
    redis_url: str            # the suite's own Redis database
    embedded: EmbeddedServers | None = None

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def postgres_reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


def _try_start_postgres() -> None:
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       capture_output=True, timeout=60, check=False)


def _try_start_redis() -> None:
    if shutil.which("redis-server") is None:
        return
    for folder in ("/var/lib/redis", "/var/log/redis"):
        Path(folder).mkdir(parents=True, exist_ok=True)
    subprocess.run(START_REDIS, capture_output=True, timeout=30, check=False)


def with_redis_db(url: str, db: int) -> str:
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{db}"


def find_servers(*, ci: bool, scratch: Path, postgres_url: str = LOCAL_POSTGRES,
                 redis_url: str = LOCAL_REDIS) -> TestServers:
    postgres_ok = postgres_reachable(postgres_url)
    if not postgres_ok:
        _try_start_postgres()
        postgres_ok = postgres_reachable(postgres_url)
    redis_ok = redis_reachable(redis_url)
    if not redis_ok:
        _try_start_redis()
        redis_ok = redis_reachable(redis_url)
    if postgres_ok and redis_ok:
        return TestServers(postgres_url, with_redis_db(redis_url, REDIS_TEST_DB))
    if ci:
        missing = [name for name, ok in (("PostgreSQL at " + postgres_url, postgres_ok),
                                         ("Redis at " + redis_url, redis_ok)) if not ok]
        raise ServersUnavailable(f"CI=true and {' and '.join(missing)} cannot be reached or started")
    embedded = EmbeddedServers(scratch / "embedded", database_name="postgres")
    embedded_postgres, embedded_redis = embedded.start()
    return TestServers(
        postgres_url if postgres_ok else embedded_postgres,
        with_redis_db(redis_url, REDIS_TEST_DB) if redis_ok else embedded_redis,
        embedded,
    )
