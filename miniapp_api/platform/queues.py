"""Redis and the RQ queues, created from REDIS_URL in create_app."""

from __future__ import annotations

import redis
from rq import Queue

QUEUE_NAMES = ("notify", "default", "sweeps")


class RedisHolder:
    """The Redis connection and RQ queues, created from REDIS_URL in create_app."""

    def __init__(self) -> None:
        self._client: redis.Redis | None = None
        self._url: str | None = None

    def init_app(self, app) -> None:
        self.configure(app.config["REDIS_URL"])

    def configure(self, url: str) -> None:
        if self._client is not None and self._url == url:
            return
        self._client = redis.Redis.from_url(url, health_check_interval=30)
        self._url = url

    @property
    def client(self) -> redis.Redis:
        assert self._client is not None, "Redis is not configured: call create_app first"
        return self._client

    def queue(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.client)


redis_store = RedisHolder()
