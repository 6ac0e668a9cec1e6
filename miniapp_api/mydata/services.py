"""我的数据 (PIPL art. 45 查阅复制): a citizen asks for a copy of their personal data; a job builds it into a JSON
file and a readable PDF kept in file storage for KEEP_FOR; the citizen downloads them through signed links that
end with the files; a sweep deletes them. Only the account's owner sees or downloads its exports: a relative's
authorisation does not reach them (docs/authority.md).

States: queued → building → done → expired; queued/building → cancelled (注销); building → failed. At most one
is pending per account (the partial unique index `uq_data_export_one_pending`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapp_api.citizens.models import Citizen
from miniapp_api.mydata import messages
from miniapp_api.mydata.models import PENDING_STATES, DataExport, ExportState
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.storage import Storage
from miniapp_api.platform.unit_of_work import enqueue_after_commit

ALREADY_PENDING = "export_already_pending"
EXPORT_NOT_FOUND = "export_not_found"
EXPORT_EXPIRED = "export_expired"
KEEP_FOR = timedelta(hours=24)              # the files, and their links, after the build
STUCK_AFTER = timedelta(minutes=30)         # a build not finished by then is started again
LINK_SALT = "banshi data export link"
FORMATS = {"json": "application/json", "pdf": "application/pdf"}
BUILD_JOB = "miniapp_api.mydata.jobs.build_export"          # by name: domains never import jobs
DROP_FILES_JOB = "miniapp_api.mydata.jobs.drop_export_files"
SWEEP_CHUNK = 200


def not_found() -> NotFound:
    return NotFound(messages.EXPORT_NOT_FOUND, code=EXPORT_NOT_FOUND)


def enqueue_build(session: Session, export_id: int, attempt: int = 0) -> None:
    enqueue_after_commit(session, "default", BUILD_JOB, export_id, job_id=f"data-export-{export_id}-{attempt}",
                         job_timeout=1800)


def request_export(session: Session, citizen: Citizen, now: datetime) -> DataExport:
    """Queue a build (after the commit). One pending at a time: a second request is refused with 409."""
    pending = session.scalar(select(DataExport.id).where(DataExport.citizen_id == citizen.id,
                                                          DataExport.state.in_(PENDING_STATES)))
    if pending is not None:
        raise DomainError(messages.ALREADY_PENDING, code=ALREADY_PENDING, status=409)
    export = DataExport(citizen_id=citizen.id, state=ExportState.QUEUED, requested_at=now, counts={})
    try:
        with session.begin_nested():
            session.add(export)
            session.flush()
    except IntegrityError:   # the same request from another tap or phone, a moment earlier
        raise DomainError(messages.ALREADY_PENDING, code=ALREADY_PENDING, status=409) from None
    enqueue_build(session, export.id)
    return export


def exports_of(session: Session, citizen_id: int, limit: int = 20) -> list[DataExport]:
    return list(session.scalars(select(DataExport).where(DataExport.citizen_id == citizen_id)
                                .order_by(DataExport.id.desc()).limit(limit)))


def own_export(session: Session, citizen_id: int, export_id: int) -> DataExport:
    export = session.get(DataExport, export_id)
    if export is None or export.citizen_id != citizen_id:
        raise not_found()
    return export


# --- links ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    token: str
    expires_at: datetime

    @property
    def url(self) -> str:
        return f"/api/v1/data-export-files/{self.token}"


def sign_link(secret: str, export: DataExport, fmt: str) -> Link:
    """A link to one file of a finished export, ending when the files do."""
    assert export.expires_at is not None
    token = URLSafeSerializer(secret, salt=LINK_SALT).dumps([export.id, fmt, int(export.expires_at.timestamp())])
    return Link(token, export.expires_at)


def open_link(session: Session, secret: str, citizen_id: int, token: str, now: datetime) -> tuple[DataExport, str]:
    """The export and format a link names, for its owner only (anyone else: not found), while it lasts (410)."""
    try:
        export_id, fmt, expires = URLSafeSerializer(secret, salt=LINK_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise not_found() from None
    if not isinstance(export_id, int) or fmt not in FORMATS or not isinstance(expires, int):
        raise not_found()
    export = own_export(session, citizen_id, export_id)
    ended = export.expires_at is None or now >= export.expires_at
    if now.timestamp() >= expires or export.state != ExportState.DONE or ended:
        raise DomainError(messages.EXPORT_EXPIRED, code=EXPORT_EXPIRED, status=410)
    return export, fmt


def file_key(export: DataExport, fmt: str) -> str:
    key = export.json_key if fmt == "json" else export.pdf_key
    assert key is not None
    return key


# --- building -------------------------------------------------------------------------------------------


def claim(session: Session, export_id: int, now: datetime) -> bool:
    """queued → building; False when another run has it or it is finished or cancelled (safe to run twice)."""
    return session.execute(update(DataExport).where(DataExport.id == export_id,
                                                    DataExport.state == ExportState.QUEUED)
                           .values(state=ExportState.BUILDING, started_at=now)).rowcount == 1


def fail(session: Session, export_id: int) -> None:
    session.execute(update(DataExport).where(DataExport.id == export_id, DataExport.state == ExportState.BUILDING)
                    .values(state=ExportState.FAILED))


def drop_files(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        storage.delete(key)


def _keys(exports) -> list[str]:
    return [key for export in exports for key in (export.json_key, export.pdf_key) if key]


def cancel_for_deletion(session: Session, citizen_id: int) -> int:
    """注销: pending exports are cancelled, finished ones end at once; their files go after the commit."""
    exports = list(session.scalars(select(DataExport).where(
        DataExport.citizen_id == citizen_id,
        DataExport.state.in_((*PENDING_STATES, ExportState.DONE))).with_for_update()))
    keys = _keys(exports)
    for export in exports:
        export.state = ExportState.CANCELLED if export.state in PENDING_STATES else ExportState.EXPIRED
        export.json_key = export.pdf_key = None
    if keys:
        enqueue_after_commit(session, "default", DROP_FILES_JOB, keys, job_id=f"drop-export-files-{citizen_id}")
    return len(exports)


def expire_due(session: Session, now: datetime) -> list[list[str]]:
    """One chunk of the sweep: finished exports past their time become expired; returns the keys of each one's
    files, to delete once this commits."""
    due = list(session.scalars(select(DataExport).where(DataExport.state == ExportState.DONE,
                                                        DataExport.expires_at <= now)
                               .order_by(DataExport.expires_at).limit(SWEEP_CHUNK).with_for_update(skip_locked=True)))
    keys = [_keys([export]) for export in due]
    for export in due:
        export.state = ExportState.EXPIRED
        export.json_key = export.pdf_key = None
    return keys


def restart_stuck(session: Session, now: datetime) -> int:
    """Builds whose job was lost (Redis down at the commit) or whose worker died: queued again, enqueued again."""
    stuck = list(session.scalars(select(DataExport).where(
        DataExport.state.in_(PENDING_STATES),
        func.coalesce(DataExport.started_at, DataExport.requested_at) <= now - STUCK_AFTER)
        .limit(SWEEP_CHUNK).with_for_update(skip_locked=True)))
    for export in stuck:
        export.state, export.started_at = ExportState.QUEUED, now
        enqueue_build(session, export.id, attempt=int(now.timestamp()))
    return len(stuck)
