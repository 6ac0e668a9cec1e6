"""帮办代办 jobs: the first-contact SLA sweep."""

from __future__ import annotations

import structlog

from jobs.runtime import in_app_context
from miniapp_api.assistance import services as assistance
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def assistance_contact_sweep() -> int:
    noticed = assistance.contact_sweep(db.session, utcnow())
    log.info("assistance.contact_sweep", noticed=noticed)
    return noticed
