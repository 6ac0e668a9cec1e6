"""Liveness and readiness probes for the load balancer and the run command."""

from __future__ import annotations

import structlog
from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from miniapp_api.platform import messages
from miniapp_api.platform.db import db
from miniapp_api.platform.errors import SERVICE_UNAVAILABLE, error_response
from miniapp_api.platform.queues import redis_store

bp = Blueprint("health", __name__)
log = structlog.get_logger(__name__)


@bp.get("/healthz")
def liveness():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readiness():
    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as connection:  # type: ignore[union-attr]
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = "unavailable"
        log.warning("readyz.database_down", error=type(exc).__name__)
    try:
        redis_store.client.ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = "unavailable"
        log.warning("readyz.redis_down", error=type(exc).__name__)
    if all(v == "ok" for v in checks.values()):
        return jsonify({"status": "ok", "checks": checks})
    return error_response(SERVICE_UNAVAILABLE, messages.SERVICE_UNAVAILABLE, 503, checks=checks)
