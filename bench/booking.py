"""Figure: POST /api/v1/appointments under gunicorn vs pgbench running the same SQL transaction.

Reference (same run): pgbench, 32 clients, the booking's writes as one transaction
(conditional seat UPDATE + appointment, item and slot-link INSERTs), prepared statements.
Subject: the booking endpoint, 32 clients, every request a different real person.
Hot slot: 200 clients on one slot; exactly `capacity` may succeed.
Targets (DESIGN.md §7): >= 25 % of pgbench tps (stretch 40 %), p99 <= 50 ms;
hot slot >= 50 % of the uniform request rate with zero overbooking.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    bench_database,
    emit,
    environment_for_bench,
    gunicorn,
    load,
    lua_string,
    worker_rss_mb,
    wrk_available,
    wrk_load,
)

HOT_CAPACITY = 3

# The reference does exactly the writes a booking does, as separate statements in one transaction: the seat,
# the appointment, its item line, its slot link, and the outbox rows of the confirmation and the two
# reminders. Each transaction's person comes from a sequence, so no two ever collide on the one-active-
# booking-per-person index, whatever the duration.
PGBENCH_SCRIPT = """\\set slot random(:first_slot, :last_slot)
BEGIN;
UPDATE slot SET booked = booked + 1 WHERE id = :slot AND booked < capacity;
INSERT INTO appointment (citizen_id, person_hash, accountable_hash, person_name, centre_id, window_id, service_date, starts_at, ends_at, status)
  SELECT :citizen, h, h, '测试', :centre, :window, '2030-01-01', now(), now() + interval '15 minutes', 'booked'
  FROM (SELECT md5(nextval('bench_person')::text) || md5('p') AS h) person
  RETURNING id AS appt_id, person_hash AS appt_person \\gset
INSERT INTO appointment_item (appointment_id, item_id, person_hash, service_date, active)
  VALUES (:appt_id, :item, :appt_person, '2030-01-01', true);
INSERT INTO appointment_slot (appointment_id, slot_id) VALUES (:appt_id, :slot);
INSERT INTO notification (citizen_id, kind, subject_type, subject_id, cause_marker, dedupe_key, title, body, page, fields, urgent, status, deliver_after, enqueued_at, attempts, deferrals)
  VALUES (:citizen, 'appointment_booked', 'appointment', :appt_id, CAST(:appt_id AS text) || '@1', concat_ws(':', 'appointment', CAST(:appt_id AS text), 'appointment_booked'), '预约成功', '您已预约成功，请按时到场办理。', 'pages/appointments/detail?id=' || CAST(:appt_id AS text), '{"thing1": "测试"}', false, 'pending', now(), now(), 0, 0);
INSERT INTO notification (citizen_id, kind, subject_type, subject_id, cause_marker, dedupe_key, title, body, page, fields, urgent, status, deliver_after, enqueued_at, attempts, deferrals)
  VALUES (:citizen, 'appointment_reminder_day', 'appointment', :appt_id, CAST(:appt_id AS text) || '@1', concat_ws(':', 'appointment', CAST(:appt_id AS text), 'appointment_reminder_day'), '预约提醒', '您明天有一个预约，请按时到场办理。', 'pages/appointments/detail?id=' || CAST(:appt_id AS text), '{"thing1": "测试"}', false, 'pending', now() + interval '1 day', NULL, 0, 0);
INSERT INTO notification (citizen_id, kind, subject_type, subject_id, cause_marker, dedupe_key, title, body, page, fields, urgent, status, deliver_after, enqueued_at, attempts, deferrals)
  VALUES (:citizen, 'appointment_reminder_hour', 'appointment', :appt_id, CAST(:appt_id AS text) || '@1', concat_ws(':', 'appointment', CAST(:appt_id AS text), 'appointment_reminder_hour'), '预约提醒', '您一小时后有一个预约，请按时到场办理。', 'pages/appointments/detail?id=' || CAST(:appt_id AS text), '{"thing1": "测试"}', false, 'pending', now() + interval '2 days', NULL, 0, 0);
END;
"""


def prepare(env: dict[str, str], now: datetime, citizens: int = 60_000) -> dict:
    """A migrated database: one centre with a window for the endpoint, one for pgbench, one hot slot, citizens."""
    import os

    os.environ.update(env)
    from sqlalchemy import select, text

    from config import load_settings
    from miniapp_api.appointments.models import Slot
    from miniapp_api.appointments.slots import sync_slots
    from miniapp_api.centres.models import OpeningPeriod
    from miniapp_api.migrations import upgrade
    from miniapp_api.platform.db import db
    from tests.factories import WEEKDAY_HOURS, CentreFactory, ItemFactory, WindowFactory

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    session = db.session
    def open_every_day(centre) -> None:
        for weekday in range(7):
            for opens, closes in WEEKDAY_HOURS:
                centre.hours.append(OpeningPeriod(weekday=weekday, opens=opens, closes=closes))

    item = ItemFactory(duration_minutes=15)
    # pgbench gets a centre of its own so its slot ids are one contiguous range.
    pgbench_centre = CentreFactory(booking_horizon_days=60)
    open_every_day(pgbench_centre)
    pgbench_window = WindowFactory(centre_id=pgbench_centre.id, counters=100, items=[item])
    centre = CentreFactory(booking_horizon_days=60, max_active_per_person=3, min_notice_minutes=0)
    open_every_day(centre)
    endpoint_window = WindowFactory(centre_id=centre.id, counters=100, items=[item])
    hot_window = WindowFactory(centre_id=centre.id, counters=HOT_CAPACITY, items=[item])
    session.flush()
    for each in (pgbench_centre, centre):
        session.expire(each, ["windows"])
        sync_slots(session, each.id, now)
    tomorrow = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)

    def slot_ids(window) -> list[int]:
        return list(session.scalars(select(Slot.id).where(Slot.window_id == window.id, Slot.starts_at > tomorrow)
                                    .order_by(Slot.id)))

    endpoint_slots, pgbench_slots = slot_ids(endpoint_window), slot_ids(pgbench_window)
    hot_slot = slot_ids(hot_window)[0]
    # Face-verified citizens and bearer tokens bs_bench<n>, made in SQL for speed.
    session.execute(text("""
        INSERT INTO citizen (openid, real_name, id_number_hash, verified_id_hash, verified_at)
        SELECT 'o-bench-' || n, '测试', md5('person' || n) || md5('p' || n), md5('person' || n) || md5('p' || n), now()
        FROM generate_series(1, :count) n"""),
                    {"count": citizens})
    session.execute(text("""
        INSERT INTO auth_session (citizen_id, token_hash, expires_at)
        SELECT c.id, encode(sha256(convert_to('bs_bench' || substr(c.openid, 9), 'UTF8')), 'hex'), now() + interval '1 day'
        FROM citizen c WHERE c.openid LIKE 'o-bench-%'"""))
    first_citizen = session.scalar(text("SELECT min(id) FROM citizen"))
    session.execute(text("CREATE SEQUENCE bench_person"))
    session.commit()
    db.engine.dispose()
    assert pgbench_slots == list(range(pgbench_slots[0], pgbench_slots[-1] + 1)), "pgbench needs contiguous ids"
    return {"centre": pgbench_centre.id, "item_id": item.id, "item_code": item.code, "endpoint_slots": endpoint_slots,
            "pgbench_window": pgbench_window.id, "pgbench_slots": (pgbench_slots[0], pgbench_slots[-1]),
            "hot_slot": hot_slot, "first_citizen": first_citizen}


def run_pgbench(database_url: str, setup: dict, clients: int, seconds: float) -> dict:
    if shutil.which("pgbench") is None:
        return {"tps": None, "error": "pgbench is not installed (Debian: postgresql-client)"}
    script = Path(tempfile.mkdtemp()) / "booking.sql"
    script.write_text(PGBENCH_SCRIPT)
    variables = {"first_slot": setup["pgbench_slots"][0], "last_slot": setup["pgbench_slots"][1],
                 "citizen": setup["first_citizen"], "centre": setup["centre"], "window": setup["pgbench_window"],
                 "item": setup["item_id"]}
    command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(max(1, int(seconds))),
               "-f", str(script), *[f"-D{k}={v}" for k, v in variables.items()], database_url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    tps = float(re.search(r"tps = ([\d.]+)", result.stdout).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    return {"tps": round(tps, 1), "latency_avg_ms": float(latency.group(1)) if latency else None}


def booking_requests(setup: dict, clients: int, first_citizen: int = 1):
    """Each request: a citizen never used before, a random slot of the endpoint's window (Python generator)."""
    per_client = setup["citizens_per_client"]

    def request_for(client: int, n: int):
        citizen = first_citizen + client * per_client + n % per_client
        slot = random.choice(setup["endpoint_slots"])
        body = json.dumps({"slot_id": slot, "item_codes": [setup["item_code"]]}).encode()
        return ("POST", "/api/v1/appointments",
                {"Authorization": f"Bearer bs_bench{citizen}", "Content-Type": "application/json"}, body)

    return request_for


def hot_requests(setup: dict, first_citizen: int):
    return booking_requests({**setup, "endpoint_slots": [setup["hot_slot"]]}, 0, first_citizen)


def wrk_booking(port: int, setup: dict, *, clients: int, seconds: float, first_citizen: int) -> dict:
    """The same requests from wrk: thread t takes citizens first + t * per_thread, one after another."""
    threads = 2
    per_thread = setup["citizens_per_client"] * clients // threads
    preamble = ("slots = {" + ",".join(map(str, setup["endpoint_slots"])) + "}\n"
                f"item = {lua_string(setup['item_code'])}\n"
                f"first_citizen = {first_citizen}\nper_thread = {per_thread}\n")
    request_lua = """
  local citizen = first_citizen + thread_id * per_thread + n % per_thread
  local body = '{"slot_id": ' .. slots[math.random(#slots)] .. ', "item_codes": ["' .. item .. '"]}'
  return wrk.format("POST", "/api/v1/appointments",
                    {["Authorization"] = "Bearer bs_bench" .. citizen, ["Content-Type"] = "application/json"}, body)
"""
    return wrk_load(port, request_lua, clients=clients, seconds=seconds, preamble=preamble, threads=threads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--hot-clients", type=int, default=200)
    args = parser.parse_args()

    import psycopg

    from miniapp_api.platform.clock import utcnow

    # Every request books for a citizen not used before: wrk's clients, then the Python generator's, then
    # the hot slot's each get a range of their own.
    per_client, hot_per_client = int(args.seconds * 60) + 10, int(args.seconds * 30) + 10
    python_first = args.clients * per_client + 1
    hot_first = python_first + args.clients * per_client
    citizens = hot_first + args.hot_clients * hot_per_client
    with bench_database("banshi_bench_booking") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        setup = prepare(env, utcnow(), citizens)
        setup["citizens_per_client"] = per_client
        reference = run_pgbench(database_url, setup, args.clients, args.seconds)
        with gunicorn("miniapp_api:create_app()", env) as port:
            python_uniform = load(port, booking_requests(setup, args.clients, python_first), clients=args.clients,
                                  seconds=args.seconds)
            if wrk_available():
                uniform = wrk_booking(port, setup, clients=args.clients, seconds=args.seconds, first_citizen=1)
                hot = wrk_booking(port, {**setup, "endpoint_slots": [setup["hot_slot"]],
                                         "citizens_per_client": hot_per_client},
                                  clients=args.hot_clients, seconds=args.seconds / 2, first_citizen=hot_first)
            else:
                uniform = python_uniform
                hot = load(port, hot_requests({**setup, "citizens_per_client": hot_per_client}, hot_first),
                           clients=args.hot_clients, seconds=args.seconds / 2)
            web_rss = worker_rss_mb(port)
        with psycopg.connect(database_url) as connection:
            hot_booked, hot_capacity = connection.execute("SELECT booked, capacity FROM slot WHERE id = %s",
                                                          (setup["hot_slot"],)).fetchone()
            hot_rows = connection.execute(
                "SELECT count(*) FROM appointment_slot s JOIN appointment a ON a.id = s.appointment_id "
                "WHERE s.slot_id = %s AND a.status = 'booked'", (setup["hot_slot"],)).fetchone()[0]
            overbooked = connection.execute("SELECT count(*) FROM slot WHERE booked > capacity").fetchone()[0]
    bookings_per_second = uniform["statuses"].get("201", 0) / args.seconds
    ratio = bookings_per_second / reference["tps"] if reference["tps"] else 0.0
    hot_ratio = hot["rps"] / uniform["rps"] if uniform["rps"] else 0.0
    emit({"figure": "booking", "clients": args.clients, "seconds": args.seconds,
          "reference": "pgbench, the same writes (seat, appointment, line, slot link, 3 outbox rows), same clients, prepared statements",
          "reference_result": reference,
          "subject": "POST /api/v1/appointments (gunicorn, bearer auth, policy checks, idempotency-free)",
          "subject_result": uniform, "bookings_per_second": round(bookings_per_second, 1),
          "python_generator_result": python_uniform,
          "python_generator_bookings_per_second": round(python_uniform["statuses"].get("201", 0) / args.seconds, 1),
          "ratio": round(ratio, 3), "target_ratio": 0.25, "stretch_ratio": 0.4,
          "web_worker_rss_mb": web_rss, "web_worker_rss_target_mb": 120,
          "p99_target_ms": 50, "meets_target": ratio >= 0.25 and (uniform["p99_ms"] or 1e9) <= 50,
          "hot_slot": {"clients": args.hot_clients, "result": hot, "capacity": hot_capacity, "booked": hot_booked,
                       "appointments": hot_rows, "ratio_to_uniform_rate": round(hot_ratio, 3),
                       "target_ratio": 0.5, "exactly_capacity": hot_booked == hot_capacity == hot_rows,
                       "slots_over_capacity": overbooked}})


if __name__ == "__main__":
    main()
