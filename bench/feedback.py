"""Figures for feedback and ratings.

1. Filing feedback: POST /api/v1/feedback (WeChat content check served by the emulator over HTTP, the row,
   its timeline event and the citizen's outbox message) against a bare Flask endpoint that only parses the
   same JSON, same gunicorn settings, same run. Target: >= 30 %.
2. Statistics over 1,000,000 ratings: GET /api/staff/v1/ratings/stats answered from the daily
   pre-aggregate, against a bare JSON endpoint. Target: >= 50 %.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.harness import (  # noqa: E402
    bench_database,
    compare,
    emit,
    environment_for_bench,
    get,
    post_json,
    timed_parser,
)
from bench.reminders import start_emulator  # noqa: E402

FEEDBACK = {"kind": "suggestion", "text": "建议在午间增加一个综合受理窗口，中午排队的人很多，老人等得很辛苦。",
            "contact_ok": True}
RATINGS = """
INSERT INTO rating (citizen_id, target_type, target_id, round, level, tags, channel, centre_id, window_id,
                        item_id, staff_id, validity, invalidation, created_at)
SELECT :citizen, 'application', i, 0, 1 + (i::bigint * 7919) % 5, '[]', 'miniapp', :centre, NULL, NULL, NULL, 'valid',
       '{}', now() - ((i % 365) || ' days')::interval
  FROM generate_series(1, :count) AS i
"""
AGGREGATE = """
INSERT INTO rating_daily (day, centre_id, window_id, item_id, staff_id, total, good, bad, rectified, level_sum)
SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date, centre_id, coalesce(window_id, 0), coalesce(item_id, 0),
       coalesce(staff_id, 0), count(*), count(*) FILTER (WHERE level >= 3), count(*) FILTER (WHERE level <= 2),
       0, sum(level)
  FROM rating GROUP BY 1, 2, 3, 4, 5
"""


def prepare(env: dict[str, str], clients: int, ratings: int) -> tuple[list[str], str, dict]:
    os.environ.update(env)
    from sqlalchemy import text

    from config import load_settings
    from miniapp_api.centres.models import Centre
    from miniapp_api.citizens.models import AuthSession, Citizen
    from miniapp_api.citizens.services import hash_token
    from miniapp_api.migrations import upgrade
    from miniapp_api.platform.clock import utcnow
    from miniapp_api.platform.db import db
    from miniapp_api.staff.models import StaffSession
    from miniapp_api.staff.services import create_staff

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    tokens, now = [], utcnow()
    with db.new_session() as session:
        centre = Centre(name="聊城经济技术开发区政务服务中心", level="district", region="开发区")
        session.add(centre)
        session.flush()
        for n in range(clients):
            citizen = Citizen(openid=f"o-bench-fb-{n}")
            session.add(citizen)
            session.flush()
            token = f"bs_bench-feedback-{n}"
            session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(token),
                                    expires_at=now + timedelta(days=1)))
            tokens.append(token)
        admin = create_staff(session, username="bench-admin", display_name="管理员", password="bench-password-2026",
                             roles=["admin"], centre_ids=[])
        staff_token = "bss_bench-stats"
        session.add(StaffSession(staff_id=admin.id, token_hash=hash_token(staff_token),
                                 expires_at=now + timedelta(days=1)))
        session.commit()
        started = time.perf_counter()
        session.execute(text(RATINGS), {"citizen": citizen.id, "centre": centre.id, "count": ratings})
        session.execute(text(AGGREGATE))
        session.commit()
        fill_seconds = time.perf_counter() - started
        session.connection().exec_driver_sql("ANALYZE rating_daily")
        session.commit()
        aggregate_rows = session.scalar(text("SELECT count(*) FROM rating_daily"))
        plan = session.scalar(text(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT centre_id, sum(total), sum(good), sum(bad), sum(rectified), "
            "sum(level_sum) FROM rating_daily WHERE centre_id IN (:centre) GROUP BY centre_id"), {"centre": centre.id})
    db.engine.dispose()
    return tokens, staff_token, {"aggregate_rows": aggregate_rows, "fill_seconds": round(fill_seconds, 1),
                                 "plan_ms": plan[0]["Execution Time"], "plan_root": plan[0]["Plan"]["Node Type"]}


def main() -> None:
    parser = timed_parser()
    parser.add_argument("--ratings", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_database("banshi_bench") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        emulator, emulator_url = start_emulator(env)
        try:
            env["WECHAT_API_BASE"] = emulator_url
            tokens, staff_token, aggregate = prepare(env, args.clients, args.ratings)
            requests.post(f"{emulator_url}/emulator/bulk-users", timeout=30, json={
                "openids": [f"o-bench-fb-{n}" for n in range(args.clients)], "templates": []}).raise_for_status()
            filing, parse_only = compare(
                env, post_json("/api/v1/feedback", FEEDBACK,
                               lambda client: {"Authorization": f"Bearer {tokens[client % len(tokens)]}"}),
                post_json("/echo", FEEDBACK), clients=args.clients, seconds=args.seconds)
            statistics, bare = compare(
                env, get("/api/staff/v1/ratings/stats?group_by=month", {"Authorization": f"Bearer {staff_token}"}),
                get("/hello"), clients=args.clients, seconds=args.seconds)
        finally:
            emulator.terminate()
    filing_ratio = filing["rps"] / parse_only["rps"] if parse_only["rps"] else 0.0
    emit({"figure": "feedback_filing", "subject": "POST /api/v1/feedback (content check by the emulator)",
          "reference": "bare Flask endpoint parsing the same JSON", "clients": args.clients,
          "subject_result": filing, "reference_result": parse_only, "ratio": round(filing_ratio, 3),
          "target_ratio": 0.3, "meets_target": filing_ratio >= 0.3})
    stats_ratio = statistics["rps"] / bare["rps"] if bare["rps"] else 0.0
    emit({"figure": "rating_stats", "subject": f"GET /api/staff/v1/ratings/stats?group_by=month over "
                                               f"{args.ratings:,} ratings (daily pre-aggregate)",
          "reference": "bare Flask JSON endpoint", "clients": args.clients, "aggregate": aggregate,
          "subject_result": statistics, "reference_result": bare, "ratio": round(stats_ratio, 3),
          "target_ratio": 0.5, "meets_target": stats_ratio >= 0.5})


if __name__ == "__main__":
    main()
