"""Public answers that thousands of phones poll at once (the slots page when a hall releases its day at
08:00): each process keeps the answer for a few seconds, so a repeat poll is a dictionary lookup instead of
three queries, and marks it with an ETag, so an unchanged answer goes back as a bodiless 304.

Only for public views whose answer may be that stale (never a citizen's own data): they are also the views
a replica may serve (`unit_of_work.stale_read`). PUBLIC_CACHE_SECONDS sets the time (0: off).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app, request

MAX_ENTRIES = 20_000   # centres × items × days a hall shows; past it the oldest go first


class PublicCache:
    def __init__(self, seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._entries: TTLCache | None = TTLCache(MAX_ENTRIES, seconds, timer=timer) if seconds > 0 else None
        self._lock = threading.Lock()

    def answer(self, key: str, compute: Callable[[], Any]) -> Any:
        if self._entries is None:
            return compute()
        with self._lock:
            found = self._entries.get(key)
        if found is not None:
            return found
        answer = compute()   # outside the lock: two threads may both compute one key, never block each other
        with self._lock:
            self._entries[key] = answer
        return answer


def public_cached(view):
    """Keep this public GET view's answer per path and query (see the module doc); errors are not kept."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return current_app.extensions["banshi.public_cache"].answer(request.full_path,
                                                                    lambda: view(*args, **kwargs))

    wrapper.public_cached = True
    return wrapper


def init_public_cache(app: Flask, seconds: float) -> None:
    app.extensions["banshi.public_cache"] = PublicCache(seconds)

    @app.after_request
    def _etag(response):
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "public_cached", False) and request.method == "GET" and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = int(seconds)
            response.add_etag()
            response.make_conditional(request)
        return response
