"""Slots known to be full: at the 08:00 release thousands of phones ask for the same few seats, and a booking
for a slot known full is answered 409 `slot_full` before its transaction opens.

Only the database decides a seat (the conditional `UPDATE slot … WHERE booked < capacity`); this cache only
remembers that such an UPDATE found the slot full, so it can say "full" only for a slot that was full, never
"free". A mark lives `TTL` seconds in this process and in Redis (other processes learn it from there); a seat
given back (a cancellation, a reschedule, an offer running out, a closure lifted, a capacity raised) clears it
after that transaction commits, here and in Redis, and other processes' own marks run out within `TTL`. Redis is
optional here: when it is away (the breaker of platform/queues.py), the process's own marks are used alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from miniapp_api.platform.queues import redis_store
from miniapp_api.platform.unit_of_work import run_after_commit

TTL = 2.0
MAX_MARKS = 10_000   # per process: the oldest marks go first past this (memory stays bounded)

_marks: dict[int, float] = {}   # slot id → monotonic instant the mark runs out
_freed: dict[int, float] = {}   # slot id → monotonic instant a seat of it last came back (this process)
_lock = threading.Lock()
_attempt = threading.local()    # when this thread's booking began: a refusal seen before a seat came back is stale


def _key(slot_id: int) -> str:
    return f"banshi:full-slot:{slot_id}"


def _redis_usable() -> bool:
    return redis_store.is_configured() and not redis_store.is_away()


def known_full(slot_id: int) -> bool:
    """Whether an UPDATE found the slot full less than TTL ago (here, or in another process)."""
    now = time.monotonic()
    until = _marks.get(slot_id)
    if until is not None:
        if until > now:
            return True
        with _lock:
            _marks.pop(slot_id, None)
    if not _redis_usable():
        return False
    try:
        left = redis_store.client.pttl(_key(slot_id))
    except RedisError:
        redis_store.mark_away()
        return False
    if left is None or left <= 0:
        return False
    _remember(slot_id, now + min(left / 1000, TTL))
    return True


def _remember(slot_id: int, until: float) -> None:
    with _lock:
        if len(_marks) >= MAX_MARKS:
            for stale in sorted(_marks, key=_marks.__getitem__)[: MAX_MARKS // 10]:
                _marks.pop(stale, None)
        _marks[slot_id] = until


def attempt_started() -> None:
    """A booking begins (its UPDATE comes later): what it finds full is news only if no seat came back since."""
    _attempt.started = time.monotonic()


def mark_full(slot_id: int) -> None:
    """A seat UPDATE found the slot full (committed state: the UPDATE waited for any transaction on the row).
    Not remembered when a seat of the slot came back after this booking began: the slot may have room again."""
    started = getattr(_attempt, "started", None)
    if started is None or _freed.get(slot_id, float("-inf")) >= started:
        return
    _remember(slot_id, time.monotonic() + TTL)
    if not _redis_usable():
        return
    try:
        redis_store.client.set(_key(slot_id), b"1", px=int(TTL * 1000))
    except RedisError:
        redis_store.mark_away()


def forget(slot_ids: Iterable[int]) -> None:
    """Seats came back: the slots are bookable again at once (here and for processes that read Redis)."""
    ids = list(slot_ids)
    now = time.monotonic()
    with _lock:
        if len(_freed) >= MAX_MARKS:
            _freed.clear()   # forgetting when seats came back only makes marks less often, never wrong
        for slot_id in ids:
            _marks.pop(slot_id, None)
            _freed[slot_id] = now
    if not ids or not _redis_usable():
        return
    try:
        redis_store.client.delete(*[_key(slot_id) for slot_id in ids])
    except RedisError:
        redis_store.mark_away()


def freed_after_commit(session: Session, slot_ids: Iterable[int]) -> None:
    """Clear the marks of `slot_ids` once the transaction that gives their seats back commits."""
    ids = list(slot_ids)
    if ids:
        run_after_commit(session, forget, ids)


def forget_all() -> None:
    """This process's marks, all of them (between tests, which reuse slot ids; Redis is flushed per test)."""
    with _lock:
        _marks.clear()
        _freed.clear()
