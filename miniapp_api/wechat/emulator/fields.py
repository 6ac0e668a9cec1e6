"""Subscribe-message field rules, keyed by the prefix of the field name (thing1 → thing).

Limits follow WeChat's documentation of 订阅消息 parameter types; a value that
breaks them makes WeChat answer 47003 naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DATE = r"(\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_TIME_ONE = re.compile(rf"^({_DATE}\s*)?{_CLOCK}$")
_DATE_ONE = re.compile(rf"^{_DATE}(\s*{_CLOCK})?$")


def _ranged(single: re.Pattern[str]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        parts = [p.strip() for p in value.split("~")]
        return 1 <= len(parts) <= 2 and all(single.match(p) for p in parts)
    return check


def _name_ok(value: str) -> bool:
    # Mixed text counts as Chinese: ≤10 when any CJK is present, else ≤20.
    return len(value) <= (10 if _CJK.search(value) else 20)


RULES: dict[str, Callable[[str], bool]] = {
    "thing": lambda v: len(v) <= 20,
    "number": lambda v: re.fullmatch(r"[+-]?\d+(\.\d+)?", v) is not None and len(v.replace(".", "").lstrip("+-")) <= 32,
    "letter": lambda v: re.fullmatch(r"[A-Za-z]{1,32}", v) is not None,
    "symbol": lambda v: re.fullmatch(r"[^\w\s]{1,5}", v) is not None,
    "character_string": lambda v: re.fullmatch(r"[\x21-\x7e]{1,32}", v) is not None,
    "time": _ranged(_TIME_ONE),
    "date": _ranged(_DATE_ONE),
    "amount": lambda v: re.fullmatch(r"[¥$€£]?\d{1,10}(\.\d{1,2})?元?", v) is not None,
    "phone_number": lambda v: re.fullmatch(r"[\d+\-() ]{1,17}", v) is not None,
    "car_number": lambda v: len(v) <= 8 and re.fullmatch(r".[A-Za-z0-9]*.?", v) is not None,
    "name": _name_ok,
    "phrase": lambda v: re.fullmatch(r"[\u3400-\u9fff]{1,5}", v) is not None,
}


def field_kind(key: str) -> str | None:
    kind = key.rstrip("0123456789")
    return kind if kind in RULES or kind == "enum" else None


def field_problem(key: str, value: object) -> str | None:
    """WeChat's errmsg fragment for a bad value, or None when it passes."""
    kind = field_kind(key)
    if kind is None:
        return f"argument invalid! data.{key} unknown keyword"
    if not isinstance(value, str) or value == "":
        return f"argument invalid! data.{key}.value is empty"
    if _CONTROL.search(value):
        return f"argument invalid! data.{key}.value contains control characters"
    if kind == "enum":
        return None
    if not RULES[kind](value):
        return f"argument invalid! data.{key}.value invalid for type {kind}"
    return None
