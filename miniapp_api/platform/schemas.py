"""Schemas shared by every API: the error envelope and the strict base model."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from miniapp_api.platform import messages

NUL_MESSAGE = messages.NUL_CHARACTER
# Every row id a client sends (a path or a body field): a positive bigint, so a huge number is a clear 422, never a
# database error.
Id = Annotated[int, Field(ge=1, le=2**62)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class _NoNul(BaseModel):
    """PostgreSQL text cannot hold NUL: refuse it at the edge (a 422), wherever it hides in the input."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError(NUL_MESSAGE)
        return data


class StrictIn(_NoNul):
    """Request bodies: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. slot_full")
    message: str = Field(description="what to tell the citizen, in Simplified Chinese")
    fields: dict[str, str] = Field(default_factory=dict, description="field path → problem")
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


ERROR_RESPONSES = {status: ErrorEnvelope for status in (400, 401, 403, 404, 405, 409, 410, 413, 422, 423, 429, 500, 502, 503)}


class _SchemaOnce(BaseModel):
    """Query-string and header models. flask-openapi3 asks for the model's JSON schema on every request
    (to tell list parameters from scalars, and nullable headers); computing it costs more than the rest
    of a small read, so the default schema is computed once per class (flask-openapi3 only reads it)."""

    @classmethod
    def model_json_schema(cls, *args, **kwargs):  # type: ignore[override]
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        cached = cls.__dict__.get("_default_json_schema")
        if cached is None:
            cached = super().model_json_schema()
            setattr(cls, "_default_json_schema", cached)
        return cached


class QueryModel(_SchemaOnce, _NoNul):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IdempotencyHeader(_SchemaOnce):
    """The header of a creating POST (documented in OpenAPI; `platform.idempotency` reads and checks it)."""

    model_config = ConfigDict(populate_by_name=True)
    idempotency_key: str | None = Field(default=None, alias="Idempotency-Key", max_length=80,
                                        description="retrying with the same key returns the first answer")
