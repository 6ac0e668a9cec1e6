"""Key project jobs: the daily overdue-milestone sweep."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.projects import services as projects

log = structlog.get_logger(__name__)


@in_app_context
def milestone_overdue_sweep() -> int:
    noticed = projects.overdue_sweep(db.session, utcnow())
    log.info("projects.overdue_sweep", noticed=noticed)
    return noticed
