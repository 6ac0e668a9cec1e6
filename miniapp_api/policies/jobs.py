"""政策快享 matching runs: planned as tasks, worked by several workers at once (SKIP LOCKED), idempotent."""

from __future__ import annotations

import re

import structlog

from jobs.runtime import in_app_context, in_chunks
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
    with transaction(db.session):   # the plan commits before the helpers are queued and the tasks worked
        planned = matching.plan(db.session, run_key, utcnow(), rule_ids=rule_ids)
        for helper in range(HELPERS if planned > 1 else 0):
            enqueue_after_commit(db.session, "sweeps", WORK_JOB,
                                 job_id=f"policy-work-{JOB_ID_UNSAFE.sub('-', run_key)}-{helper}")
    log.info("policy.run_planned", run=run_key, tasks=planned)
    return _work()


@in_app_context
def match_published(rule_id: int) -> int:
    """A rule was published: match it now (every person or business it is about)."""
    return _plan_and_work(f"rule:{rule_id}", [rule_id])


@in_app_context
def match_nightly() -> int:
    """Every rule in force against everyone, once a night (facts change: ages, registration months)."""
    return _plan_and_work(f"night:{local_date(utcnow()).isoformat()}", None)


def _run_one_task() -> tuple[int, matching.Changes] | None:
    task = matching.claim_task(db.session)
    if task is None:
        return None
    return task.id, matching.run_task(db.session, task, utcnow())


def _work() -> int:
    done = 0
    for task in in_chunks(_run_one_task, more=lambda task: task is not None):
        if task is not None:
            task_id, changes = task
            log.info("policy.task_done", task=task_id, added=len(changes.added), withdrawn=len(changes.withdrawn))
            done += 1
    return done


@in_app_context
def work_match_tasks() -> int:
    """Claim open tasks one at a time, each done whole in its own transaction; how many this worker did."""
    return _work()


@in_app_context
def match_changed(subject: str, ids: list[int]) -> int:
    """These people's or businesses' facts changed: every rule in force over just them."""
    changes = matching.match_subjects(db.session, subject, ids, utcnow())
    log.info("policy.subjects_matched", subject=subject, count=len(ids), added=len(changes.added),
             withdrawn=len(changes.withdrawn))
    return len(changes.added)


@in_app_context
def remind_and_expire() -> tuple[int, int]:
    """Daily: open matches of ended policies expire; then the one reminder, each batch its own transaction (a
    city's matches a week old can be a million)."""
    now = utcnow()
    with transaction(db.session):
        expired = policies.expire_ended(db.session, now)
    reminded = sum(in_chunks(lambda: policies.remind_batch(db.session, now),
                             more=lambda batch: batch >= policies.REMIND_BATCH))
    log.info("policy.swept", reminded=reminded, expired=expired)
    return reminded, expired
