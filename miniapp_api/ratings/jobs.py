"""Rating jobs: rectifications past their deadline."""

from __future__ import annotations

from dataclasses import asdict

import structlog

from jobs.runtime import in_app_context
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.ratings import rectifications

log = structlog.get_logger(__name__)


@in_app_context
def rectification_sweep() -> dict[str, int]:
    report = rectifications.overdue_sweep(db.session, utcnow())
    log.info("rectifications.overdue", **asdict(report))
    return asdict(report)
