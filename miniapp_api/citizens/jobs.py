"""Citizen jobs: login sessions long over (with staff's, which share the rule, and old idempotency answers)."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.citizens import services as citizens
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.idempotency import purge_old_records
from miniapp_api.staff import services as staff

log = structlog.get_logger(__name__)


@in_app_context
def purge_expired_sessions() -> int:
    """Delete citizens' and staff's login sessions long expired or revoked, and idempotency answers too old to
    be a retry. Running it twice deletes nothing more."""
    now = utcnow()
    removed = {"citizen_sessions": citizens.purge_expired_sessions(db.session, now=now),
               "staff_sessions": staff.purge_expired_sessions(db.session, now=now),
               "idempotency_records": purge_old_records(db.session, now=now)}
    log.info("sessions.purged", **removed)
    return sum(removed.values())
