"""Licence jobs: the daily expiry reminders, safe to run twice."""

from __future__ import annotations

from dataclasses import asdict

import structlog

from jobs.runtime import in_app_context
from miniapp_api.licences import services as licences
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def licence_expiry_reminders() -> dict[str, int]:
    report = licences.sweep_expiry_reminders(db.session, utcnow())
    log.info("licences.reminders", **asdict(report))
    return asdict(report)
