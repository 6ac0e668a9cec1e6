"""Shared resources, created unbound here and bound to an app in create_app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from rq import Queue
from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

QUEUE_NAMES = ("notify", "default", "sweeps")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database:
    """Engine plus a thread-scoped session; one transaction per request or job."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    def init_app(self, app) -> None:
        self.configure(app.config["SQLALCHEMY_URL"])
        app.teardown_appcontext(lambda _exc: self.session.remove())

    def configure(self, url: str) -> None:
        if self.engine is not None and str(self.engine.url) == url:
            return
        if self.engine is not None:
            self.engine.dispose()
        # No pre-ping: it costs a round trip per request (~20 % of a read). After a
        # database restart the first use of a stale connection fails (answered 503)
        # and SQLAlchemy then invalidates the whole pool, so service recovers at once.
        self.engine = create_engine(url, pool_size=10, max_overflow=20)
        self.session.remove()
        self.session_factory.configure(bind=self.engine)

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session with its own connection, for threads and jobs outside the request scope."""
        session = self.session_factory()
        try:
            yield session
        finally:
            session.close()


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


db = Database()
redis_store = RedisHolder()
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", headers_enabled=True)
