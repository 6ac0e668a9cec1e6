"""政策快享 matching runs: planned as tasks, worked by several workers at once (SKIP LOCKED), idempotent."""

from __future__ import annotations

import re

import structlog

from jobs.runtime import in_app_context, job_app
from miniapp_api.platform.clock import local_date, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.unit_of_work import enqueue_after_commit, transaction
from miniapp_api.policies import matching
from miniapp_api.policies import services as policies

log = structlog.get_logger(__name__)
HELPERS = 3          # extra workers a run fans out to (each claims tasks until none is left)
WORK_JOB = "miniapp_api.policies.jobs.work_match_tasks"
JOB_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")     # RQ job ids: letters, digits, _ and - only


def _plan_and_work(run_key: str, rule_ids: list[int] | None) -> int:
    with job_app().app_context():
        try:
            with transaction(db.session):
                planned = matching.plan(db.session, run_key, utcnow(), rule_ids=rule_ids)
                for helper in range(HELPERS if planned > 1 else 0):
                    enqueue_after_commit(db.session, "sweeps", WORK_JOB,
                                         job_id=f"policy-work-{JOB_ID_UNSAFE.sub('-', run_key)}-{helper}")
            log.info("policy.run_planned", run=run_key, tasks=planned)
        finally:
            db.session.remove()
    return work_match_tasks()


def match_published(rule_id: int) -> int:
    """A rule was published: match it now (every person or business it is about)."""
    return _plan_and_work(f"rule:{rule_id}", [rule_id])


def match_nightly() -> int:
    """Every rule in force against everyone, once a night (facts change: ages, registration months)."""
    with job_app().app_context():
        day = local_date(utcnow())
    return _plan_and_work(f"night:{day.isoformat()}", None)


def work_match_tasks() -> int:
    """Claim open tasks one at a time, each done whole in its own transaction; how many this worker did."""
    done = 0
    with job_app().app_context():
        try:
            while True:
                with transaction(db.session):
                    task = matching.claim_task(db.session)
                    if task is None:
                        break
                    task_id, changes = task.id, matching.run_task(db.session, task, utcnow())
                log.info("policy.task_done", task=task_id, added=len(changes.added),
                         withdrawn=len(changes.withdrawn))
                done += 1
        finally:
            db.session.remove()
    return done


@in_app_context
def match_changed(subject: str, ids: list[int]) -> int:
    """These people's or businesses' facts changed: every rule in force over just them."""
    changes = matching.match_subjects(db.session, subject, ids, utcnow())
    log.info("policy.subjects_matched", subject=subject, count=len(ids), added=len(changes.added),
             withdrawn=len(changes.withdrawn))
    return len(changes.added)


def remind_and_expire() -> tuple[int, int]:
    """Daily: open matches of ended policies expire; then the one reminder, each batch its own transaction (a
    city's matches a week old can be a million)."""
    with job_app().app_context():
        try:
            now = utcnow()
            with transaction(db.session):
                expired = policies.expire_ended(db.session, now)
            reminded = 0
            while True:
                with transaction(db.session):
                    batch = policies.remind_batch(db.session, now)
                reminded += batch
                if batch < policies.REMIND_BATCH:
                    break
        finally:
            db.session.remove()
    log.info("policy.swept", reminded=reminded, expired=expired)
    return reminded, expired
