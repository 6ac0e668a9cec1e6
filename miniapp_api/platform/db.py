"""The database: declarative base with the naming convention, the engine and the thread-scoped session,
and the column types every domain's models share.

One transaction per request or job: the unit of work (`platform.unit_of_work`) commits it once at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import structlog
from sqlalchemy import BigInteger, DateTime, Engine, Identity, MetaData, create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, scoped_session, sessionmaker

log = structlog.get_logger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


IntPK = Annotated[int, mapped_column(BigInteger, Identity(), primary_key=True)]
# timestamptz: PostgreSQL stores the instant in UTC whatever zone the client sent.
UtcDateTime = Annotated[datetime, mapped_column(DateTime(timezone=True))]
CreatedAt = Annotated[datetime, mapped_column(DateTime(timezone=True), server_default=func.now())]


def one_or_not_found(session, statement, not_found: Exception, *, lock: type | None = None):
    """The one row the caller may see, else `not_found`: another person's record is simply not found.
    With `lock`, that table's row is locked for the rest of the transaction."""
    if lock is not None:
        statement = statement.with_for_update(of=lock)
    row = session.scalars(statement).one_or_none()
    if row is None:
        raise not_found
    return row


def transaction_lock(key: str):
    """The SQL that takes a transaction-scoped advisory lock on a string key: writers that touch one person
    (or one identity) queue behind each other until the holder commits or rolls back. A column, so a hot
    path can take it in a statement it sends anyway."""
    return func.pg_advisory_xact_lock(func.hashtextextended(key, 0))


def lock_for_transaction(session: Session, key: str) -> None:
    session.execute(select(transaction_lock(key)))


# How far behind the primary a streaming replica is, in seconds: nothing when it has replayed all it received;
# else the age of the last transaction it replayed (never any: "very far"). A replica that lost its primary
# has no receive position and so counts as behind since its last replay.
REPLICA_LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"""


class Replica:
    """A read replica, used while it answers and is no further behind than `max_lag` seconds. The check runs
    at most every `check_every` seconds per process (one small query); any failure means "not usable"."""

    def __init__(self, url: str, *, max_lag: float, check_every: float) -> None:
        self.url, self.max_lag, self.check_every = url, max_lag, check_every
        # Autocommit: only single reads go here. Short connect and statement timeouts: a sick replica costs
        # one check, then the primary serves until the next check.
        self.engine = create_engine(url, pool_size=5, max_overflow=10, hide_parameters=True,
                                    isolation_level="AUTOCOMMIT",
                                    connect_args={"connect_timeout": 2, "options": "-c statement_timeout=5000"})
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._usable = False

    def usable(self) -> bool:
        if time.monotonic() - self._checked_at < self.check_every:
            return self._usable
        with self._lock:
            if time.monotonic() - self._checked_at >= self.check_every:
                usable = self._check()
                if usable != self._usable:
                    log.warning("replica.usable" if usable else "replica.left_alone", max_lag=self.max_lag)
                self._usable, self._checked_at = usable, time.monotonic()
            return self._usable

    def _check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                recovering, lag = connection.exec_driver_sql(REPLICA_LAG_SQL).one()
        except SQLAlchemyError as exc:
            log.info("replica.unreachable", error=type(exc).__name__)
            return False
        return bool(recovering) and float(lag) <= self.max_lag


class Database:
    """Engine plus a thread-scoped session; one transaction per request or job."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.replica: Replica | None = None
        self.session_factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    def init_app(self, app) -> None:
        self.configure(app.config["SQLALCHEMY_URL"])
        self.configure_replica(app.config.get("SQLALCHEMY_REPLICA_URL"),
                               max_lag=app.config.get("REPLICA_MAX_LAG_SECONDS", 1.0),
                               check_every=app.config.get("REPLICA_CHECK_SECONDS", 1.0))
        app.teardown_appcontext(lambda _exc: self.session.remove())

    def configure_replica(self, url: str | None, *, max_lag: float = 1.0, check_every: float = 1.0) -> None:
        if self.replica is not None:
            self.replica.engine.dispose()
        self.replica = Replica(url, max_lag=max_lag, check_every=check_every) if url else None

    def on_replica(self, session: Session) -> bool:
        """Whether `session` reads the replica (where nothing can be written)."""
        return self.replica is not None and session.get_bind() is self.replica.engine

    def use_replica(self) -> bool:
        """This thread's session (for the rest of the request) reads the replica, if there is a usable one."""
        if self.replica is None or not self.replica.usable():
            return False
        self._bind_request_session(self.replica.engine)
        return True

    def use_autocommit(self) -> bool:
        """This thread's session (for the rest of the request) runs each statement on its own, with no BEGIN or
        COMMIT; a connection is taken only when the first statement runs. Not when sessions are bound to a
        connection (the tests' rolled-back outer transaction)."""
        if not isinstance(self.session_factory.kw.get("bind"), Engine):
            return False
        self._bind_request_session(self.autocommit_engine)
        return True

    def _bind_request_session(self, engine: Engine) -> None:
        self.session.remove()
        self.session.registry.set(self.session_factory(bind=engine))

    def configure(self, url: str) -> None:
        if self.engine is not None and str(self.engine.url) == url:
            return
        if self.engine is not None:
            self.engine.dispose()
        # No pre-ping: it costs a round trip per request (~20 % of a read). After a
        # database restart the first use of a stale connection fails (answered 503)
        # and SQLAlchemy then invalidates the whole pool, so service recovers at once.
        # hide_parameters: an error (and the crash log that prints it) never carries the values bound to SQL.
        self.engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True)
        # The same pool; each connection it hands out is switched to autocommit and back (read-only views).
        self.autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.session.remove()
        self.session_factory.configure(bind=self.engine)

    def after_fork(self) -> None:
        """In a process forked from one that configured the engines (gunicorn's master with preload_app): their
        pools are forgotten, not closed (the connections, if any, are the parent's sockets), so this process
        opens its own on first use. A session left in the registry is dropped without closing (closing would roll
        back on the parent's connection)."""
        self.session.registry.clear()
        for engine in (self.engine, self.replica.engine if self.replica else None):
            if engine is not None:
                engine.dispose(close=False)

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session with its own connection, for threads and jobs outside the request scope."""
        session = self.session_factory()
        try:
            yield session
        finally:
            session.close()


db = Database()
