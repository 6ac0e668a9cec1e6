"""Rate limits (flask-limiter, counters in Redis so every web process shares them)."""

from __future__ import annotations

import logging

import structlog
from flask import g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from miniapp_api.platform.auth import field_cipher

log = structlog.get_logger(__name__)
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", headers_enabled=True)

BOOKING_PER_CITIZEN = "10 per minute;60 per day"
BOOKING_PER_IP = "60 per minute"
LOGIN_PER_IP = "30 per minute"
# Staff password logins: each try costs an argon2 hash. Per address, and per username wherever it comes from.
STAFF_LOGIN_PER_IP = "20 per minute;200 per day"
STAFF_LOGIN_PER_USERNAME = "10 per 15 minutes"
LOOKUP_PER_CITIZEN = "10 per minute;30 per day"
# Four digits are 10,000 guesses: a handful per reference per hour makes guessing hopeless.
LOOKUP_PER_REFERENCE = "5 per hour"
FEEDBACK_PER_CITIZEN = "5 per minute;20 per day"
WALK_IN_PER_CITIZEN = "6 per hour;12 per day"
PROFILE_PER_CITIZEN = "10 per hour;30 per day"
# A face check is a scarce, paid WeChat capability and the way to probe ID numbers: few tries, per
# account and per ID number, then the hall (never locked out for good: the windows stay a route).
VERIFY_PER_CITIZEN = "5 per hour;10 per day"
VERIFY_PER_ID_NUMBER = "5 per day"
LICENCES_PER_CITIZEN = "30 per minute;200 per day"
# Uploads: a filing with a dozen materials, retried on a weak signal, fits; a script filling the disk does not.
UPLOADS_PER_CITIZEN = "30 per minute;300 per day"
RELATIVES_PER_CITIZEN = "10 per hour;20 per day"
GUIDE_SEARCH_PER_IP = "120 per minute"      # public, and an unanswered question is written down
HANDOFF_PER_CITIZEN = "5 per hour;10 per day"
# 我的数据: each request builds a full copy of the account in a worker; one is pending at a time anyway.
DATA_EXPORTS_PER_CITIZEN = "3 per hour;10 per day"


def per_citizen() -> str:
    citizen = g.get("citizen")
    return f"citizen:{citizen.id}" if citizen is not None else f"ip:{get_remote_address()}"


def _named_in_request(name: str) -> object:
    """A field of the request's JSON body (or, for the console's forms, of the posted form), None if absent."""
    body = request.get_json(silent=True) if request.is_json else None
    return body.get(name) if isinstance(body, dict) else request.form.get(name)


def per_username() -> str:
    """The username a staff login names (JSON body or console form), trimmed and lower-cased."""
    name = _named_in_request("username")
    return "staff-login:" + (str(name).strip().lower()[:40] if name else "-")


def per_lookup_reference() -> str:
    # The key is the reference as the lookup reads it (trimmed, upper case, no inner spaces): padding or case
    # must not open a new bucket of guesses.
    return "lookup:" + "".join(str(_named_in_request("reference")).split()).upper()[:40]


def per_id_number_in_body() -> str:
    """The ID number a request names, as a keyed hash: the counter key never holds the number itself."""
    value = _named_in_request("id_number")
    if not isinstance(value, str) or not value.strip():
        return per_citizen()
    return "idnum:" + field_cipher().lookup_hash(value.strip().upper(), context="rate_limit.id_number")


def storage_uri(redis_url: str, sentinels: str | None = None, master: str = "") -> str:
    """limits spells a unix-socket Redis `redis+unix://`, and Sentinels `redis+sentinel://h:p,h:p/master`."""
    if sentinels:
        return f"redis+sentinel://{sentinels.replace(' ', '')}/{master}"
    return "redis+unix://" + redis_url[len("unix://"):] if redis_url.startswith("unix://") else redis_url


def storage_options(timeout: float, sentinels: str | None = None) -> dict[str, object]:
    """The limiter's Redis connections answer within `timeout`, as every other Redis call does (platform/queues.py).
    With Sentinels, limits hands its Sentinel client only `sentinel_kwargs` (empty unless given), so the timeouts
    go there too: otherwise a Sentinel that stops answering holds the request however short the master's timeout."""
    timeouts: dict[str, object] = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    return {**timeouts, "sentinel_kwargs": dict(timeouts)} if sentinels else timeouts


class _StorageFailures(logging.Handler):
    """flask-limiter reports a failing storage (Redis down or slow) only by logging it. Each report is counted
    for /metrics and logged once more as a structured warning; the request itself goes on."""

    count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            _StorageFailures.count += 1
            log.warning("rate_limit.storage_unavailable", detail=record.getMessage()[:200])


def count_storage_failures() -> None:
    logger = logging.getLogger("flask-limiter")
    if not any(isinstance(h, _StorageFailures) for h in logger.handlers):
        logger.addHandler(_StorageFailures())


def storage_failures() -> int:
    return _StorageFailures.count
