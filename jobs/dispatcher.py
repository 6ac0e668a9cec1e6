"""The outbox dispatcher: a thread of the worker process that turns committed outbox rows into send jobs.

A booking (the 08:00 rush's hot write) enqueues nothing itself: its outbox rows are written unclaimed and the
same statement calls pg_notify, which PostgreSQL delivers only when the booking commits. The dispatcher LISTENs
on that channel and, on each wake-up, runs the due sweep (`enqueue_due_notifications`): it claims every due,
unclaimed row in one statement (FOR UPDATE SKIP LOCKED), commits, and enqueues their send jobs in pipelined
batches. One dispatcher works at a time (a session advisory lock; the others wait for it to go), and the
scheduler's minute sweep runs the same claim, so a wake-up lost while no dispatcher listened costs at most a minute
of delay, and rows claimed but not enqueued (Redis away at that moment, a worker killed between the claim's commit
and the enqueue) go again after the due sweep's five-minute staleness: a delay, never a lost or doubled message
(exactly once comes from the claim and from the send's own claim of the row). TCP keepalives end a half-open
LISTEN connection, and with it the lock, within about a minute. The dispatcher needs a session-level connection:
behind PgBouncer, the workers' DATABASE_URL must reach PostgreSQL directly or a session-mode pool (LISTEN and advisory
locks do not survive transaction pooling).

Why LISTEN/NOTIFY and not an enqueue batched in the web process: measured on this machine (pgbench, 32 clients,
a booking-sized write), a NOTIFY inside the transaction lowers the ceiling from ~8,000 to ~3,400 commits/s
(PostgreSQL serialises the commits of notifying transactions), far above the booking's few hundred a second,
and costs the web process no round trip; an after-commit NOTIFY costs a round trip (~15 % of the bare
write); an enqueue batched in the web process still serialises every job in the web process (~1.2 ms of CPU
a booking, the cost to remove) and loses its buffer with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import structlog

from miniapp_api.notifications.services import OUTBOX_CHANNEL

log = structlog.get_logger(__name__)

# pg_try_advisory_lock key of the one active dispatcher (any constant no other lock uses).
DISPATCHER_LOCK = 0x6F7574626F78   # "outbox"


class Dispatcher(threading.Thread):
    """LISTEN for outbox wake-ups and run `dispatch` once per burst of them (and once on every (re)connect,
    for what was committed while nobody listened)."""

    def __init__(self, database_url: str, dispatch: Callable[[], int], *, wait_seconds: float = 5.0,
                 settle_seconds: float = 0.01, connect_timeout: int = 5) -> None:
        super().__init__(name="outbox-dispatcher", daemon=True)
        self.database_url, self.dispatch = database_url, dispatch
        self.wait_seconds, self.settle_seconds, self.connect_timeout = wait_seconds, settle_seconds, connect_timeout
        self.stopping = threading.Event()
        self.listening = threading.Event()   # holds the lock and LISTENs (tests wait for it)

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._listen()
            except Exception as exc:  # a lost connection, PostgreSQL restarting, Redis away: retry after a pause
                log.warning("dispatcher.error", error=type(exc).__name__)
            finally:
                self.listening.clear()
            self.stopping.wait(self.wait_seconds)

    def _listen(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=self.connect_timeout,
                             keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3) as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (DISPATCHER_LOCK,)).fetchone()[0]:
                return   # another worker's dispatcher is at work; try again after the pause
            conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
            self.listening.set()
            log.info("dispatcher.listening")
            self._run_dispatch()
            while not self.stopping.is_set():
                woken = sum(1 for _ in conn.notifies(timeout=self.wait_seconds, stop_after=1))
                if not woken:
                    continue
                # Let a burst of commits arrive, then drain them all: one claim serves every booking of the burst.
                self.stopping.wait(self.settle_seconds)
                for _ in conn.notifies(timeout=0, stop_after=10_000):
                    pass
                self._run_dispatch()

    def _run_dispatch(self) -> None:
        enqueued = self.dispatch()
        if enqueued:
            log.debug("dispatcher.enqueued", count=enqueued)
