"""Structured JSON logs with a request id on every line of a request."""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time

import structlog
from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Idempotent: safe to call from every process entry point."""
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json_lines else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # stderr: standard output is for what a command prints (bench figures, CLI answers), never logs.
        # Looked up when a logger is made, so a redirected stderr (tests, daemons) is honoured.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )


def init_request_logging(app: Flask) -> None:
    log = structlog.get_logger("miniapp_api.request")

    @app.before_request
    def _bind_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        g.request_started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

    @app.after_request
    def _log_response(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        if started is not None and request.path not in ("/healthz",):
            log.info("request", method=request.method, path=request.path, status=response.status_code,
                     ms=round((time.perf_counter() - started) * 1000, 1))
        return response

    @app.teardown_request
    def _unbind(_exc) -> None:
        structlog.contextvars.clear_contextvars()
