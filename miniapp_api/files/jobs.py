"""Files: delete blobs nobody refers to any more, and uploads nobody used."""

from __future__ import annotations

import structlog
from flask import current_app

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.files import services as files
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db

log = structlog.get_logger(__name__)


@in_app_context
def drop_blobs(hashes: list[str]) -> int:
    """After an erasure commits: the blobs of its files that no other record shares. Safe to repeat."""
    dropped = files.drop_blobs(db.session, current_app.extensions["banshi.storage"], hashes)
    log.info("files.blobs_dropped", dropped=dropped)
    return dropped


@in_app_context
def sweep_files() -> dict[str, int]:
    """Nightly: uploads unused for a week (rows, then their blobs once the rows' deletion committed), and blobs
    left by requests that died between the blob and the record."""
    storage, now = current_app.extensions["banshi.storage"], utcnow()
    unused = blobs = 0
    for hashes in in_chunks(lambda: files.drop_unused(db.session, now)):
        unused += len(hashes)
        blobs += files.drop_blobs(db.session, storage, hashes)
    stray = files.drop_stray_blobs(db.session, storage, now.timestamp())
    done = {"unused": unused, "blobs": blobs, "stray": stray}
    log.info("files.swept", **done)
    return done
