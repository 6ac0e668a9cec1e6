"""Rate limits (flask-limiter, counters in Redis so every web process shares them)."""

from __future__ import annotations

from flask import g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", headers_enabled=True)

BOOKING_PER_CITIZEN = "10 per minute;60 per day"
BOOKING_PER_IP = "60 per minute"
LOGIN_PER_IP = "30 per minute"
LOOKUP_PER_CITIZEN = "10 per minute;30 per day"
# Four digits are 10,000 guesses: a handful per reference per hour makes guessing hopeless.
LOOKUP_PER_REFERENCE = "5 per hour"
FEEDBACK_PER_CITIZEN = "5 per minute;20 per day"


def per_citizen() -> str:
    citizen = g.get("citizen")
    return f"citizen:{citizen.id}" if citizen is not None else f"ip:{get_remote_address()}"


def per_lookup_reference() -> str:
    body = request.get_json(silent=True)
    reference = body.get("reference") if isinstance(body, dict) else None
    return f"lookup:{str(reference)[:40]}"


def storage_uri(redis_url: str) -> str:
    """limits spells a unix-socket Redis `redis+unix://`."""
    return "redis+unix://" + redis_url[len("unix://"):] if redis_url.startswith("unix://") else redis_url
