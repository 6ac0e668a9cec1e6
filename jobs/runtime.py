"""One Flask app per worker process, shared by the forked job processes.

RQ forks a work horse per job; a forked child must not reuse the parent's
database connections, so the pool is disposed (without closing the parent's
sockets) the first time a new process runs a job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
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
    and rolls back if it raises (a job working in batches commits each batch with `transaction`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with job_app().app_context():
            try:
                with transaction(db.session):
                    return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper
