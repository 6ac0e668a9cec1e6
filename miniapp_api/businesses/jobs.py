"""Business jobs: representatives linked to their business once they have verified their identity."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.businesses import services as businesses
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def link_business_representatives() -> int:
    """Representatives in the registry who have since verified their identity are linked to their business."""
    linked = businesses.link_representatives(db.session, utcnow())
    log.info("businesses.linked", linked=linked)
    return linked
