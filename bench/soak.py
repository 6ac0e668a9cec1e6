"""Fault-injection soak: bookings, feedback and reminder fan-out together, with the rate limits on (the
clients come through one proxy, PROXY_HOPS=1, each with its own address), while the harness SIGKILLs a
web worker (gunicorn's or granian's, BENCH_SERVER) and an RQ worker, pauses Redis (hung, not dead), kills Redis and restarts it empty, makes
PostgreSQL refuse connections for a few seconds, and the WeChat emulator answers with errors, 5xx and
after 6 s (past the client's 5 s timeout). Afterwards the invariants are read from the database, Redis
and the emulator's inbox:

- every acknowledged booking (201) is in the database; no slot over capacity, and every slot's `booked`
  equals its active appointments;
- every due notification is sent exactly once, or explained (`failed` with a reason, `unknown`, and of the
  unknown ones, how many really reached WeChat);
- nothing left pending or sending, no jobs left queued or stuck in a started registry;
- the web process answers /readyz 200 and books again, without having been restarted;
- the waitlist (bench/waitlist_soak.py) kept its seats straight while holders cancelled and people in line
  confirmed or declined through the faults.

It reports requests, answers by status and the worst latency per load.
Usage: bench/soak.py [--seconds 60] [--reminders 20000] [--redis-pause 10]; exits non-zero when an
invariant fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import requests  # noqa: E402

from bench import booking, reminders, waitlist_soak  # noqa: E402
from bench.harness import ROOT, emit, environment_for_bench, free_port, gunicorn, load, worker_pids  # noqa: E402

FAULTS = ({"api": "subscribe_send", "errcode": -1, "rate": 0.1}, {"api": "subscribe_send", "errcode": 45009,
          "rate": 0.03}, {"api": "subscribe_send", "http_status": 502, "rate": 0.03},
          {"api": "subscribe_send", "latency_ms": 6000, "rate": 0.01},     # answers after the 5 s timeout
          {"api": "subscribe_send", "latency_ms": 80, "rate": 0.1},
          {"api": "msg_sec_check", "latency_ms": 6000, "rate": 0.05}, {"api": "msg_sec_check", "http_status": 503,
                                                                       "rate": 0.05})
FEEDBACK_CITIZENS = range(50_001, 59_000)   # bench citizens the booking load does not use


def through_proxy(request_for):
    """Each client behind the proxy with an address of its own (X-Forwarded-For, PROXY_HOPS=1)."""
    def wrapped(client: int, n: int):
        method, path, headers, body = request_for(client, n)
        return method, path, {**headers, "X-Forwarded-For": f"10.9.{client // 250}.{client % 250 + 1}"}, body
    return wrapped


def feedback_requests(centre_id: int):
    def request_for(client: int, n: int):
        citizen = FEEDBACK_CITIZENS[(client * 997 + n) % len(FEEDBACK_CITIZENS)]
        body = json.dumps({"kind": "suggestion", "text": f"建议增加周末延时服务（{client}-{n}）",
                           "centre_id": centre_id}, ensure_ascii=False).encode()
        return ("POST", "/api/v1/feedback", {"Authorization": f"Bearer bs_bench{citizen}",
                                             "Content-Type": "application/json"}, body)
    return request_for


def kill_a_web_worker(port: int) -> int:
    """SIGKILL one worker of the server on `port` (gunicorn or granian); its master starts another."""
    worker = worker_pids(port)[0]
    os.kill(worker, signal.SIGKILL)
    return worker


def refuse_connections(admin_url: str, database: str, seconds: float) -> None:
    """PostgreSQL says no: new connections refused, existing ones cut, for `seconds`."""
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
        time.sleep(seconds)
        connection.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')


def invariants(database_url: str) -> dict:
    with psycopg.connect(database_url) as connection:
        over = connection.execute("SELECT count(*) FROM slot WHERE booked > capacity").fetchone()[0]
        # A seat is taken by a live booking or held for someone on the waitlist, and by nothing else.
        drift = connection.execute("""
            SELECT count(*) FROM slot s WHERE s.booked <> (
              SELECT count(*) FROM appointment_slot x JOIN appointment a ON a.id = x.appointment_id
               WHERE x.slot_id = s.id AND a.status IN ('booked', 'checked_in', 'serving', 'served')) + (
              SELECT count(*) FROM waitlist_offer o WHERE o.slot_id = s.id AND o.status = 'held')""").fetchone()[0]
        statuses = Counter(dict(connection.execute(
            "SELECT status, count(*) FROM notification GROUP BY status").fetchall()))
        # Reminders of the appointments booked during the soak fall due tomorrow: pending, and not late.
        due_pending = connection.execute("SELECT count(*) FROM notification WHERE status = 'pending' "
                                         "AND deliver_after <= now()").fetchone()[0]
        unexplained = connection.execute("SELECT count(*) FROM notification WHERE status = 'failed' "
                                          "AND coalesce(status_reason, '') = ''").fetchone()[0]
        booked = connection.execute("SELECT count(*) FROM appointment WHERE status = 'booked'").fetchone()[0]
    return {"slots_over_capacity": over, "slots_with_drift": drift, "notification_statuses": dict(statuses),
            "due_but_pending": due_pending,
            "failed_without_reason": unexplained, "appointments_booked": booked}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reminders", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pg-outage", type=float, default=3)
    parser.add_argument("--redis-pause", type=float, default=10)
    args = parser.parse_args()

    from tests.conftest import recreate_database
    from tests.servers import find_servers

    scratch = Path(tempfile.mkdtemp(prefix="banshi-soak-"))
    servers = find_servers(ci=False, scratch=scratch)
    redis_port = free_port()
    redis_server = reminders.start_redis(redis_port, scratch)
    database = "banshi_bench_soak"
    database_url = recreate_database(servers.admin_postgres_url, database)
    env = environment_for_bench(database_url, f"redis://127.0.0.1:{redis_port}/0")
    env.update(RATE_LIMITS="true", PROXY_HOPS="1")    # the limiter stays in the path, as in production
    emulator, emulator_url = reminders.start_emulator(env)
    env["WECHAT_API_BASE"] = emulator_url
    workers: list[subprocess.Popen] = []
    events: list[str] = []
    try:
        reminders.prepare(env, args.reminders, emulator_url)     # first: it writes one reminder per citizen
        setup = booking.prepare(env, datetime.now().astimezone())
        # Booking clients take citizens 1..50,000 between them (feedback has 50,001 on, the check after 59,999 down).
        setup["citizens_per_client"] = (FEEDBACK_CITIZENS.start - 1) // args.clients
        line = waitlist_soak.prepare(env, datetime.now().astimezone())
        for fault in FAULTS:
            requests.post(f"{emulator_url}/emulator/faults", json=fault, timeout=5).raise_for_status()

        def start_worker() -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "worker"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        with gunicorn("miniapp_api:create_app()", env) as port:
            reminders.enqueue_due(env, stale_seconds=300)
            workers = [start_worker() for _ in range(2)]
            load_result: dict = {}
            feedback_result: dict = {}
            churn_result: dict = {}

            def enqueue_expiry_sweep() -> None:
                from redis import Redis
                from rq import Queue
                Queue("sweeps", connection=Redis(port=redis_port, socket_timeout=2, socket_connect_timeout=2)
                      ).enqueue(waitlist_soak.EXPIRE_JOB)

            churner = threading.Thread(target=lambda: churn_result.update(waitlist_soak.churn(
                port, line, args.seconds, enqueue_expiry_sweep)))
            loader = threading.Thread(target=lambda: load_result.update(load(
                port, through_proxy(booking.booking_requests(setup, args.clients)), clients=args.clients,
                seconds=args.seconds)))
            feedback_loader = threading.Thread(target=lambda: feedback_result.update(load(
                port, through_proxy(feedback_requests(setup["centre"])), clients=2, seconds=args.seconds,
                processes=1)))
            loader.start()
            feedback_loader.start()
            churner.start()
            started = time.monotonic()

            def at(share: float) -> None:
                time.sleep(max(0.0, started + args.seconds * share - time.monotonic()))

            at(0.1)
            kill_a_web_worker(port)
            events.append("web worker SIGKILLed (the master starts another)")
            at(0.2)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            workers[0] = start_worker()
            events.append("worker SIGKILLed and replaced")
            at(0.3)
            os.kill(redis_server.pid, signal.SIGSTOP)
            time.sleep(args.redis_pause)
            os.kill(redis_server.pid, signal.SIGCONT)
            events.append(f"Redis paused (hung) for {args.redis_pause:g} s")
            at(0.45)
            redis_server.kill()
            redis_server.wait()
            redis_server = reminders.start_redis(redis_port, scratch)
            events.append("Redis killed and restarted empty")
            reminders.enqueue_due(env, stale_seconds=0)      # what the every-minute sweep does
            workers = [w if w.poll() is None else start_worker() for w in workers]
            at(0.6)
            refuse_connections(servers.admin_postgres_url, database, args.pg_outage)
            events.append(f"PostgreSQL refused connections for {args.pg_outage:g} s")
            loader.join()
            feedback_loader.join()
            churner.join()
            # Each web process meets its dead pooled connections once (answered 503, its pool is then
            # invalidated): recovery means /readyz and a booking answer normally again, without a restart.
            recovery_started, unready_answers = time.monotonic(), 0
            citizen = 59_999
            while True:
                readyz = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code
                after = requests.post(f"http://127.0.0.1:{port}/api/v1/appointments", timeout=10, json={
                    "slot_id": setup["endpoint_slots"][-1], "item_codes": [setup["item_code"]]},
                    headers={"Authorization": f"Bearer bs_bench{citizen}"}).status_code
                citizen -= 1
                if readyz == 200 and after in (201, 409) or time.monotonic() - recovery_started > 60:
                    break
                unready_answers += (readyz != 200) + (after not in (201, 409))
                time.sleep(0.2)
            recovered_after = round(time.monotonic() - recovery_started, 1)

            requests.delete(f"{emulator_url}/emulator/faults", timeout=5)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:       # the scheduler's sweeps, until everything settles
                with psycopg.connect(database_url) as connection:
                    left = dict(connection.execute(
                        "SELECT status, count(*) FROM notification WHERE status = 'sending' OR status = 'pending' "
                        "AND deliver_after <= now() GROUP BY status").fetchall())
                if not left.get("pending"):
                    break
                reminders.enqueue_due(env, stale_seconds=0)
                workers = [w if w.poll() is None else start_worker() for w in workers]
                time.sleep(2)
            with psycopg.connect(database_url, autocommit=True) as connection:
                # What the 5-minute stuck sweep does after 10 minutes: a claim by a killed worker or a cut
                # connection may have reached WeChat, so it becomes `unknown`, never resent.
                stuck = connection.execute("UPDATE notification SET status = 'unknown', status_reason = "
                                           "'worker_lost_mid_send' WHERE status = 'sending'").rowcount
            from redis import Redis
            from rq import Queue
            from rq.registry import StartedJobRegistry

            connection = Redis(port=redis_port)
            time.sleep(3)
            queued = {name: Queue(name, connection=connection).count for name in ("notify", "default", "sweeps")}
            started_jobs = {name: len(StartedJobRegistry(name, connection=connection).get_job_ids())
                            for name in ("notify", "default", "sweeps")}
        inbox = requests.get(f"{emulator_url}/emulator/inbox", timeout=120).json()
        per_user = Counter(message["touser"] for message in inbox if message["touser"].startswith("o-rem-"))
        checked = invariants(database_url)
        waiting = waitlist_soak.check(database_url, line, churn_result)
        with psycopg.connect(database_url) as connection:
            unknown_users = [row[0] for row in connection.execute(
                "SELECT c.openid FROM notification n JOIN citizen c ON c.id = n.citizen_id "
                "WHERE n.status = 'unknown' AND c.openid LIKE 'o-rem-%'")]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        emulator.terminate()
        redis_server.kill()
        servers.stop()
    statuses = checked["notification_statuses"]
    duplicates = sum(c - 1 for c in per_user.values() if c > 1)
    lost = checked["due_but_pending"] + statuses.get("sending", 0)
    acknowledged = load_result.get("statuses", {}).get("201", 0) + (after == 201)
    lost_bookings = max(0, acknowledged - checked["appointments_booked"])
    unknown = {"rows": len(unknown_users), "reached_wechat": sum(1 for u in unknown_users if per_user[u])}
    answers_5xx = {name: sum(v for k, v in result.get("statuses", {}).items() if k == "error" or k.startswith("5"))
                   for name, result in (("bookings", load_result), ("feedback", feedback_result))}
    ok = (checked["slots_over_capacity"] == 0 and checked["slots_with_drift"] == 0 and duplicates == 0 and lost == 0
          and lost_bookings == 0 and checked["failed_without_reason"] == 0 and readyz == 200
          and after in (201, 409) and not any(queued.values()) and line["booked_out"] and waiting["holds"])
    emit({"figure": "soak", "seconds": args.seconds, "reminders": args.reminders, "faults": list(FAULTS),
          "events": events, "booking_load": load_result, "feedback_load": feedback_result,
          "acknowledged_bookings": acknowledged, "lost_bookings": lost_bookings, "answers_5xx": answers_5xx,
          "unknown_notifications": unknown, **checked, "duplicates": duplicates, "lost": lost,
          "marked_unknown_after_settling": stuck, "queued_jobs_left": queued, "started_registry": started_jobs,
          "readyz_after": readyz, "unready_answers_before_recovery": unready_answers,
          "recovered_after_seconds": recovered_after, "booking_after": after,
          "waitlist": {**waiting, **{k: v for k, v in churn_result.items() if k != "cancels_acknowledged"}},
          "invariants_hold": ok})
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
