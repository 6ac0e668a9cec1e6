"""Figure: 100,000 completion events → survey invitations scheduled, by 2 RQ worker processes.

Reference in the same run: RQ's raw enqueue rate, 100,000 trivial jobs pipelined in chunks of 1,000
(enqueue_many), on the same Redis. Target: invitations at >= 30 % of that rate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, bench_database, emit, environment_for_bench  # noqa: E402

EVENTS = """
INSERT INTO domain_event (kind, subject_type, subject_id, payload, created_at)
SELECT 'application.completed', 'application', c.id,
       json_build_object('citizen_id', c.id, 'centre_id', :centre, 'item_id', :item), now() - interval '1 hour'
  FROM citizen c
"""


def raw_enqueue_rate(redis_url: str, count: int) -> float:
    from redis import Redis
    from rq import Queue

    queue = Queue("bench-raw", connection=Redis.from_url(redis_url))
    started = time.perf_counter()
    for start in range(0, count, 1000):
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many([Queue.prepare_data("bench.surveys.noop", args=(n,), result_ttl=0)
                                for n in range(start, min(start + 1000, count))], pipeline=pipe)
            pipe.execute()
    rate = count / (time.perf_counter() - started)
    queue.empty()
    return rate


def noop(_n: int) -> None:
    """The reference's job (never run)."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with bench_database("banshi_bench") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        os.environ.update(env)
        from redis import Redis
        from rq import Queue
        from sqlalchemy import text

        from config import load_settings
        from miniapp_api.centres.models import Centre, ServiceItem
        from miniapp_api.migrations import upgrade
        from miniapp_api.platform.db import db
        from miniapp_api.surveys.services import ensure_defaults

        settings = load_settings()
        upgrade(settings.sqlalchemy_url)
        db.configure(settings.sqlalchemy_url)
        Redis.from_url(redis_url).flushdb()
        with db.new_session() as session:
            centre = Centre(name="聊城经济技术开发区政务服务中心", level="district", region="开发区")
            item = ServiceItem(code="FOOD-NEW", name="食品经营许可证（新办）", audience="business")
            session.add_all([centre, item])
            session.flush()
            ensure_defaults(session)
            session.execute(text("INSERT INTO citizen (openid) SELECT 'o-bench-sv-' || n "
                                 "FROM generate_series(1, :count) n"), {"count": args.count})
            session.execute(text(EVENTS), {"centre": centre.id, "item": item.id})
            session.commit()
        reference = raw_enqueue_rate(redis_url, args.count)

        queue = Queue("default", connection=Redis.from_url(redis_url))
        for _ in range(args.workers):
            queue.enqueue("miniapp_api.events_jobs.dispatch_pending_events", 0, 10_000, job_timeout=3600)
        started = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "worker", "--burst"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(args.workers)]
        for worker in workers:
            _, stderr = worker.communicate(timeout=3600)
            assert worker.returncode == 0, stderr[-2000:]
        elapsed = time.perf_counter() - started
        with db.new_session() as session:
            scheduled = session.scalar(text("SELECT count(*) FROM survey_invitation WHERE status = 'scheduled'"))
            undispatched = session.scalar(text("SELECT count(*) FROM domain_event WHERE dispatched_at IS NULL"))
            duplicates = session.scalar(text("SELECT count(*) - count(DISTINCT trigger_key) FROM survey_invitation"))
        db.engine.dispose()
    rate = scheduled / elapsed
    emit({"figure": "survey_invitations", "events": args.count, "workers": args.workers, "scheduled": scheduled,
          "undispatched": undispatched, "duplicates": duplicates, "seconds": round(elapsed, 1),
          "rate": round(rate, 1), "reference": "RQ enqueue_many, pipelined by 1,000",
          "reference_rate": round(reference, 1), "ratio": round(rate / reference, 3), "target_ratio": 0.3,
          "meets_target": rate / reference >= 0.3})


if __name__ == "__main__":
    main()
