"""我的数据 jobs: build an export, delete its files, and the sweep that expires them."""

from __future__ import annotations

import structlog
from flask import current_app

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.mydata import export, services
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.unit_of_work import transaction

log = structlog.get_logger(__name__)


@in_app_context
def build_export(export_id: int) -> bool:
    """Claim the export (committed, so the citizen sees 生成中), build it, mark it done. Safe to run twice: a run
    that finds it claimed, done or cancelled does nothing."""
    with transaction(db.session):
        claimed = services.claim(db.session, export_id, utcnow())
    if not claimed:
        return False
    try:
        with transaction(db.session):
            return export.build(db.session, current_app.extensions["banshi.cipher"],
                                  current_app.extensions["banshi.storage"], export_id, utcnow())
    except Exception:
        log.exception("mydata.build_failed", export_id=export_id)
        with transaction(db.session):
            services.fail(db.session, export_id)
        return False


@in_app_context
def drop_export_files(keys: list[str]) -> int:
    """After 注销 committed: the files of the account's exports."""
    services.drop_files(current_app.extensions["banshi.storage"], keys)
    return len(keys)


@in_app_context
def sweep_data_exports() -> dict[str, int]:
    """Every 10 minutes: exports past their 24 hours expire and their files go (after the commit); builds whose
    job was lost are started again."""
    storage, now = current_app.extensions["banshi.storage"], utcnow()
    expired = 0
    for chunk in in_chunks(lambda: services.expire_due(db.session, now)):
        services.drop_files(storage, [key for keys in chunk for key in keys])
        expired += len(chunk)
    restarted = services.restart_stuck(db.session, now)
    log.info("mydata.swept", expired=expired, restarted=restarted)
    return {"expired": expired, "restarted": restarted}
