"""Bearer logins, one way for citizens (`bs_…`) and staff (`bss_…`): an opaque random token handed out once,
stored only as its SHA-256 (a database leak logs nobody in), refused when unknown, revoked or expired, ended by
logging out. Each side keeps its own table, prefix, lifetime and Chinese refusals."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, delete, update
from sqlalchemy.orm import Session

MAX_TOKEN_LENGTH = 128


class Problem(StrEnum):
    MISSING = "missing"      # no token at all: not logged in
    INVALID = "invalid"      # not ours, unknown or revoked
    EXPIRED = "expired"      # ours, but past its time


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, model: type, prefix: str, expires_at: datetime, **owner: Any) -> str:
    """A new login of `owner` (citizen_id=… or staff_id=…); the token, to hand out once."""
    token = prefix + secrets.token_urlsafe(32)
    session.add(model(**owner, token_hash=hash_token(token), expires_at=expires_at))
    return token


def look_up(session: Session, statement: Select, token: str | None, prefix: str,
            now: datetime) -> tuple[Any, Problem | None]:
    """The row `statement` finds for the token (bound as :token_hash; it selects the owner with the session's
    `revoked_at` and `expires_at`), and what is wrong with the login, if anything."""
    if not token:
        return None, Problem.MISSING
    if not token.startswith(prefix) or len(token) > MAX_TOKEN_LENGTH:
        return None, Problem.INVALID
    found = session.execute(statement, {"token_hash": hash_token(token)}).one_or_none()
    if found is None or found.revoked_at is not None:
        return found, Problem.INVALID
    if found.expires_at <= now:
        return found, Problem.EXPIRED
    return found, None


def revoke(session: Session, model: type, token: str, now: datetime) -> None:
    """Log out: this token's session ends now (a second logout changes nothing)."""
    session.execute(update(model).where(model.token_hash == hash_token(token), model.revoked_at.is_(None))
                    .values(revoked_at=now))


def purge(session: Session, model: type, *, now: datetime, keep_days: int = 30) -> int:
    """Delete logins that expired or were revoked more than keep_days ago (the nightly sweep)."""
    cutoff = now - timedelta(days=keep_days)
    result = session.execute(delete(model).where((model.expires_at < cutoff) | (model.revoked_at < cutoff)))
    return result.rowcount or 0
