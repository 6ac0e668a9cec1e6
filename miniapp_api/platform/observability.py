"""Structured JSON logs with a request id on every line of a request, and paths in logs without their secrets.

Three kinds of path carry a secret in place of an id: a signed file link (`/files/<token>`, files/views.py),
a certificate's verification token (`/verify/<token>` and `/api/v1/certificates/verify/<token>`,
certificates/views.py) and a 我的数据 file's signed link (`/api/v1/data-export-files/<token>`, mydata/views.py,
which also wants its owner's bearer). Anyone holding one reads the file or the certificate, so both the request log and
gunicorn's access log (AccessLogger, named by config/gunicorn.py) write them as `<redacted>`.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time

import structlog
from flask import Flask, g, request
from gunicorn.glogging import Logger

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The segment after one of these prefixes, where a path starts (the string's start, or after a space as in the
# request line "GET /files/... HTTP/1.1"); `/api/v1/files/<id>` is a plain id and stays.
_SECRET_SEGMENT = re.compile(
    r"(?<!\S)(/files|/verify|/api/v1/certificates/verify|/api/v1/data-export-files)/[^/?#\s]+")
REDACTED = "<redacted>"


def redact_path(path: str) -> str:
    """The path with a file link's or a certificate's token replaced by <redacted> (any suffix kept)."""
    return _SECRET_SEGMENT.sub(lambda m: f"{m.group(1)}/{REDACTED}", path)


class AccessLogger(Logger):
    """gunicorn's logger, with the path atoms of its access log redacted (redact_path)."""

    PATH_ATOMS = ("r", "U", "{path_info}e", "{raw_uri}e", "{request_uri}e")

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in self.PATH_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        return atoms


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
            log.info("request", method=request.method, path=redact_path(request.path), status=response.status_code,
                     ms=round((time.perf_counter() - started) * 1000, 1))
        return response

    @app.teardown_request
    def _unbind(_exc) -> None:
        structlog.contextvars.clear_contextvars()
