"""Idempotency-Key for POSTs that create things: a retry gets the first answer back.

The key row is inserted in the same transaction as the work. A concurrent
retry's INSERT waits on the unique key until the first transaction ends: if it
committed, the retry reads and returns the stored answer; if it rolled back
(a refusal), the retry does the work itself. Refusals are not stored: they
change nothing, and a retry may well succeed.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from functools import wraps

from flask import g, request
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.platform import messages
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform.models import IdempotencyRecord

IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
KEY_REUSED_MESSAGE = messages.IDEMPOTENCY_KEY_REUSED
KEY_INVALID_MESSAGE = messages.IDEMPOTENCY_KEY_INVALID
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
# A retry comes within minutes (the mini-program retries a dropped request at once); a day is ample.
KEEP_RECORDS = timedelta(days=1)
HEADER = "Idempotency-Key"


def _fingerprint() -> str:
    payload = request.get_json(silent=True)
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{request.path}\n{canonical}".encode()).hexdigest()


def idempotent(view):
    """Wrap a creating view; its answer is stored under the key in the request's own transaction."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise DomainError(KEY_INVALID_MESSAGE, code=IDEMPOTENCY_KEY_INVALID, status=422,
                              fields={HEADER: KEY_INVALID_MESSAGE})
        fingerprint = _fingerprint()
        claimed = db.session.execute(
            insert(IdempotencyRecord).values(citizen_id=g.citizen.id, key=key, endpoint=request.endpoint,
                                             fingerprint=fingerprint)
            .on_conflict_do_nothing().returning(IdempotencyRecord.key)).first()
        if claimed is None:
            stored = db.session.scalars(select(IdempotencyRecord).where(
                IdempotencyRecord.citizen_id == g.citizen.id, IdempotencyRecord.key == key)
                .execution_options(populate_existing=True)).one()
            if stored.fingerprint != fingerprint or stored.endpoint != request.endpoint:
                raise DomainError(KEY_REUSED_MESSAGE, code=IDEMPOTENCY_KEY_REUSED, status=422)
            return stored.body, stored.status
        body, status = view(*args, **kwargs)
        db.session.execute(IdempotencyRecord.__table__.update().where(
            IdempotencyRecord.citizen_id == g.citizen.id, IdempotencyRecord.key == key).values(status=status, body=body))
        return body, status

    return wrapper


def purge_old_records(session: Session, *, now: datetime) -> int:
    """Delete stored answers older than KEEP_RECORDS: a key that old is not a retry any more."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEEP_RECORDS))
    return result.rowcount or 0
