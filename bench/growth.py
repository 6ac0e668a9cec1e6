"""Figure: what the booking and the reads cost as the data grows.

The same loads (wrk) run twice on one database: first with 10^4 existing appointments (and ten times as many
notifications), then after it has grown to 10^6 appointments and 10^7 notifications. The filler is history:
served appointments in the past and sent messages, as years of use leave them, belonging to other people
(five appointments and fifty messages each), so what the measured citizens themselves own is the same in
both runs and the figure isolates the size of the tables.
Target (issue 19): the large run keeps >= 80 % of the small run's throughput, for each load.
Usage: bench/growth.py [--seconds N] [--large-appointments N] [--large-notifications N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import booking  # noqa: E402
from bench.harness import (  # noqa: E402
    bench_database,
    emit,
    environment_for_bench,
    gunicorn,
    timed_parser,
    wrk_available,
    wrk_load,
)

READS = {
    "me": '  return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer bs_bench" .. (1 + n % readers)})',
    "appointments": '  return wrk.format("GET", "/api/v1/appointments", '
                    '{["Authorization"] = "Bearer bs_bench" .. (1 + n % readers)})',
    "messages": '  return wrk.format("GET", "/api/v1/messages", '
                '{["Authorization"] = "Bearer bs_bench" .. (1 + n % readers)})',
}


def grow(database_url: str, setup: dict, *, appointments: int, notifications: int) -> float:
    """Add history until the tables hold `appointments` and `notifications` rows; returns the seconds it took."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as connection:
        people = connection.execute("SELECT count(*) FROM citizen WHERE openid LIKE 'o-history-%%'").fetchone()[0]
        connection.execute("""
            INSERT INTO citizen (openid, real_name)
            SELECT 'o-history-' || n, '历史' FROM generate_series(CAST(%(start)s AS bigint), CAST(%(stop)s AS bigint)) n""",
            {"start": people + 1, "stop": max(people, appointments // 5)})
        first, citizens = connection.execute(
            "SELECT min(id), count(*) FROM citizen WHERE openid LIKE 'o-history-%%'").fetchone()
        have = connection.execute("SELECT count(*) FROM appointment").fetchone()[0]
        if appointments > have:
            connection.execute("""
                INSERT INTO appointment (citizen_id, person_hash, accountable_hash, person_name, centre_id, window_id,
                                         service_date, starts_at, ends_at, status, created_at)
                SELECT %(first)s + n %% %(citizens)s, md5('history' || n) || md5('h'), md5('history' || n) || md5('h'),
                       '历史', %(centre)s, %(window)s, date '2024-01-01' + CAST(n %% 600 AS integer),
                       timestamptz '2024-01-01 01:00+00' + (n %% 600) * interval '1 day',
                       timestamptz '2024-01-01 01:15+00' + (n %% 600) * interval '1 day', 'served',
                       timestamptz '2023-12-01 00:00+00' + (n %% 600) * interval '1 day'
                FROM generate_series(CAST(%(start)s AS bigint), CAST(%(stop)s AS bigint)) n""",
                {"first": first, "citizens": citizens, "centre": setup["centre"],
                 "window": setup["pgbench_window"], "start": have + 1, "stop": appointments})
        have = connection.execute("SELECT count(*) FROM notification").fetchone()[0]
        step = 1_000_000
        for start in range(have + 1, notifications + 1, step):
            connection.execute("""
                INSERT INTO notification (citizen_id, kind, subject_type, subject_id, title, body, page, fields,
                                          urgent, status, deliver_after, sent_at, read_at, attempts, deferrals)
                SELECT %(first)s + n %% %(citizens)s, 'appointment_reminder_day', 'appointment', n, '预约提醒',
                       '您明天有一个预约，请按时到场办理。', 'pages/appointments/detail?id=' || n, '{}', false, 'sent',
                       timestamptz '2024-01-01 10:00+00' + (n %% 600) * interval '1 day',
                       timestamptz '2024-01-01 10:00+00' + (n %% 600) * interval '1 day',
                       timestamptz '2024-01-02 10:00+00' + (n %% 600) * interval '1 day', 1, 0
                FROM generate_series(CAST(%(start)s AS bigint), CAST(%(stop)s AS bigint)) n""",
                {"first": first, "citizens": citizens, "start": start,
                 "stop": min(notifications, start + step - 1)})
        connection.execute("VACUUM ANALYZE appointment")
        connection.execute("VACUUM ANALYZE notification")
    return round(time.monotonic() - started, 1)


def measure(env: dict[str, str], setup: dict, seconds: float, clients: int, first_citizen: int,
            readers: int) -> dict:
    """The reads rotate over the first `readers` citizens (at most 5,000), then the booking load."""
    preamble = f"readers = {min(readers, 5000)}\n"
    with gunicorn("miniapp_api:create_app()", env) as port:
        reads = {}
        for name, lua in READS.items():
            wrk_load(port, lua, clients=clients, seconds=1, preamble=preamble)
            reads[name] = wrk_load(port, lua, clients=clients, seconds=seconds, preamble=preamble)
        booked = booking.wrk_booking(port, setup, clients=clients, seconds=seconds, first_citizen=first_citizen)
    return {"booking": {**booked, "bookings_per_second": round(booked["statuses"].get("201", 0) / seconds, 1)},
            **reads}


def main() -> None:
    parser = timed_parser(clients=32)
    parser.add_argument("--small-appointments", type=int, default=10_000)
    parser.add_argument("--large-appointments", type=int, default=1_000_000)
    parser.add_argument("--large-notifications", type=int, default=10_000_000)
    args = parser.parse_args()
    if not wrk_available():
        sys.exit("wrk is not installed (Debian: wrk)")
    from miniapp_api.platform.clock import utcnow

    per_client = int(args.seconds * 60) + 10
    citizens = 10 + 2 * args.clients * per_client
    with bench_database("banshi_bench_growth") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        setup = booking.prepare(env, utcnow(), citizens)
        setup["citizens_per_client"] = per_client
        small_fill = grow(database_url, setup, appointments=args.small_appointments,
                          notifications=10 * args.small_appointments)
        small = measure(env, setup, args.seconds, args.clients, first_citizen=10, readers=citizens)
        large_fill = grow(database_url, setup, appointments=args.large_appointments,
                          notifications=args.large_notifications)
        large = measure(env, setup, args.seconds, args.clients, first_citizen=10 + args.clients * per_client,
                        readers=citizens)
    ratios = {"booking": round(large["booking"]["bookings_per_second"] / small["booking"]["bookings_per_second"], 3)}
    ratios.update({name: round(large[name]["rps"] / small[name]["rps"], 3) for name in READS})
    emit({"figure": "growth", "clients": args.clients, "seconds": args.seconds,
          "reference": f"the same loads over {args.small_appointments:,} appointments",
          "subject": f"over {args.large_appointments:,} appointments and {args.large_notifications:,} notifications",
          "fill_seconds": {"small": small_fill, "large": large_fill}, "small": small, "large": large,
          "ratios": ratios, "ratio": min(ratios.values()), "target_ratio": 0.8,
          "meets_target": min(ratios.values()) >= 0.8})


if __name__ == "__main__":
    main()
