"""Figure: the licence expiry sweep over 1,000,000 licences reads only the due rows, through an index.

Reference in the same run: the same due-rows query with index scans disabled (a full
scan of the table). Reported: the plan of the sweep's chunk query, rows it touched,
and the whole sweep's wall time and rate (reminders written + enqueued).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench  # noqa: E402

FILL = """
INSERT INTO licence (licence_type, number, holder_type, holder_name, contact_id_hash, issuing_centre_id,
                     issued_on, expires_on, status, last_reminder_days, next_reminder_on, updated_at)
SELECT '食品经营许可证', 'JY' || i, 'business', '聊城某店' || i, md5(i::text), :centre,
       e - 1825, e, 'valid',
       CASE WHEN e - :today >= 90 THEN NULL WHEN e - :today >= 30 THEN 90 WHEN e - :today >= 7 THEN 30 ELSE 7 END,
       CASE WHEN e - :today >= 90 THEN e - 90 WHEN e - :today >= 30 THEN e - 30
            WHEN e - :today >= 7 THEN e - 7 END,
       now()
  FROM (SELECT i, (:today + ((i % 1825) - 400))::date AS e FROM generate_series(1, :count) AS i) AS s
"""
# Steady state: every earlier stage was sent on its day, so today's due rows are those exactly 90, 30
# or 7 days from expiry. Their contacts have face-verified mini-program accounts.
CITIZENS = """
INSERT INTO citizen (openid, id_number_hash, verified_id_hash, verified_at)
SELECT 'o-bench-' || l.id, l.contact_id_hash, l.contact_id_hash, now() FROM licence l WHERE l.next_reminder_on = :today
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_database("banshi_bench") as (database_url, redis_url):
        os.environ.update(environment_for_bench(database_url, redis_url))
        from sqlalchemy import select, text
        from sqlalchemy.dialects import postgresql

        from config import load_settings
        from miniapp_api.centres.models import Centre
        from miniapp_api.licences.models import Licence
        from miniapp_api.licences.services import SWEEP_CHUNK, SweepReport, sweep_expiry_reminders
        from miniapp_api.migrations import upgrade
        from miniapp_api.platform.clock import local_date, utcnow
        from miniapp_api.platform.db import db
        from miniapp_api.platform.queues import redis_store

        def sweep_all(session, now) -> SweepReport:
            """The whole sweep as its job runs it (licences/jobs.py): a transaction per chunk until one finds
            nothing."""
            report = SweepReport()
            while (chunk := sweep_expiry_reminders(session, now)).handled:
                report.add(chunk)
                session.commit()
            session.commit()
            return report

        settings = load_settings()
        upgrade(settings.sqlalchemy_url)
        db.configure(settings.sqlalchemy_url)
        redis_store.configure(settings.redis_url)
        now = utcnow()
        today = local_date(now)
        with db.new_session() as session:
            centre = Centre(name="聊城经济技术开发区政务服务中心", level="district", region="开发区")
            session.add(centre)
            session.flush()
            started = time.perf_counter()
            session.execute(text(FILL), {"centre": centre.id, "today": today, "count": args.count})
            session.execute(text(CITIZENS), {"today": today})
            session.commit()
            fill_seconds = time.perf_counter() - started
            session.connection().exec_driver_sql("ANALYZE licence")
            session.commit()
            due = session.scalar(text("SELECT count(*) FROM licence WHERE next_reminder_on <= :today"),
                                 {"today": today})
            chunk = (select(Licence.id).where(Licence.next_reminder_on <= today)
                     .order_by(Licence.next_reminder_on, Licence.id).limit(SWEEP_CHUNK)
                     .with_for_update(skip_locked=True))
            sql = str(chunk.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            plan = session.scalar(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"))[0]
            session.rollback()
            count_due = f"SELECT count(*) FROM licence WHERE next_reminder_on <= DATE '{today}'"
            indexed = _timed(session, count_due)
            session.execute(text("SET LOCAL enable_indexscan = off"))
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
            session.execute(text("SET LOCAL enable_indexonlyscan = off"))
            full_scan = _timed(session, count_due)
            session.rollback()

            started = time.perf_counter()
            report = sweep_all(session, now)
            sweep_seconds = time.perf_counter() - started
            again = sweep_all(session, now)
            notifications = session.scalar(text("SELECT count(*) FROM notification WHERE kind = 'licence_expiry'"))
        db.engine.dispose()
    root = plan["Plan"]
    emit({"figure": "licence_sweep", "licences": args.count, "due_today": due, "fill_seconds": round(fill_seconds, 1),
          "chunk_query": sql, "plan_nodes": _nodes(root), "plan_rows_read": _scan_rows(root),
          "chunk_query_ms": plan["Execution Time"], "due_count_indexed_ms": indexed,
          "due_count_full_scan_ms": full_scan,
          "ratio": round(full_scan / indexed, 1) if indexed else None,
          "sweep_seconds": round(sweep_seconds, 2), "reminded": report.reminded, "closed": report.closed,
          "reminders_per_second": round(report.reminded / sweep_seconds, 1) if sweep_seconds else None,
          "second_run_reminded": again.reminded, "notifications": notifications,
          "meets_target": _uses_index(root) and again.reminded == 0 and notifications == due})


def _timed(session, sql: str) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    session.execute(text(sql)).scalar()
    return round((time.perf_counter() - started) * 1000, 2)


def _nodes(node: dict) -> list[str]:
    label = node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
    return [label] + [n for child in node.get("Plans", []) for n in _nodes(child)]


def _scan_rows(node: dict) -> int:
    # Rows the leaf scans produced (a bitmap heap scan re-reports its index scan's rows).
    own = node.get("Actual Rows", 0) if "Scan" in node["Node Type"] and not node.get("Plans") else 0
    return own + sum(_scan_rows(child) for child in node.get("Plans", []))


def _uses_index(node: dict) -> bool:
    return any("ix_licence_next_reminder" in n for n in _nodes(node)) and "Seq Scan" not in json.dumps(_nodes(node))


if __name__ == "__main__":
    main()
