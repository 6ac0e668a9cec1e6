"""Files: store a checked upload, decide who may read it, sign short-lived links, sweep what nobody uses.

Who reads a file: its owner; a relative the owner authorised to view their records (亲友代办, view scope);
staff of a centre handling a record the file is attached to. Everyone else is told it does not exist.
Reading happens through a signed link (`/files/<token>`) that carries the file id and its expiry: a page's
<image src> cannot send a bearer header, and a link copied out of the app stops working in minutes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.citizens.models import Citizen
from miniapp_api.files import messages
from miniapp_api.files.checks import Checked, check
from miniapp_api.files.models import FileAttachment, StoredFile
from miniapp_api.identity.models import Scope
from miniapp_api.identity.services import acts_for
from miniapp_api.platform.errors import DomainError, NotFound
from miniapp_api.platform.storage import BlobMissing, Storage, StorageUnavailable, blob_key, is_blob_key
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit, visible_centre_ids

log = structlog.get_logger(__name__)

FILE_NOT_FOUND = "file_not_found"
LINK_EXPIRED = "file_link_expired"
FILE_NOT_USABLE = "file_not_usable"
STORAGE_UNAVAILABLE = "file_storage_unavailable"
LINK_SALT = "banshi file link"
UNUSED_AFTER = timedelta(days=7)     # an upload never attached to anything is deleted after this
SWEEP_CHUNK = 1000


def not_found() -> NotFound:
    return NotFound(messages.FILE_NOT_FOUND, code=FILE_NOT_FOUND)


def unavailable() -> DomainError:
    return DomainError(messages.STORAGE_UNAVAILABLE, code=STORAGE_UNAVAILABLE, status=503)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(session: Session, storage: Storage, owner: Citizen, data: bytes, purpose: str,
          now: datetime) -> StoredFile:
    """Check, re-encode and keep an upload. The blob is written whole before the record; the same bytes from
    the same owner give back the record they already have."""
    checked: Checked = check(data, purpose)
    digest = sha256_of(checked.data)
    try:
        storage.put(blob_key(digest), checked.data, checked.content_type)
    except StorageUnavailable as exc:
        log.warning("files.storage_unavailable", error=str(exc)[:200])
        raise unavailable() from None
    new_id = session.scalar(insert(StoredFile).values(
        owner_citizen_id=owner.id, purpose=purpose, kind=checked.kind, content_type=checked.content_type,
        size=len(checked.data), sha256=digest, width=checked.width, height=checked.height, pages=checked.pages,
        seconds=math.ceil(checked.seconds) if checked.seconds is not None else None, created_at=now).on_conflict_do_nothing(constraint="uq_stored_file_owner_hash").returning(StoredFile.id))
    if new_id is None:  # already uploaded by this owner (or by their other tap a moment ago)
        new_id = session.scalar(select(StoredFile.id).where(StoredFile.owner_citizen_id == owner.id,
                                                            StoredFile.sha256 == digest))
    found = session.get(StoredFile, new_id)
    assert found is not None
    return found


def read_bytes(storage: Storage, stored: StoredFile) -> bytes:
    """The stored bytes; a blob gone missing is not found, a store out of reach is 503."""
    try:
        return storage.get(blob_key(stored.sha256))
    except BlobMissing:
        log.error("files.blob_missing", file_id=stored.id)
        raise not_found() from None
    except StorageUnavailable as exc:
        log.warning("files.storage_unavailable", error=str(exc)[:200])
        raise unavailable() from None


# --- who may read ---------------------------------------------------------------------------------------


def for_citizen(session: Session, citizen: Citizen, file_id: int, now: datetime) -> StoredFile:
    """A file the citizen owns, or one of a relative who authorised them to view their records."""
    stored = session.get(StoredFile, file_id)
    if stored is None:
        raise not_found()
    if stored.owner_citizen_id == citizen.id:
        return stored
    owner = session.get(Citizen, stored.owner_citizen_id)
    if owner is not None and acts_for(session, citizen, owner, Scope.VIEW, now):
        return stored
    raise not_found()


def for_staff(session: Session, staff: Staff, file_id: int) -> StoredFile:
    """A file attached to a record of one of the staff member's centres; the look is audit-logged."""
    centres = visible_centre_ids(session, staff)
    stored = session.scalars(select(StoredFile).where(StoredFile.id == file_id, exists().where(
        FileAttachment.file_id == StoredFile.id, FileAttachment.centre_id.in_(centres)))).one_or_none()
    if stored is None:
        raise not_found()
    audit(session, staff, "file.view", "file", stored.id)
    return stored


def attach(session: Session, owner_id: int, file_ids: Sequence[int], *, subject: tuple[str, int],
           centre_id: int | None, field: str, kinds: Iterable[str] = ("image",), now: datetime) -> None:
    """Attach the owner's files to a record, refusing (by position in `field`) any that is not theirs or not of
    the kinds the record takes."""
    if not file_ids:
        return
    check_usable(session, owner_id, file_ids, kinds=kinds, field=field)
    session.execute(insert(FileAttachment).values([
        {"file_id": file_id, "subject_type": subject[0], "subject_id": subject[1], "centre_id": centre_id,
         "created_at": now} for file_id in dict.fromkeys(file_ids)]).on_conflict_do_nothing())


def check_usable(session: Session, owner_id: int, file_ids: Sequence[int], *, kinds: Iterable[str],
                 field: str) -> None:
    """Refuse, by position in `field`, a file that is not the owner's or not of the kinds the record takes."""
    kinds = set(kinds)
    found = {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(file_ids),
                                                                      StoredFile.owner_citizen_id == owner_id))}
    for position, file_id in enumerate(file_ids):
        stored = found.get(file_id)
        if stored is None:
            message = messages.NOT_YOUR_FILE.format(id=file_id)
        elif stored.kind not in kinds:
            message = (messages.NOT_AN_IMAGE.format(id=file_id) if kinds == {"image"} else messages.NOT_OF_KINDS.format(
                id=file_id, kinds="或".join(messages.KIND_NAMES[k] for k in sorted(kinds))))
        else:
            continue
        raise DomainError(message, code=FILE_NOT_USABLE, status=422, fields={f"{field}[{position}]": message})


def move_attachments(session: Session, subject: tuple[str, int], centre_id: int | None) -> None:
    """The record went to another centre (feedback triage): its files go with it."""
    session.execute(update(FileAttachment).where(FileAttachment.subject_type == subject[0],
                                                 FileAttachment.subject_id == subject[1]).values(centre_id=centre_id))


def files_of(session: Session, subject: tuple[str, int]) -> list[StoredFile]:
    return list(session.scalars(select(StoredFile).join(FileAttachment, FileAttachment.file_id == StoredFile.id)
                                .where(FileAttachment.subject_type == subject[0],
                                       FileAttachment.subject_id == subject[1]).order_by(StoredFile.id)))


# --- signed links ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    token: str
    expires_at: datetime

    @property
    def url(self) -> str:
        return f"/files/{self.token}"


def sign_link(secret: str, stored: StoredFile, now: datetime, seconds: int) -> Link:
    expires_at = now + timedelta(seconds=seconds)
    token = URLSafeSerializer(secret, salt=LINK_SALT).dumps([stored.id, int(expires_at.timestamp())])
    return Link(token, expires_at)


def open_link(session: Session, secret: str, token: str, now: datetime) -> StoredFile:
    """The file a link names, while the link lasts: a forged link is not found, an old one has expired (403)."""
    try:
        file_id, expires = URLSafeSerializer(secret, salt=LINK_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise not_found() from None
    if not isinstance(file_id, int) or not isinstance(expires, int):
        raise not_found()
    if now.timestamp() >= expires:
        raise DomainError(messages.LINK_EXPIRED, code=LINK_EXPIRED, status=403)
    stored = session.get(StoredFile, file_id)
    if stored is None:
        raise not_found()
    return stored


# --- clean-up -------------------------------------------------------------------------------------------


def drop_unused(session: Session, now: datetime) -> list[str]:
    """Delete uploads older than a week that nothing uses; returns the hashes whose blobs may now go."""
    cutoff = now - UNUSED_AFTER
    unused = select(StoredFile.id).where(StoredFile.created_at < cutoff,
                                         ~exists().where(FileAttachment.file_id == StoredFile.id)).limit(SWEEP_CHUNK)
    hashes = list(session.scalars(delete(StoredFile).where(StoredFile.id.in_(unused)).returning(StoredFile.sha256)))
    return sorted(set(hashes))


def drop_citizen_files(session: Session, citizen_id: int) -> list[str]:
    """An erased account's files (rows now, blobs after the commit through `drop_blobs`)."""
    return sorted(set(session.scalars(delete(StoredFile).where(StoredFile.owner_citizen_id == citizen_id)
                                      .returning(StoredFile.sha256))))


def drop_blobs(session: Session, storage: Storage, hashes: Iterable[str]) -> int:
    """Delete the blobs of these hashes that no record refers to any more (run after the rows' commit)."""
    hashes = sorted(set(hashes))
    if not hashes:
        return 0
    kept = set(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(hashes))))
    dropped = 0
    for digest in hashes:
        if digest not in kept:
            storage.delete(blob_key(digest))
            dropped += 1
    return dropped


def drop_stray_blobs(session: Session, storage: Storage, now_epoch: float, min_age_seconds: int = 3600) -> int:
    """Blobs with no record (a request that died between writing the blob and committing), older than an
    hour so an upload in flight keeps its blob; and the temporary leftovers of writes that died."""
    dropped = storage.clean_temporary(now_epoch)
    batch: list[str] = []

    def flush() -> int:
        kept = set(session.scalars(select(StoredFile.sha256).where(
            StoredFile.sha256.in_([key.rsplit("/", 1)[-1] for key in batch]))))
        gone = 0
        for key in batch:
            if key.rsplit("/", 1)[-1] not in kept and now_epoch - storage.modified(key) > min_age_seconds:
                storage.delete(key)
                gone += 1
        batch.clear()
        return gone

    for key in storage.keys():
        if not is_blob_key(key):
            continue
        batch.append(key)
        if len(batch) >= SWEEP_CHUNK:
            dropped += flush()
    if batch:
        dropped += flush()
    return dropped
