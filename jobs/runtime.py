"""One Flask app per worker process, shared by the forked job processes.

RQ forks a work horse per job; a forked child must not reuse the parent's
database connections, so the pool is disposed (without closing the parent's
sockets) the first time a new process runs a job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask

from miniapp_api import create_app
from miniapp_api.platform.db import db
from miniapp_api.platform.unit_of_work import transaction

P = ParamSpec("P")
R = TypeVar("R")

_app: Flask | None = None
_pid: int | None = None


def job_app() -> Flask:
    global _app, _pid
    if _app is None:
        _app, _pid = create_app(), os.getpid()
    elif _pid != os.getpid():
        assert db.engine is not None
        db.engine.dispose(close=False)
        _pid = os.getpid()
    return _app


def in_app_context(func: Callable[P, R]) -> Callable[P, R]:
    """Run a job inside the app context as one unit of work: its session commits once when the job returns
    and rolls back if it raises (a job working in chunks commits each with `in_chunks`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with job_app().app_context():
            try:
                with transaction(db.session):
                    return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def in_chunks(work: Callable[[], R], *, more: Callable[[R], bool] = bool, limit: int | None = None) -> Iterator[R]:
    """The one way a job works through more rows than one transaction should hold (a sweep, a batch's members,
    a backlog): `work()` does one chunk on `db.session` and returns what it did; each call is its own transaction
    on the job's session (committed when it returns, rolled back if it raises), and its result is yielded after
    that commit, so what may only follow a commit (jobs to Redis, deleting blobs) is done in the loop's body.
    Another chunk follows while `more(result)` holds (by default: the result is not empty or zero), at most
    `limit` chunks. It runs inside a job's app context:

        @in_app_context
        def send_due_invitations() -> int:
            return sum(in_chunks(lambda: services.send_due(db.session, utcnow()), more=lambda sent: sent >= 500))
    """
    done = 0
    while True:
        with transaction(db.session):
            result = work()
        yield result
        done += 1
        if not more(result) or (limit is not None and done >= limit):
            return
