"""Staff jobs: the audit trail's nightly day seals and check (platform/audit.py)."""

from __future__ import annotations

from datetime import date, timedelta

import structlog

from jobs.runtime import in_app_context
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.auth import signing_keys
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def seal_audit_days(upto: str | None = None) -> int:
    """Sign the chain's head of every finished day up to `upto` (ISO date; yesterday when not given) not yet
    sealed, then check the whole chain and keep the outcome for the console. Running it twice seals nothing
    more."""
    last_day = date.fromisoformat(upto) if upto else today() - timedelta(days=1)
    sealed = audit_trail.seal_days(db.session, signing_keys(), last_day)
    report = audit_trail.verify(db.session, signing_keys(), utcnow())
    audit_trail.save_check(db.session, report, utcnow())
    first = report.first
    log.info("audit.sealed", days=[d.isoformat() for d in sealed], rows=report.rows, intact=report.intact,
             first_break=first.describe()[1] if first else None)
    return len(sealed)
