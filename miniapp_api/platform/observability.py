"""Structured JSON logs with a request id on every line of a request, and paths in logs without their secrets.

Three kinds of path carry a secret in place of an id: a signed file link (`/files/<token>`, files/views.py),
a certificate's verification token (`/verify/<token>` and `/api/v1/certificates/verify/<token>`,
certificates/views.py) and a 我的数据 file's signed link (`/api/v1/data-export-files/<token>`, mydata/views.py,
which also wants its owner's bearer). Anyone holding one reads the file or the certificate, so both the request log and
the access log write them as `<redacted>`.

The access log is written by the app (AccessLog, a WSGI middleware), not by the server, so it is the same
privacy-reviewed line under gunicorn or granian and one test covers both (tests/platform/test_access_log.py):
peer, time, method, path, status, bytes, milliseconds, in gunicorn's common layout
`%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms`. Never the query string or the referer: they carry citizens'
coordinates (`?lat=&lng=`), search words and references.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import structlog
from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The segment after one of these prefixes, where a path starts (the string's start, or after a space as in the
# request line "GET /files/... HTTP/1.1"); `/api/v1/files/<id>` is a plain id and stays.
_SECRET_SEGMENT = re.compile(
    r"(?<!\S)(/files|/verify|/api/v1/certificates/verify|/api/v1/data-export-files)/[^/?#\s]+")
REDACTED = "<redacted>"


def redact_path(path: str) -> str:
    """The path with a file link's or a certificate's token replaced by <redacted> (any suffix kept)."""
    return _SECRET_SEGMENT.sub(lambda m: f"{m.group(1)}/{REDACTED}", path)


def access_line(environ: dict, status: str, size: int, seconds: float, when: datetime) -> str:
    """One access-log line: `peer [time] "METHOD /path" status bytes msms`, the path redacted, no query string."""
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    try:   # WSGI hands the path over as latin-1; the request's own bytes are UTF-8
        path = path.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        pass
    return (f'{environ.get("REMOTE_ADDR") or "-"} [{when.strftime("%d/%b/%Y:%H:%M:%S %z")}] '
            f'"{environ.get("REQUEST_METHOD", "-")} {redact_path(path)}" {status.split(" ", 1)[0]} '
            f'{size or "-"} {int(seconds * 1000)}ms')


class AccessLog:
    """WSGI middleware writing access_line for every request once its answer is sent (or abandoned).

    A small answer of known length (nearly every API answer) is read into a list, its line written and the list
    handed to the server: a server sends a list in one piece (granian's fast path), where an iterator costs it a
    hand-over per chunk. Anything larger, or of unknown length, streams through and is logged when closed."""

    BUFFER_LIMIT = 64 * 1024

    def __init__(self, app: Callable, write: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.write = write or _stdout_line

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        answered: list = []

        def recording_start_response(status: str, headers: list, exc_info=None):
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, recording_start_response)
        except BaseException:
            self._log(environ, answered[0] if answered else "500", 0, started)
            raise
        length = next((value for name, value in (answered[1] if answered else ())
                       if name.lower() == "content-length"), None)
        if length is not None and length.isdigit() and int(length) <= self.BUFFER_LIMIT:
            try:
                chunks = list(body)
            except BaseException:
                self._log(environ, answered[0], 0, started)
                raise
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            self._log(environ, answered[0], sum(map(len, chunks)), started)
            return chunks
        return _Counted(body, lambda size: self._log(environ, answered[0] if answered else "500", size, started))

    def _log(self, environ: dict, status: str, size: int, started: float) -> None:
        self.write(access_line(environ, status, size, time.perf_counter() - started, datetime.now(UTC)))


class _Counted:
    """The answer's body, counting the bytes the server takes and reporting them once, when it is closed."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self.body, self.done, self.size = body, done, 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.size += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.size)


_STDOUT_LOCK = threading.Lock()


def _stdout_line(line: str) -> None:
    # Standard output, as gunicorn's `accesslog = "-"` wrote it; one write per line, whole lines between threads.
    with _STDOUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


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
