"""Figure: 政策快享 matching at a city's scale — 2,728 policy items against 50,000 businesses and 200,000
verified citizens (generated), worked in SKIP LOCKED chunks by two worker processes as in production.

Reference in the same run: a single SQL pass that reads the same facts (every person's and business's fact
row once). Reported: the whole run's time, evaluations (item × subject) per second, matches and in-app
messages written, a second run's new matches (must be 0), and the time from publishing one broad policy to
every eligible citizen's in-app message (target: within 15 minutes at this scale).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench  # noqa: E402

COUNTIES = ["371502", "371521", "371522", "371524", "371525", "371526", "371581", "371503"]
LETTERS = list("ABCDEFGHIJKLMNOPQRS")
SIZES = ["large", "medium", "small", "micro"]
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)      # 10:00 in Shanghai

FILL = [
    """INSERT INTO business (credit_code, name, kind, industry_code, size_class, address, region, registered_on,
                            representative_name, employees)
       SELECT 'B' || lpad(i::text, 17, '0'), '聊城测试企业' || i, CASE WHEN i % 3 = 0 THEN 'individual' ELSE 'enterprise' END,
              (ARRAY['A','B','C','D','E','F','G','H','I','J','K','L','M','N','O','P','Q','R','S'])[1 + i % 19]
                || lpad((i % 9000)::text, 4, '0'),
              (ARRAY['large','medium','small','micro'])[1 + (i / 7) % 4], '聊城市', 
              (ARRAY['371502','371521','371522','371524','371525','371526','371581','371503'])[1 + i % 8],
              DATE '2000-01-01' + (i * 37 % 9600), '测试', i % 300
       FROM generate_series(1, :businesses) AS i""",
    """INSERT INTO citizen (openid, verified_id_hash, verified_at)
       SELECT 'o-bench-' || i, md5('p' || i), now() FROM generate_series(1, :citizens) AS i""",
    """INSERT INTO person_fact (id_hash, birth_date, hukou_region, disability_level, updated_at)
       SELECT md5('p' || i), DATE '1930-01-01' + (i * 97 % 33000),
              (ARRAY['371502','371521','371522','371524','371525','371526','371581','371503'])[1 + (i / 3) % 8],
              CASE WHEN i % 20 = 0 THEN 1 + (i / 20) % 4 END, now()
       FROM generate_series(1, :citizens) AS i""",
    # One business in five has its representative in the app (their messages reach someone).
    """INSERT INTO business_link (business_id, citizen_id, role, source)
       SELECT b.id, c.id, 'representative', 'registry' FROM business b JOIN citizen c ON c.id = b.id * 4
       WHERE b.id % 5 = 0""",
    """INSERT INTO licence (licence_type, number, holder_type, holder_name, credit_code, issuing_centre_id,
                           issued_on, expires_on, status)
       SELECT '食品经营许可证', 'JY' || b.id, 'business', b.name, b.credit_code, :centre, DATE '2024-01-01',
              DATE '2029-01-01', 'valid' FROM business b WHERE b.id % 10 = 0""",
]
REFERENCE = """
SELECT (SELECT count(*) FROM ({person}) p WHERE p.age IS NOT NULL OR p.hukou_region IS NOT NULL),
       (SELECT count(*) FROM ({business}) b WHERE b.registered_months IS NOT NULL)"""


def rule_for(n: int) -> dict:
    """A selective, realistic rule: a county and a 5-year age band (people), or an industry, a size and an
    age of the business (firms), some with a disability, a licence or 'not received this year'."""
    if n % 2 == 0:
        start = 16 + (n // 2) % 70
        conditions = [{"fact": "hukou_region", "op": "in", "value": [COUNTIES[n % 8]]},
                      {"fact": "age", "op": ">=", "value": start}, {"fact": "age", "op": "<=", "value": start + 4}]
        if n % 3 == 0:
            conditions.append({"fact": "disability_level", "op": "<=", "value": 2 + n % 3})
        return {"subject": "person", "all": conditions}
    conditions = [{"fact": "industry_code", "op": "in", "value": [LETTERS[n % 19]]},
                  {"fact": "size_class", "op": "in", "value": [SIZES[n % 4]]},
                  {"fact": "registered_months", "op": ">=", "value": (n * 7) % 120}]
    if n % 4 == 1:
        conditions.append({"fact": "licences", "op": "has", "value": "食品经营许可证"})
    if n % 5 == 0:
        conditions.append({"fact": "received_this_year", "op": "is", "value": False})
    return {"subject": "business", "all": conditions}


def work(env: dict[str, str]) -> int:
    """One worker process: claim chunks until none is left (as miniapp_api.policies.jobs.work_match_tasks)."""
    os.environ.update(env)
    from config import load_settings
    from miniapp_api.platform.db import db
    from miniapp_api.policies import matching

    db.configure(load_settings().sqlalchemy_url)
    done = 0
    with db.new_session() as session:
        while True:
            task = matching.claim_task(session)
            if task is None:
                session.rollback()
                break
            matching.run_task(session, task, NOW)
            session.commit()
            done += 1
    db.engine.dispose()
    return done


def run_workers(env: dict[str, str], processes: int) -> float:
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(work, [env] * processes)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2728)
    parser.add_argument("--businesses", type=int, default=50_000)
    parser.add_argument("--citizens", type=int, default=200_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with bench_database("banshi_bench_policies") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        os.environ.update(env)
        from sqlalchemy import func, select, text

        from config import load_settings
        from miniapp_api.centres.models import Centre
        from miniapp_api.migrations import upgrade
        from miniapp_api.notifications.models import Notification
        from miniapp_api.platform.db import db
        from miniapp_api.policies import matching
        from miniapp_api.policies.models import PolicyDocument, PolicyItem, PolicyMatch, PolicyRule

        settings = load_settings()
        upgrade(settings.sqlalchemy_url)
        db.configure(settings.sqlalchemy_url)
        with db.new_session() as session:
            centre = Centre(name="聊城市政务服务中心", level="city", region="聊城市")
            session.add(centre)
            session.flush()
            started = time.perf_counter()
            for sql in FILL:
                session.execute(text(sql), {"businesses": args.businesses, "citizens": args.citizens,
                                            "centre": centre.id})
            document = PolicyDocument(title="生成的政策文件", department="测试", centre_id=centre.id,
                                      issued_on=date(2026, 1, 1), summary="生成")
            session.add(document)
            session.flush()
            for n in range(args.items):
                rule = rule_for(n)
                item = PolicyItem(document_id=document.id, code=f"GEN-{n}", title=f"生成政策{n}", benefit="补贴",
                                  mode=("exempt", "fast", "info")[n % 3], subject=rule["subject"],
                                  category="企业发展", valid_from=date(2026, 1, 1), valid_until=date(2027, 12, 31),
                                  owner_department="测试", status="draft")
                session.add(item)
                session.flush()
                version = PolicyRule(policy_item_id=item.id, version=1, rule=rule, cases=[], published_at=NOW)
                session.add(version)
                session.flush()
                item.rule_id, item.status, item.published_at = version.id, "published", NOW
            session.commit()
            fill_seconds = time.perf_counter() - started
            for table in ("business", "citizen", "person_fact", "business_link", "licence", "policy_item"):
                session.connection().exec_driver_sql(f"ANALYZE {table}")
            session.commit()

            scope = "true"
            reference_sql = REFERENCE.format(
                person=matching.FACT_ROWS["person"].format(scope=scope),
                business=matching.FACT_ROWS["business"].format(scope=scope))
            started = time.perf_counter()
            session.execute(text(reference_sql), {"today": date(2026, 11, 26)}).one()
            reference_seconds = time.perf_counter() - started

            tasks = matching.plan(session, "night:bench", NOW)
            session.commit()
        match_seconds = run_workers(env, args.processes)
        with db.new_session() as session:
            matches = session.scalar(select(func.count()).select_from(PolicyMatch))
            messages = session.scalar(select(func.count()).select_from(Notification))
            people_items = session.scalar(select(func.count()).select_from(PolicyItem).where(
                PolicyItem.subject == "person"))
            matching.plan(session, "night:bench-again", NOW)
            session.commit()
        again_seconds = run_workers(env, args.processes)
        with db.new_session() as session:
            again = session.scalar(select(func.count()).select_from(PolicyMatch)) - matches

            # Published at 10:00: a broad policy for everyone of 60 and over in the city.
            item = PolicyItem(document_id=session.scalar(select(PolicyDocument.id)), code="GEN-BROAD",
                              title="老年人普惠补贴", benefit="每人200元", mode="exempt", subject="person",
                              category="养老服务", valid_from=date(2026, 1, 1), valid_until=date(2027, 12, 31),
                              owner_department="测试", status="draft")
            session.add(item)
            session.flush()
            rule = PolicyRule(policy_item_id=item.id, version=1, published_at=NOW, cases=[], rule={
                "subject": "person", "all": [{"fact": "age", "op": ">=", "value": 60},
                                             {"fact": "hukou_region", "op": "in", "value": ["3715"]}]})
            session.add(rule)
            session.flush()
            item.rule_id, item.status, item.published_at = rule.id, "published", NOW
            started = time.perf_counter()
            matching.plan(session, f"rule:{rule.id}", NOW, rule_ids=[rule.id])
            session.commit()
        publish_seconds = run_workers(env, args.processes) + (time.perf_counter() - started)
        with db.new_session() as session:
            reached = session.scalar(select(func.count()).select_from(Notification).where(
                Notification.subject_type == "policy_match", Notification.subject_id.in_(
                    select(PolicyMatch.id).where(PolicyMatch.policy_item_id == item.id))))
            eligible = session.scalar(text(
                "SELECT count(*) FROM citizen c JOIN person_fact f ON f.id_hash = c.verified_id_hash "
                "WHERE f.hukou_region LIKE '3715%' AND age(DATE '2026-11-26', f.birth_date) >= interval '60 years'"))
        db.engine.dispose()
    evaluations = people_items * args.citizens + (args.items - people_items) * args.businesses
    emit({"figure": "policy matching", "items": args.items, "businesses": args.businesses,
          "citizens": args.citizens, "processes": args.processes, "fill_seconds": round(fill_seconds, 1),
          "tasks": tasks, "match_seconds": round(match_seconds, 1),
          "evaluations_per_second": round(evaluations / match_seconds), "matches": matches, "messages": messages,
          "reference_single_pass_seconds": round(reference_seconds, 3),
          "ratio": round(match_seconds / reference_seconds, 1),
          "second_run_seconds": round(again_seconds, 1), "second_run_new_matches": again,
          "publish_to_inbox_seconds": round(publish_seconds, 1), "broad_policy_eligible": eligible,
          "broad_policy_messages": reached,
          "meets_target": again == 0 and reached == eligible and publish_seconds < 900})


if __name__ == "__main__":
    main()
