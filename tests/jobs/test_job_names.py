"""Domains queue jobs by name (they never import their jobs modules): every job name written in the product code
must import and be callable, so a renamed job function fails here, in CI, not in production. Jobs queued under the
names they had before they moved beside their domains still run (the shims in `jobs/`)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from miniapp_api.platform.domains import resolve

ROOT = Path(__file__).resolve().parents[2]
# `jobs.<module>.<fn>` (the old names), `miniapp_api.<domain>.jobs.<fn>` and the platform's
# `miniapp_api.events_jobs.<fn>`.
JOB_NAME = re.compile(r"^(jobs\.[a-z_]+|miniapp_api\.([a-z_]+\.jobs|events_jobs))\.[a-z_]+$")
# Where each job lived before it moved beside its domain: jobs queued in Redis under these names at the deploy must
# still run (remove with the shims, one release after the move).
MOVED = {
    "jobs.policies.match_changed": "miniapp_api.policies.jobs.match_changed",
    "jobs.policies.match_published": "miniapp_api.policies.jobs.match_published",
    "jobs.policies.match_nightly": "miniapp_api.policies.jobs.match_nightly",
    "jobs.policies.remind_and_expire": "miniapp_api.policies.jobs.remind_and_expire",
    "jobs.policies.work_match_tasks": "miniapp_api.policies.jobs.work_match_tasks",
    "jobs.maintenance.purge_expired_sessions": "miniapp_api.citizens.jobs.purge_expired_sessions",
    "jobs.maintenance.link_business_representatives": "miniapp_api.businesses.jobs.link_business_representatives",
    "jobs.maintenance.purge_by_retention": "miniapp_api.accounts.jobs.purge_by_retention",
    "jobs.maintenance.erase_closed_accounts": "miniapp_api.accounts.jobs.erase_closed_accounts",
    "jobs.events.dispatch_pending_events": "miniapp_api.events_jobs.dispatch_pending_events",
    "jobs.events.dispatch_event": "miniapp_api.events_jobs.dispatch_event",
    "jobs.feedback.feedback_sla_sweep": "miniapp_api.feedback.jobs.feedback_sla_sweep",
    "jobs.feedback.sweep_unchecked_feedback": "miniapp_api.feedback.jobs.sweep_unchecked_feedback",
    "jobs.feedback.check_content": "miniapp_api.feedback.jobs.check_content",
    "jobs.feedback.rectification_sweep": "miniapp_api.ratings.jobs.rectification_sweep",
    "jobs.files.sweep_files": "miniapp_api.files.jobs.sweep_files",
    "jobs.files.drop_blobs": "miniapp_api.files.jobs.drop_blobs",
    "jobs.notifications.enqueue_due_notifications": "miniapp_api.notifications.jobs.enqueue_due_notifications",
    "jobs.notifications.mark_stuck_notifications": "miniapp_api.notifications.jobs.mark_stuck_notifications",
    "jobs.notifications.send_notification": "miniapp_api.notifications.jobs.send_notification",
    "jobs.notifications.send_notifications": "miniapp_api.notifications.jobs.send_notifications",
    "jobs.surveys.send_due_invitations": "miniapp_api.surveys.jobs.send_due_invitations",
    "jobs.surveys.remind_and_expire": "miniapp_api.surveys.jobs.remind_and_expire",
    "jobs.surveys.monthly_campaign": "miniapp_api.surveys.jobs.monthly_campaign",
    "jobs.surveys.quarterly_audit": "miniapp_api.surveys.jobs.quarterly_audit",
    "jobs.booking.fill_booking_horizons": "miniapp_api.appointments.jobs.fill_booking_horizons",
    "jobs.booking.mark_no_shows": "miniapp_api.appointments.jobs.mark_no_shows",
    "jobs.booking.expire_waitlist_offers": "miniapp_api.appointments.jobs.expire_waitlist_offers",
    "jobs.applications.flag_overdue_materials": "miniapp_api.applications.jobs.flag_overdue_materials",
    "jobs.applications.create_batch_members": "miniapp_api.applications.jobs.create_batch_members",
    "jobs.applications.licence_expiry_reminders": "miniapp_api.licences.jobs.licence_expiry_reminders",
}


def job_names(root: Path) -> dict[str, str]:
    """Every string constant in the code under `root` that reads like a job name → where it stands."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and JOB_NAME.match(node.value):
                found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def unresolved(names: dict[str, str]) -> list[str]:
    problems = []
    for name, where in names.items():
        module, _, attribute = name.rpartition(".")
        try:
            target = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            problems.append(f"{where}: {name} does not exist")
            continue
        if not callable(target):
            problems.append(f"{where}: {name} is not callable")
    return problems


def test_every_job_a_domain_queues_by_name_exists():
    names = job_names(ROOT / "miniapp_api")
    assert len(names) >= 7          # the outbox send, events, content checks, policies, files, batches
    assert unresolved(names) == []


def test_the_check_finds_a_renamed_job():
    assert unresolved({"jobs.notifications.send_notificaton": "here:1", "jobs.nowhere.run": "here:2"}) == [
        "here:1: jobs.notifications.send_notificaton does not exist", "here:2: jobs.nowhere.run does not exist"]


def test_the_names_read_like_jobs():
    assert JOB_NAME.match("miniapp_api.notifications.jobs.send_notification")
    assert JOB_NAME.match("miniapp_api.events_jobs.dispatch_event")
    assert JOB_NAME.match("jobs.notifications.send_notification")
    assert not JOB_NAME.match("miniapp_api.notifications.services.send_notification")


@pytest.mark.parametrize(("old", "new"), MOVED.items())
def test_a_job_queued_under_its_old_name_still_runs_the_same_function(old, new):
    assert resolve(old) is resolve(new)


def test_every_old_job_name_is_kept():
    """Every function an old module held is in MOVED, so none of the shims misses a name."""
    shims = {path.stem for path in (ROOT / "jobs").glob("*.py")} - {"__init__", "runtime", "schedule", "scheduler",
                                                                     "worker", "dispatcher"}
    kept = {f"jobs.{shim}.{name}" for shim in shims for name in vars(importlib.import_module(f"jobs.{shim}"))
            if callable(resolve(f"jobs.{shim}.{name}")) and not name.startswith("_") and name != "annotations"}
    assert kept == set(MOVED)
