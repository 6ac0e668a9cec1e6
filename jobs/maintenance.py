"""Housekeeping jobs."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.citizens import services as citizens
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def purge_expired_sessions() -> int:
    """Delete login sessions long expired or revoked. Running it twice deletes nothing more."""
    removed = citizens.purge_expired_sessions(db.session, now=utcnow())
    log.info("sessions.purged", removed=removed)
    return removed
