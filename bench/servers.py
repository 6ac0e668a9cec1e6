"""Figure: the same booking and read loads under each server of bench.harness.SERVERS, to choose one with numbers.

Every server gets the same database (fresh citizens for each booking run), the same wrk load and the same
duration; the bare Flask app under the production server is the reference for the read.
The app's access log is on (as in production) unless --no-access-log.
Usage: bench/servers.py [--seconds N] [--clients N] [--only name,name] [--no-access-log]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import booking  # noqa: E402
from bench.harness import (  # noqa: E402
    SERVER,
    SERVERS,
    bench_database,
    emit,
    environment_for_bench,
    gunicorn,
    wrk_available,
    wrk_load,
)

READ = '  return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer bs_bench" .. (1 + thread_id)})'
HELLO = '  return wrk.format("GET", "/hello")'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--only", default="")
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if not wrk_available():
        sys.exit("wrk is not installed (Debian: wrk)")
    # In the order --only gives (so runs can alternate which server goes first), else SERVERS' order.
    names = [name for name in args.only.split(",") if name in SERVERS] if args.only else list(SERVERS)
    from miniapp_api.platform.clock import utcnow

    per_client = int(args.seconds * 60) + 10
    rows = []
    with bench_database("banshi_bench_servers") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        if args.access_log:     # as production: the app writes its access line (to the server's stdout, here stderr)
            env["ACCESS_LOG"] = "true"
        setup = booking.prepare(env, utcnow(), 10 + len(names) * args.clients * per_client)
        setup["citizens_per_client"] = per_client
        with gunicorn("bench.bare_app:create_bare_app()", env, SERVER) as port:
            wrk_load(port, HELLO, clients=args.clients, seconds=1)
            bare = wrk_load(port, HELLO, clients=args.clients, seconds=args.seconds)
        for index, name in enumerate(names):
            with gunicorn("miniapp_api:create_app()", env, name) as port:
                wrk_load(port, READ, clients=args.clients, seconds=1)
                read = wrk_load(port, READ, clients=args.clients, seconds=args.seconds)
                booked = booking.wrk_booking(port, setup, clients=args.clients, seconds=args.seconds,
                                             first_citizen=10 + index * args.clients * per_client)
            rows.append({"server": name, "command": SERVERS[name],
                         "booking": {**booked, "bookings_per_second": round(booked["statuses"].get("201", 0)
                                                                           / args.seconds, 1)},
                         "read_me": read, "read_ratio_to_bare": round(read["rps"] / bare["rps"], 3)})
    emit({"figure": "servers", "clients": args.clients, "seconds": args.seconds, "access_log": args.access_log,
          "reference": f"bare Flask JSON under {SERVER}", "reference_result": bare, "servers": rows})


if __name__ == "__main__":
    main()
