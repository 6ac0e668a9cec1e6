"""What a booking reads that hardly ever changes, held per process as values: a slot's window, centre and times,
the centre's booking policy, the window's served items (issue 39 item 2).

The values are the rows' column values (plain dicts, never ORM objects: those belong to one session). A booking
that finds its slot here builds detached instances from them and attaches them to its own session
(`make_transient_to_detached`, no SQL), so the rest of the booking, its answer and its messages read them as
before — two statements fewer on the 08:00 hot path.

Current by construction: each entry carries the `catalogue_version` it was read with (one counter, bumped by
triggers in every transaction that changes a centre, a window, the items a window serves, an item, or a slot's
closure, capacity or times — migration 0032). The booking reads the counter inside the statement it runs anyway
(the person's lock), before it writes anything; if the counter moved, the booking drops the whole cache and reads
its catalogue again in the same transaction. So a change is seen by the next booking in every process, at no
round trip of its own (a version read per request, chosen over LISTEN/NOTIFY: nothing to reconnect, and no
window in which a missed notification leaves a process stale). A `TTL` bounds how long an unused entry stays,
`MAX_ENTRIES` the memory. Correctness of seats stays with the database's conditional UPDATE.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from miniapp_api.appointments.models import Slot
from miniapp_api.centres.models import CatalogueVersion, Centre, ServiceItem, Window, window_item

TTL = 300.0          # seconds an entry may serve (the version check makes it current; this bounds memory use)
MAX_ENTRIES = 20_000  # slots; the oldest go first past this

Values = dict[str, Any]
M = TypeVar("M")


@dataclass(frozen=True)
class Entry:
    version: int
    slot: Values
    window: Values
    centre: Values
    items: dict[str, Values]   # the window's served items by code
    expires: float


_entries: dict[int, Entry] = {}   # slot id → entry
_lock = threading.Lock()


def version_now():
    """The counter as a scalar subquery, for a statement the booking runs anyway (0 when the row is missing)."""
    return func.coalesce(select(CatalogueVersion.version).where(CatalogueVersion.id == 1).scalar_subquery(), 0)


def _values(instance: object) -> Values:
    mapper = inspect(type(instance))
    return {attr.key: getattr(instance, attr.key) for attr in mapper.column_attrs}


def _attach(session: Session, model: type[M], values: Values) -> M:
    """A detached instance of `model` with these column values, in `session` as if loaded (no SQL); the
    session's own instance when it already holds that row."""
    key = session.identity_key(model, values["id"])
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    # JSON values (an item's materials and guide) are copied: a session may change its instance, never the cache.
    instance = model(**{key: copy.deepcopy(value) if isinstance(value, (dict, list)) else value
                        for key, value in values.items()})
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


@dataclass
class Catalogue:
    """A booking's catalogue in its session: the slot, its window and centre, the items asked for, whether the
    window serves them all, and the catalogue version it was read at."""
    slot: Slot
    window: Window
    centre: Centre
    items: list[ServiceItem]
    all_served: bool
    version: int
    fresh: bool = False   # read from the database in this transaction (else from this process's entries)


def cached(session: Session, slot_id: int, codes: list[str], now_monotonic: float | None = None) -> Catalogue | None:
    """The booking's catalogue from this process's entries, or None (not held, out of date by TTL, or an item
    the window does not serve or that does not exist: the fresh read says which)."""
    moment = time.monotonic() if now_monotonic is None else now_monotonic
    entry = _entries.get(slot_id)
    if entry is None or entry.expires <= moment:
        return None
    unique = list(dict.fromkeys(codes))
    if any(code not in entry.items for code in unique):
        return None
    centre = _attach(session, Centre, entry.centre)
    window = _attach(session, Window, entry.window)
    slot = _attach(session, Slot, entry.slot)
    items = [_attach(session, ServiceItem, entry.items[code]) for code in unique]
    return Catalogue(slot, window, centre, items, True, entry.version)


def remember(session: Session, version: int, slot: Slot, window: Window, centre: Centre,
             now_monotonic: float | None = None) -> None:
    """Hold what this booking read fresh, tagged with the version read in the same statement as the slot. The
    window's served items come with one more statement (only on a miss)."""
    served = session.scalars(select(ServiceItem).join(window_item, window_item.c.item_id == ServiceItem.id)
                             .where(window_item.c.window_id == window.id)).all()
    moment = time.monotonic() if now_monotonic is None else now_monotonic
    entry = Entry(version, _values(slot), _values(window), _values(centre),
                  {item.code: _values(item) for item in served}, moment + TTL)
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for old in sorted(_entries, key=lambda key: _entries[key].expires)[:MAX_ENTRIES // 10]:
                _entries.pop(old, None)
        _entries[slot.id] = entry


def forget_all() -> None:
    """Drop every entry (the counter moved; tests between cases)."""
    with _lock:
        _entries.clear()


def size() -> int:
    return len(_entries)
