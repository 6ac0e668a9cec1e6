"""Housekeeping jobs."""

from __future__ import annotations

import structlog
from flask import current_app

from jobs.runtime import in_app_context
from miniapp_api.accounts import retention
from miniapp_api.accounts import services as accounts
from miniapp_api.businesses import services as businesses
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


@in_app_context
def erase_closed_accounts() -> int:
    """注销: erase the personal data of accounts whose deletion was asked for and whose grace has passed."""
    erased = accounts.erase_due(db.session, current_app.extensions["banshi.cipher"], utcnow(),
                                grace=current_app.config["ACCOUNT_ERASE_AFTER"])
    log.info("accounts.erased", erased=erased)
    return erased


@in_app_context
def purge_by_retention() -> int:
    """Records past their retention period: deleted, or the person cut out (accounts/retention.py)."""
    done = retention.purge(db.session, utcnow(), current_app.config["RETENTION_DAYS"])
    log.info("retention.purged", **done)
    return sum(done.values())


@in_app_context
def link_business_representatives() -> int:
    """Representatives in the registry who have since verified their identity are linked to their business."""
    linked = businesses.link_representatives(db.session, utcnow())
    log.info("businesses.linked", linked=linked)
    return linked
