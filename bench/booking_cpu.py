"""Figure: what one booking costs the web process: CPU milliseconds (time.process_time, one thread, Flask's test
client, no HTTP server) and SQL statements and Redis jobs per booking.

A rate on this shared 2-core machine swings with whatever else runs; the CPU a booking spends in its own process
swings far less, so this is the figure to compare before and after a change to the booking path: run it on both
commits (it has no same-run reference of its own; bench/booking.py has the rate against pgbench).

Usage: bench/booking_cpu.py [--count N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.booking import prepare  # noqa: E402
from bench.harness import bench_database, emit, environment_for_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()

    from sqlalchemy import event

    from miniapp_api import create_app
    from miniapp_api.platform.clock import utcnow
    from miniapp_api.platform.db import db
    from miniapp_api.platform.queues import redis_store

    warm = 20
    with bench_database("banshi_bench_booking_cpu") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        setup = prepare(env, utcnow(), args.count + warm + 10)
        assert len(setup["endpoint_slots"]) >= 20
        app = create_app()
        client = app.test_client()
        statements = [0]

        seen: list[str] = []

        def count(_conn, _cursor, statement, *_):
            statements[0] += 1
            seen.append(statement.split()[0] + " " + " ".join(statement.split()[1:6]))

        event.listen(db.engine, "before_cursor_execute", count)
        # One morning's slots (as at the 08:00 release): each process soon holds their catalogue.
        slots = setup["endpoint_slots"][:20]

        def book(n: int) -> None:
            answer = client.post("/api/v1/appointments", json={"slot_id": slots[n % len(slots)],
                                                               "item_codes": [setup["item_code"]]},
                                 headers={"Authorization": f"Bearer bs_bench{n + 1}"})
            assert answer.status_code == 201, answer.get_data(as_text=True)[:300]

        for n in range(warm):
            book(n)
        queued_before = redis_store.queue("notify").count
        statements[0] = 0
        seen.clear()
        book(warm + args.count)   # one booking's statements, for the record
        one = list(seen)
        statements[0] = 0
        started = time.process_time()
        for n in range(warm, warm + args.count):
            book(n)
        cpu = time.process_time() - started
        queued = redis_store.queue("notify").count - queued_before
    emit({"figure": "booking_cpu", "bookings": args.count,
          "cpu_ms_per_booking": round(1000 * cpu / args.count, 2),
          "statements_per_booking": round(statements[0] / args.count, 2),
          "jobs_enqueued_per_booking": round(queued / args.count, 2), "one_booking_statements": one})


if __name__ == "__main__":
    main()
