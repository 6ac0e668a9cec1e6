"""Figure: reminders fanned out to the WeChat emulator by 2 RQ worker processes, end to end,
beside a bare HTTP loop (2 processes, one keep-alive session each) posting to the same emulator.

Target (DESIGN.md §7): >= 60 % of the bare loop; worker RSS <= 150 MB after the run.
With --soak: one worker is SIGKILLed and Redis is restarted midway; afterwards every
reminder must be sent exactly once or be `unknown` (a send cut off mid-way, never resent).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import requests  # noqa: E402

from bench.harness import ROOT, emit, environment_for_bench, free_port  # noqa: E402

TEMPLATE_KIND = "appointment_reminder_day"


def start_emulator(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "emulator", "--port", str(port)], env=env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/emulator/stats", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("emulator did not start")


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    for _ in range(50):
        try:
            import redis

            redis.Redis(port=port).ping()
            return process
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("redis did not start")


def prepare(env: dict[str, str], count: int, emulator_url: str) -> None:
    os.environ.update(env)
    from sqlalchemy import text

    from config import load_settings
    from miniapp_api.migrations import upgrade
    from miniapp_api.notifications.templates import template_fields, template_for
    from miniapp_api.platform.db import db

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    template = template_for(TEMPLATE_KIND)
    fields = template_fields(TEMPLATE_KIND, {"items": "营业执照（设立登记）", "starts_at": "2026年11月24日 09:00",
                                             "centre": "聊城市政务服务中心", "tip": "请带齐材料提前到场签到"})
    with db.new_session() as session:
        session.execute(text("INSERT INTO citizen (openid) SELECT 'o-rem-' || n FROM generate_series(1, :n) n"),
                        {"n": count})
        session.execute(text("""INSERT INTO subscription_consent (citizen_id, template_id, long_term, one_time_balance,
                                last_result, updated_at)
                                SELECT id, :tid, true, 0, 'accept', now() FROM citizen"""), {"tid": template.template_id})
        # urgent: the figure measures sending, whatever the hour (quiet hours would hold reminders at night)
        session.execute(text("""INSERT INTO notification (citizen_id, kind, title, body, fields, urgent, status,
                                deliver_after, attempts, deferrals)
                                SELECT id, :kind, '明天有预约', '测试', CAST(:fields AS jsonb), true, 'pending',
                                now() - interval '1 minute', 0, 0 FROM citizen"""),
                        {"kind": TEMPLATE_KIND, "fields": __import__("json").dumps(fields, ensure_ascii=False)})
        session.commit()
    openids = [f"o-rem-{n}" for n in range(1, count + 1)]
    for start in range(0, count, 10_000):
        requests.post(f"{emulator_url}/emulator/bulk-users", timeout=60, json={
            "openids": openids[start:start + 10_000], "templates": [{"template_id": template.template_id,
                                                                     "kind": "long_term"}]}).raise_for_status()


def enqueue_due(env: dict[str, str], stale_seconds: float) -> int:
    """One run of the due sweep (what the scheduler does every minute)."""
    code = ("import os,sys; from datetime import timedelta; from jobs.runtime import job_app;"
            "from miniapp_api.platform.db import db; from miniapp_api.platform.queues import redis_store; from miniapp_api.platform.clock import utcnow;"
            "from miniapp_api.notifications import delivery; import miniapp_api.notifications.jobs as j;"
            f"delivery_stale=timedelta(seconds={stale_seconds});"
            "app=job_app(); ctx=app.app_context(); ctx.push();"
            "orig=delivery.due_for_enqueue; delivery.due_for_enqueue=lambda s,n,**k: orig(s,n,stale_after=delivery_stale);"
            "print(j.enqueue_due_notifications.__wrapped__())")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return int(out.stdout.strip().splitlines()[-1])


def outstanding(database_url: str) -> Counter:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return Counter(dict(connection.execute("SELECT status, count(*) FROM notification GROUP BY status").fetchall()))


def bare_loop(emulator_url: str, appid: str, secret: str, template_id: str, seconds: float, processes: int) -> float:
    token = requests.get(f"{emulator_url}/cgi-bin/token", timeout=5, params={
        "grant_type": "client_credential", "appid": appid, "secret": secret}).json()["access_token"]
    context = get_context("fork")
    queue = context.Queue()

    def run(index: int) -> None:
        session, sent, deadline = requests.Session(), 0, time.perf_counter() + seconds
        body = {"template_id": template_id, "data": {"thing1": {"value": "营业执照"}, "time2": {"value": "09:00"},
                                                     "thing3": {"value": "聊城"}, "thing4": {"value": "请带齐材料"}}}
        while time.perf_counter() < deadline:
            body["touser"] = f"o-rem-{index + 1}"
            session.post(f"{emulator_url}/cgi-bin/message/subscribe/send", params={"access_token": token},
                         json=body, timeout=10)
            sent += 1
        queue.put(sent)

    workers = [context.Process(target=run, args=(i,)) for i in range(processes)]
    [w.start() for w in workers]
    total = sum(queue.get() for _ in workers)
    [w.join() for w in workers]
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--soak", action="store_true", help="SIGKILL a worker and restart Redis midway")
    args = parser.parse_args()

    from tests.conftest import recreate_database
    from tests.servers import find_servers

    scratch = Path(tempfile.mkdtemp(prefix="banshi-bench-"))
    servers = find_servers(ci=False, scratch=scratch)
    redis_port = free_port()
    redis_server = start_redis(redis_port, scratch)
    env = environment_for_bench(recreate_database(servers.admin_postgres_url, "banshi_bench_reminders"),
                                f"redis://127.0.0.1:{redis_port}/0")
    emulator, emulator_url = start_emulator(env)
    env["WECHAT_API_BASE"] = emulator_url
    workers: list[subprocess.Popen] = []
    try:
        prepare(env, args.count, emulator_url)
        from miniapp_api.notifications.templates import template_for

        template_id = template_for(TEMPLATE_KIND).template_id
        reference = bare_loop(emulator_url, env["WECHAT_APPID"], env["WECHAT_SECRET"], template_id, 5, args.workers)
        requests.delete(f"{emulator_url}/emulator/inbox", timeout=10)

        started = time.perf_counter()
        enqueue_due(env, stale_seconds=300)

        def start_worker() -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        workers = [start_worker() for _ in range(args.workers)]
        peak_rss, killed, redis_restarted = 0, False, False
        while True:
            counts = outstanding(env["DATABASE_URL"])
            left = counts.get("pending", 0) + counts.get("sending", 0)
            done = args.count - left
            for worker in workers:
                try:
                    peak_rss = max(peak_rss, psutil.Process(worker.pid).memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
            if args.soak and not killed and done > args.count * 0.3:
                workers[0].send_signal(signal.SIGKILL)
                workers[0] = start_worker()
                killed = True
            if args.soak and killed and not redis_restarted and done > args.count * 0.5:
                redis_server.kill()
                redis_server.wait()
                redis_server = start_redis(redis_port, scratch)  # empty: the queued jobs are gone
                redis_restarted = True
                enqueue_due(env, stale_seconds=0)  # the sweep finds what Redis lost
                workers = [w if w.poll() is None else start_worker() for w in workers]
            if left == 0 or counts.get("pending", 0) == 0 and all(w.poll() is not None for w in workers):
                if counts.get("sending", 0) and args.soak:
                    # the killed worker's claimed row: the stuck sweep would mark it unknown after 10 minutes
                    import psycopg

                    with psycopg.connect(env["DATABASE_URL"]) as connection:
                        connection.execute("UPDATE notification SET status = 'unknown', "
                                           "status_reason = 'worker_lost_mid_send' WHERE status = 'sending'")
                    continue
                if counts.get("pending", 0) and all(w.poll() is not None for w in workers):
                    enqueue_due(env, stale_seconds=0)
                    workers = [start_worker() for _ in range(args.workers)]
                    continue
                break
            if all(w.poll() is not None for w in workers) and left:
                enqueue_due(env, stale_seconds=0)
                workers = [start_worker() for _ in range(args.workers)]
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        inbox = requests.get(f"{emulator_url}/emulator/inbox", timeout=120).json()
        per_user = Counter(message["touser"] for message in inbox)
        final = outstanding(env["DATABASE_URL"])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        emulator.terminate()
        redis_server.kill()
        servers.stop()
    rate = final.get("sent", 0) / elapsed
    emit({"figure": "reminders_soak" if args.soak else "reminders", "count": args.count, "workers": args.workers,
          "reference": "bare HTTP loop posting subscribe/send to the same emulator, same process count",
          "reference_rate": round(reference, 1), "messages_per_second": round(rate, 1),
          "ratio": round(rate / reference, 3) if reference else None, "target_ratio": 0.6,
          "seconds": round(elapsed, 1), "statuses": dict(final), "delivered": len(inbox),
          "duplicates": sum(c - 1 for c in per_user.values() if c > 1),
          "lost": args.count - final.get("sent", 0) - final.get("unknown", 0) - final.get("failed", 0),
          "unknown_explained": "a worker SIGKILLed mid-send; never resent" if final.get("unknown") else None,
          "worker_peak_rss_mb": round(peak_rss / 2**20, 1), "rss_target_mb": 150})


if __name__ == "__main__":
    main()
