"""JSON for the hot citizen reads, written by orjson from plain values (rows, dicts), without building the
pydantic response models on each request.

The models stay what the OpenAPI document shows (the routes name them in `responses`), and each fast path has
a test that serialises the same data both ways and compares (tests/platform/test_fast_json.py and the
domains' tests), so the two cannot drift. Aware datetimes are written as pydantic writes them: UTC as `Z`.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response

OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)


def response(value: Any, status: int = 200) -> Response:
    """A JSON response as Flask's own would be (application/json, UTF-8, Chinese unescaped)."""
    return Response(dumps(value), status=status, mimetype="application/json")
