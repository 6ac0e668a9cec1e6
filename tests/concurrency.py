"""Real concurrency for tests: threads released together, each on its own PostgreSQL connection."""

import os
import threading
from collections.abc import Callable
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from miniapp_api.platform.errors import DomainError

# PostgreSQL allows 100 connections here; 60 at a time leaves room for the app's own pool. When several test runs
# share the server (CI's night-clock and 国密 runs go side by side), each is given its share by
# BANSHI_TEST_MAX_CONNECTIONS (scripts/clock.sh).
MAX_OPEN_CONNECTIONS = int(os.environ.get("BANSHI_TEST_MAX_CONNECTIONS", "60"))


@pytest.fixture
def connections(settings):
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    gate = threading.BoundedSemaphore(MAX_OPEN_CONNECTIONS)

    @contextmanager
    def own_connection():
        with gate, Session(engine, expire_on_commit=False) as session:
            yield session

    yield own_connection
    engine.dispose()


def run_together(count: int, attempt) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = attempt(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def attempt(connections, work: Callable[[Session], object], *,
            refused: Callable[[DomainError], object] = lambda refusal: refusal.code) -> object:
    """One act on its own connection, as one request would run it: committed, it answers what `work` returned;
    refused, it rolls back and answers the refusal's code (or what `refused` takes from it)."""
    with connections() as session:
        try:
            outcome = work(session)
            session.commit()
            return outcome
        except DomainError as refusal:
            session.rollback()
            return refused(refusal)
