"""Application jobs: the overdue-materials sweep and a batch's member list; both are safe to run twice."""

from __future__ import annotations

import structlog
from flask import current_app

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.applications import batches
from miniapp_api.applications import services as applications
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def flag_overdue_materials() -> int:
    flagged = applications.flag_overdue_materials(db.session, utcnow())
    log.info("applications.materials_flagged", flagged=flagged)
    return flagged


@in_app_context
def create_batch_members(batch_id: int) -> int:
    """A batch's uploaded member list, created a chunk per transaction (the console's progress bar follows);
    safe to run twice or after a kill: each chunk moves the batch's count with its rows."""
    cipher = current_app.extensions["banshi.cipher"]
    chunks = sum(1 for _ in in_chunks(lambda: batches.create_members_chunk(db.session, cipher, batch_id, utcnow())))
    log.info("applications.batch_members_created", batch_id=batch_id, chunks=chunks)
    return chunks
