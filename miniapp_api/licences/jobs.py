"""Licence jobs: the daily expiry reminders, safe to run twice."""

from __future__ import annotations

from dataclasses import asdict

import structlog

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.licences import services as licences
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def licence_expiry_reminders() -> dict[str, int]:
    """Every reminder whose day has come, a chunk per transaction so a long sweep holds no long locks."""
    now, report = utcnow(), licences.SweepReport()
    for chunk in in_chunks(lambda: licences.sweep_expiry_reminders(db.session, now),
                           more=lambda chunk: chunk.handled > 0):
        report.add(chunk)
    log.info("licences.reminders", **asdict(report))
    return asdict(report)
