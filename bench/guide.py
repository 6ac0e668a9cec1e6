"""Figure: 智能导服 search — hit rates on the evaluation set and the in-process latency, at the reports' size
(2,100 Q&A, 300 scenarios) and at 100,000 entries.

The demo guidance (204 Q&A, 9 scenarios) is topped up with generated entries and scenarios (realistic wording:
subjects × places × ways of asking) to the size measured. Each pass asks every question of bench/guide_eval.yaml
(three passes, after one warm-up), timing `guidance.search.search` in this process on the real PostgreSQL.
Reference in the same run: a primary-key lookup of one entry, timed the same way.
Targets (issue 20): top-3 >= 90 %, top-1 >= 75 % (the demo guidance); p95 <= 50 ms at 2,100 entries and <= 100 ms
at 100,000.
Usage: bench/guide.py [--size N] [--large N]   (300 scenarios at the reports' 2,100 entries: size // 7)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench  # noqa: E402

EVAL = yaml.safe_load((Path(__file__).resolve().parent / "guide_eval.yaml").read_text(encoding="utf-8"))


def p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[-1], 2)


def measure(session, entries: int, target_ms: float) -> dict:
    from sqlalchemy import select

    from miniapp_api.guidance.models import GuideEntry
    from miniapp_api.guidance.search import search

    questions = EVAL["questions"]
    first = within_three = 0
    timings: list[float] = []
    for run in range(4):
        for question, expected in questions:
            started = time.perf_counter()
            hits = search(session, question).hits
            elapsed = (time.perf_counter() - started) * 1000
            if run == 0:
                found = [f"{h.kind}:{h.ref}" for h in hits]
                first += bool(found[:1] and found[0] in expected)
                within_three += bool(set(found[:3]) & set(expected))
            else:
                timings.append(elapsed)
    ids = list(session.scalars(select(GuideEntry.id).limit(len(questions))))
    reference: list[float] = []
    for _ in range(3):
        for entry_id in ids:
            started = time.perf_counter()
            session.execute(select(GuideEntry).where(GuideEntry.id == entry_id)).scalar_one()
            reference.append((time.perf_counter() - started) * 1000)
            session.expunge_all()
    subject_p95, reference_p95 = p95(timings), p95(reference)
    return {"figure": f"guide search ({entries:,} entries)", "questions": len(questions),
            "top1": round(first / len(questions), 3), "top3": round(within_three / len(questions), 3),
            "p50_ms": round(statistics.median(timings), 2), "p95_ms": subject_p95,
            "reference": "primary-key lookup of one entry", "reference_p95_ms": reference_p95,
            "ratio": round(subject_p95 / reference_p95, 1), "target_p95_ms": target_ms,
            "meets_target": subject_p95 <= target_ms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2_100, help="entries of the first measurement")
    parser.add_argument("--large", type=int, default=100_000, help="entries of the second")
    args = parser.parse_args()
    with bench_database("banshi_bench_guide") as (database_url, redis_url):
        os.environ.update(environment_for_bench(database_url, redis_url))
        from sqlalchemy import func, select

        from config import load_settings
        from miniapp_api import bootstrap
        from miniapp_api.demo import seed_demo
        from miniapp_api.demo.guidance import seed_generated, seed_guidance
        from miniapp_api.guidance.models import GuideEntry, GuideScenario
        from miniapp_api.migrations import upgrade
        from miniapp_api.platform.clock import utcnow
        from miniapp_api.platform.db import db

        bootstrap.load_all_models()
        settings = load_settings()
        upgrade(settings.sqlalchemy_url)
        db.configure(settings.sqlalchemy_url)
        with db.new_session() as session:
            seed_demo(session)
            seed_guidance(session, utcnow())
            have = session.scalar(select(func.count()).select_from(GuideEntry))
            scenarios = session.scalar(select(func.count()).select_from(GuideScenario))
            seed_generated(session, utcnow(), entries=max(args.size - have, 0),
                           scenarios=max(args.size // 7 - scenarios, 0), seed=1)
            session.commit()
            emit(measure(session, args.size, 50.0))
            started = time.monotonic()
            seed_generated(session, utcnow(), entries=args.large - args.size, scenarios=0, seed=2, first=args.size)
            session.commit()
            session.connection().exec_driver_sql("ANALYZE guide_doc")
            figure = measure(session, args.large, 100.0)
            figure["index_build_seconds"] = round(time.monotonic() - started, 1)
            emit(figure)


if __name__ == "__main__":
    main()
