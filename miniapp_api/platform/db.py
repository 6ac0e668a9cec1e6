"""The database: declarative base with the naming convention, the engine and the thread-scoped session,
and the column types every domain's models share.

One transaction per request or job: the unit of work (`platform.unit_of_work`) commits it once at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, Engine, Identity, MetaData, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, scoped_session, sessionmaker

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
        # hide_parameters: an error (and the crash log that prints it) never carries the values bound to SQL.
        self.engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True)
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


db = Database()
