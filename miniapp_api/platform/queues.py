"""Redis and the RQ queues, created from REDIS_URL in create_app."""

from __future__ import annotations

import time

import redis
from redis.sentinel import Sentinel
from rq import Queue

from config.settings import parse_sentinels

QUEUE_NAMES = ("notify", "default", "sweeps")
# After a Redis call on the request path fails, this process leaves Redis alone for a while (a breaker):
# one slow answer is paid once, not once per call, and the next request after the pause tries again.
AWAY_SECONDS = 5.0


class RedisHolder:
    """The Redis connection and RQ queues, created from REDIS_URL in create_app."""

    def __init__(self) -> None:
        self._client: redis.Redis | None = None
        self._url: str | None = None
        self._sentinel: Sentinel | None = None
        self._master = ""
        self._options: dict = {}   # database number and password from REDIS_URL (Sentinel only)
        self._away_until = 0.0

    def is_away(self) -> bool:
        return time.monotonic() < self._away_until

    def is_configured(self) -> bool:
        """False in a process that never called create_app (a script, a bench's setup): no Redis to ask."""
        return self._client is not None

    def mark_away(self) -> None:
        self._away_until = time.monotonic() + AWAY_SECONDS

    def init_app(self, app) -> None:
        self.configure(app.config["REDIS_URL"], timeout=app.config.get("REDIS_TIMEOUT_SECONDS", 0.5),
                       sentinels=app.config.get("BANSHI_REDIS_SENTINELS"),
                       master=app.config.get("BANSHI_REDIS_MASTER_NAME", ""))

    def configure(self, url: str, *, timeout: float = 0.5, sentinels: str | None = None, master: str = "") -> None:
        """The shared client answers within `timeout` or raises a RedisError (callers go on without Redis).
        With Sentinels, every new connection goes to the master they name at that moment (after a failover
        too); REDIS_URL then only gives the database number and password."""
        key = f"{url}|{sentinels}|{master}"
        if self._client is not None and self._url == key:
            return
        if sentinels:
            options = redis.connection.parse_url(url)
            self._sentinel = Sentinel(parse_sentinels(sentinels), socket_timeout=timeout,
                                      socket_connect_timeout=timeout,
                                      sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": timeout})
            self._master = master
            self._client = self._sentinel.master_for(master, socket_timeout=timeout, socket_connect_timeout=timeout,
                                                     health_check_interval=30, db=options.get("db", 0),
                                                     password=options.get("password"))
            self._options = options
        else:
            self._sentinel = None
            self._client = redis.Redis.from_url(url, health_check_interval=30, socket_timeout=timeout,
                                                socket_connect_timeout=timeout)
        self._url, self._away_until = key, 0.0

    def after_fork(self) -> None:
        """In a forked process: connections are made anew (redis-py also checks the process id on each use;
        this drops the parent's pool explicitly, without closing the parent's sockets)."""
        if self._client is not None:
            self._client.connection_pool.reset()

    def worker_client(self) -> redis.Redis:
        """A client of its own for an RQ worker: RQ raises its read timeout past the blocking dequeue
        (about 7 minutes), which must not reach the shared client the jobs' own code uses."""
        assert self._url is not None, "Redis is not configured: call create_app first"
        if self._sentinel is not None:
            return self._sentinel.master_for(self._master, socket_connect_timeout=5, health_check_interval=30,
                                             db=self._options.get("db", 0), password=self._options.get("password"))
        return redis.Redis.from_url(self._url.split("|")[0], health_check_interval=30, socket_connect_timeout=5)

    @property
    def client(self) -> redis.Redis:
        assert self._client is not None, "Redis is not configured: call create_app first"
        return self._client

    def queue(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.client)


redis_store = RedisHolder()
