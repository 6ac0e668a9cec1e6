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
window in which a missed notification leaves a process stale). A refusal decided on cached values is checked
again on a fresh read before it stands, so a relaxed policy is never refused on old values. A `TTL` bounds how
long an entry serves; `MAX_SLOTS` and `MAX_WINDOWS` bound the memory: a window's entry (its centre, its items
without their guides) is shared by all its slots, and expired entries go first when room is needed. Correctness of
seats stays with the database's conditional UPDATE.
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

TTL = 300.0            # seconds an entry may serve (the version check keeps it current; this bounds its life)
MAX_SLOTS = 20_000     # slot entries per process (a few hundred bytes each)
MAX_WINDOWS = 500      # window entries per process (the window, its centre and its items' booking columns)
# An item's columns a booking never reads (its guide is the largest): left out of the cache; an instance that
# needs one after all loads it from the database (make_transient_to_detached marks it expired).
ITEM_COLUMNS_LEFT_OUT = frozenset({"guide", "note", "pinyin_initials", "category", "created_at"})

Values = dict[str, Any]
M = TypeVar("M")


@dataclass(frozen=True)
class SlotEntry:
    version: int
    slot: Values
    window_id: int
    expires: float


@dataclass(frozen=True)
class WindowEntry:
    """Shared by every slot of the window: its values, its centre's, its served items' by code."""
    version: int
    window: Values
    centre: Values
    items: dict[str, Values]
    expires: float


_slots: dict[int, SlotEntry] = {}
_windows: dict[int, WindowEntry] = {}
_lock = threading.Lock()


def version_now():
    """The counter as a scalar subquery, for a statement the booking runs anyway (0 when the row is missing)."""
    return func.coalesce(select(CatalogueVersion.version).where(CatalogueVersion.id == 1).scalar_subquery(), 0)


def _values(instance: object, left_out: frozenset[str] = frozenset()) -> Values:
    mapper = inspect(type(instance))
    return {attr.key: getattr(instance, attr.key) for attr in mapper.column_attrs if attr.key not in left_out}


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
    """The booking's catalogue from this process's entries, or None (not held, past its TTL, read at two versions,
    or an item the window does not serve or that does not exist: the fresh read says which)."""
    moment = time.monotonic() if now_monotonic is None else now_monotonic
    held = _slots.get(slot_id)
    if held is None or held.expires <= moment:
        return None
    window_entry = _windows.get(held.window_id)
    if window_entry is None or window_entry.expires <= moment or window_entry.version != held.version:
        return None
    unique = list(dict.fromkeys(codes))
    if any(code not in window_entry.items for code in unique):
        return None
    centre = _attach(session, Centre, window_entry.centre)
    window = _attach(session, Window, window_entry.window)
    slot = _attach(session, Slot, held.slot)
    items = [_attach(session, ServiceItem, window_entry.items[code]) for code in unique]
    return Catalogue(slot, window, centre, items, True, held.version)


def remember(session: Session, version: int, slot: Slot, window: Window, centre: Centre,
             now_monotonic: float | None = None) -> None:
    """Hold what this booking read fresh, tagged with the version read in the same statement as the slot. The
    window's entry (one more statement: its served items) only when this process does not hold it at `version`."""
    moment = time.monotonic() if now_monotonic is None else now_monotonic
    window_entry = _windows.get(window.id)
    if window_entry is None or window_entry.version != version or window_entry.expires <= moment:
        served = session.scalars(select(ServiceItem).join(window_item, window_item.c.item_id == ServiceItem.id)
                                 .where(window_item.c.window_id == window.id)).all()
        window_entry = WindowEntry(version, _values(window), _values(centre),
                                   {item.code: _values(item, ITEM_COLUMNS_LEFT_OUT) for item in served},
                                   moment + TTL)
        with _lock:
            _make_room(_windows, MAX_WINDOWS, moment)
            _windows[window.id] = window_entry
    with _lock:
        _make_room(_slots, MAX_SLOTS, moment)
        _slots[slot.id] = SlotEntry(version, _values(slot), window.id, moment + TTL)


def _make_room(entries: dict, limit: int, moment: float) -> None:
    """Below `limit` entries: the expired go first, then the tenth that expires soonest (under the lock)."""
    if len(entries) < limit:
        return
    for key in [key for key, entry in entries.items() if entry.expires <= moment]:
        del entries[key]
    if len(entries) >= limit:
        for key in sorted(entries, key=lambda k: entries[k].expires)[:max(1, limit // 10)]:
            del entries[key]


def forget_all() -> None:
    """Drop every entry (the counter moved; tests between cases)."""
    with _lock:
        _slots.clear()
        _windows.clear()


def size() -> int:
    """Slot entries held."""
    return len(_slots)
