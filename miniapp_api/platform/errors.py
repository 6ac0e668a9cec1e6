"""Domain errors and the one JSON error envelope every failure answers with.

`{"error": {"code": "slot_full", "message": "该时段已约满…", "fields": {...}}}`
Codes are stable constants shared by services and tests; messages are what a
citizen reads, in Simplified Chinese.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import structlog
from flask import Flask, Response, g, jsonify
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from miniapp_api.platform import messages

log = structlog.get_logger(__name__)

# Generic codes (domain packages define their own beside their services).
VALIDATION_FAILED = "validation_failed"
NOT_FOUND = "not_found"
ILLEGAL_TRANSITION = "illegal_transition"  # a state machine refuses the step (applications, feedback, ratings)
METHOD_NOT_ALLOWED = "method_not_allowed"
PAYLOAD_TOO_LARGE = "payload_too_large"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
RATE_LIMITED = "rate_limited"
UNAUTHENTICATED = "unauthenticated"
SERVICE_UNAVAILABLE = "service_unavailable"
INTERNAL_ERROR = "internal_error"
BAD_REQUEST = "bad_request"

HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: (BAD_REQUEST, messages.BAD_REQUEST),
    401: (UNAUTHENTICATED, messages.UNAUTHENTICATED),
    404: (NOT_FOUND, messages.NOT_FOUND),
    405: (METHOD_NOT_ALLOWED, messages.METHOD_NOT_ALLOWED),
    413: (PAYLOAD_TOO_LARGE, messages.PAYLOAD_TOO_LARGE),
    415: (UNSUPPORTED_MEDIA_TYPE, messages.UNSUPPORTED_MEDIA_TYPE),
    429: (RATE_LIMITED, messages.RATE_LIMITED),
    503: (SERVICE_UNAVAILABLE, messages.SERVICE_UNAVAILABLE),
}
FIELD_MESSAGES = messages.FIELD_MESSAGES


class DomainError(Exception):
    """A refusal a citizen or staff member should read: code, Chinese message, status."""

    code: str = BAD_REQUEST
    message: str = messages.CANNOT_COMPLETE
    status: int = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None,
                 fields: dict[str, str] | None = None, **details: Any):
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}
        self.details = details
        super().__init__(self.message)


class NotFound(DomainError):
    code, message, status = NOT_FOUND, messages.NOT_FOUND, 404


def require_state(status: str, allowed: Collection[str], *, message: str, names: Mapping[str, str],
                  code: str = ILLEGAL_TRANSITION) -> None:
    """The one guard of every state machine: a step from any other state is refused with 409, the message naming
    the state the record is in (`message` has a `{status}` slot, `names` the states in words)."""
    if status not in allowed:
        raise DomainError(message.format(status=names[status]), code=code, status=409)


class Unauthenticated(DomainError):
    code, message, status = UNAUTHENTICATED, messages.UNAUTHENTICATED, 401


class InvalidInput(DomainError):
    code, message, status = VALIDATION_FAILED, messages.INVALID_INPUT, 422


def error_response(code: str, message: str, status: int, fields: dict[str, str] | None = None,
                   **extra: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    response = jsonify({"error": body})
    response.status_code = status
    return response


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One Chinese message per field, keyed by its dotted path."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "body"
        ctx = error.get("ctx") or {}
        custom = ctx.get("error")
        typed = error.get("input")
        if error["type"] == "value_error" and custom is not None:
            text = str(custom)
        elif error["type"] == "string_too_short" and isinstance(typed, str):
            # Empty is "fill it in"; too short says how much is needed.
            text = (messages.FIELD_REQUIRED if not typed.strip()
                    else messages.TOO_SHORT.format(minimum=ctx.get("min_length", "")))
        elif error["type"] == "string_too_long" and isinstance(typed, str):
            text = messages.TOO_LONG.format(maximum=ctx.get("max_length", ""), length=len(typed))
        else:
            text = FIELD_MESSAGES.get(error["type"], messages.FIELD_FORMAT)
        fields.setdefault(path, text)
    return fields


def validation_error_response(exc: ValidationError) -> Response:
    """flask-openapi3's hook: every schema failure becomes the envelope with 422."""
    fields = field_errors(exc)
    log.info("request.invalid", fields=sorted(fields))
    return error_response(VALIDATION_FAILED, messages.INVALID_INPUT, 422, fields)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        log.info("request.refused", code=exc.code, status=exc.status)
        return error_response(exc.code, exc.message, exc.status, exc.fields, **exc.details)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return validation_error_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.response is not None:  # already rendered (e.g. flask-openapi3 validation)
            return exc.response
        status = exc.code or 500
        code, message = HTTP_MESSAGES.get(status, (BAD_REQUEST if status < 500 else INTERNAL_ERROR,
                                                    messages.CANNOT_COMPLETE))
        response = error_response(code, message, status)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(DataError)
    def _unstorable(exc: DataError):
        # Input the edge validation let through but PostgreSQL cannot store (a value out of a column's
        # range, an unrepresentable character): still bad input, never a crash. Logged to fix the edge.
        log.warning("request.unstorable", error=str(exc.orig).splitlines()[0][:200])
        return error_response(VALIDATION_FAILED, messages.UNSTORABLE, 422)

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):
        log.error("database.unavailable", error=str(exc.orig)[:200])
        code, message = HTTP_MESSAGES[503]
        return error_response(code, message, 503)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("request.crashed")
        return error_response(INTERNAL_ERROR, messages.CRASHED, 500)


def yaml_problem(exc: Exception) -> str:
    """A YAML parser's complaint as a person can act on it: the line and column, and what to look at (PyYAML's
    own words, English and technical, are not shown)."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    hint = next((words for clue, words in messages.YAML_HINTS if clue in problem), messages.YAML_HINT_DEFAULT)
    return messages.YAML_AT.format(line=mark.line + 1 if mark else 1, column=mark.column + 1 if mark else 1, hint=hint)
