"""Report jobs: build a large export into the file store (progress per chunk), and remove lapsed ones."""

from __future__ import annotations

import tempfile

import structlog
from flask import current_app

from jobs.runtime import in_app_context
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.unit_of_work import transaction
from miniapp_api.reports import services as reports

log = structlog.get_logger(__name__)


@in_app_context
def build_report(export_id: int) -> int:
    """Build one export. Safe to run twice: a made export is left alone, one that died half-way is built again.
    Each chunk's progress commits on its own so the page's bar moves."""
    storage, cipher = current_app.extensions["banshi.storage"], current_app.extensions["banshi.cipher"]
    with transaction(db.session):
        export = reports.start_build(db.session, export_id)
        if export is None:
            return 0
        filters, made_by = reports.filters_of(export), export.made_by

    def progress(done: int) -> None:
        with transaction(db.session):
            reports.record_progress(db.session, export_id, done)

    key = reports.storage_key(export_id)
    try:
        with tempfile.TemporaryFile() as out:
            rows = reports.write_workbook(out, db.session, filters, made_by=made_by, made_at=utcnow(), cipher=cipher,
                                          progress=progress)
            out.seek(0)
            storage.delete(key)       # a run that died after writing leaves no stale file behind this one
            storage.put(key, out.read(), reports.XLSX)
    except Exception:
        with transaction(db.session):
            reports.fail_build(db.session, export_id, utcnow())
        log.exception("reports.build_failed", export_id=export_id)
        raise
    reports.finish_build(db.session, export_id, key, rows, utcnow())
    log.info("reports.built", export_id=export_id, rows=rows)
    return rows


@in_app_context
def sweep_reports() -> dict[str, int]:
    """Hourly: the files of exports whose 24-hour link has lapsed, and the job again for exports whose enqueue was
    lost."""
    now = utcnow()
    removed = reports.sweep_expired(db.session, current_app.extensions["banshi.storage"], now)
    requeued = reports.requeue_stale(db.session, now)
    log.info("reports.swept", removed=removed, requeued=requeued)
    return {"removed": removed, "requeued": requeued}
