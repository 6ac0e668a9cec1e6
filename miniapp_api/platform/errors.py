"""Domain errors and the one JSON error envelope every failure answers with.

`{"error": {"code": "slot_full", "message": "该时段已约满…", "fields": {...}}}`
Codes are stable constants shared by services and tests; messages are what a
citizen reads, in Simplified Chinese.
"""

from __future__ import annotations

from typing import Any

import structlog
from flask import Flask, Response, g, jsonify
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

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
    400: (BAD_REQUEST, "请求格式有误，请检查后重试"),
    401: (UNAUTHENTICATED, "请先登录"),
    404: (NOT_FOUND, "您访问的内容不存在"),
    405: (METHOD_NOT_ALLOWED, "不支持该操作方式"),
    413: (PAYLOAD_TOO_LARGE, "提交的内容过大，请精简后重试"),
    415: (UNSUPPORTED_MEDIA_TYPE, "请以 JSON 格式提交"),
    429: (RATE_LIMITED, "操作太频繁，请稍后再试"),
    503: (SERVICE_UNAVAILABLE, "服务暂时不可用，请稍后再试"),
}

# Pydantic error types → a Chinese explanation for the field.
FIELD_MESSAGES: dict[str, str] = {
    "missing": "此项必填",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "string_type": "应为文字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "extra_forbidden": "不支持此项",
    "string_pattern_mismatch": "格式不正确",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "json_invalid": "不是有效的 JSON",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
}


class DomainError(Exception):
    """A refusal a citizen or staff member should read: code, Chinese message, status."""

    code: str = BAD_REQUEST
    message: str = "请求无法完成"
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
    code, message, status = NOT_FOUND, "您访问的内容不存在", 404


class Unauthenticated(DomainError):
    code, message, status = UNAUTHENTICATED, "请先登录", 401


class InvalidInput(DomainError):
    code, message, status = VALIDATION_FAILED, "提交的信息有误，请按提示修改", 422


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
        if error["type"] == "value_error" and custom is not None:
            text = str(custom)
        else:
            text = FIELD_MESSAGES.get(error["type"], "格式不正确")
        fields.setdefault(path, text)
    return fields


def validation_error_response(exc: ValidationError) -> Response:
    """flask-openapi3's hook: every schema failure becomes the envelope with 422."""
    fields = field_errors(exc)
    log.info("request.invalid", fields=sorted(fields))
    return error_response(VALIDATION_FAILED, "提交的信息有误，请按提示修改", 422, fields)


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
                                                    "请求无法完成"))
        response = error_response(code, message, status)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(DataError)
    def _unstorable(exc: DataError):
        # Input the edge validation let through but PostgreSQL cannot store (a value out of a column's
        # range, an unrepresentable character): still bad input, never a crash. Logged to fix the edge.
        log.warning("request.unstorable", error=str(exc.orig).splitlines()[0][:200])
        return error_response(VALIDATION_FAILED, "提交的内容无法保存，请检查后重试", 422)

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):
        log.error("database.unavailable", error=str(exc.orig)[:200])
        code, message = HTTP_MESSAGES[503]
        return error_response(code, message, 503)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("request.crashed")
        return error_response(INTERNAL_ERROR, "系统繁忙，请稍后再试；如问题持续，请把请求编号告诉工作人员", 500)
