"""Account jobs: 注销 once the grace has passed, and the retention purge."""

from __future__ import annotations

import structlog
from flask import current_app

from jobs.runtime import in_app_context
from miniapp_api.accounts import retention
from miniapp_api.accounts import services as accounts
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


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
