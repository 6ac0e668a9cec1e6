"""Feedback jobs: the late content check and SLA 催办/督办."""

from __future__ import annotations

from dataclasses import asdict

import structlog

from jobs.runtime import in_app_context
from miniapp_api.feedback import services as feedback
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.wechat import gateway

log = structlog.get_logger(__name__)


@in_app_context
def check_content(feedback_id: int) -> str:
    """WeChat was unreachable at filing; RQ retries this (with backoff) while it still is."""
    verdict = feedback.recheck_content(db.session, gateway(), feedback_id, utcnow())
    log.info("feedback.content_checked", feedback_id=feedback_id, verdict=verdict)
    return verdict


@in_app_context
def sweep_unchecked_feedback() -> dict[str, int]:
    """Feedback still waiting for its content check: check again, or hand it to staff for a manual check."""
    report = feedback.sweep_unchecked(db.session, gateway(), utcnow())
    log.info("feedback.unchecked_sweep", **asdict(report))
    return asdict(report)


@in_app_context
def feedback_sla_sweep() -> dict[str, int]:
    report = feedback.sla_sweep(db.session, utcnow())
    log.info("feedback.sla_sweep", **asdict(report))
    return asdict(report)
