"""Form definitions (forms.yaml) and the checks of what an applicant typed, field by field, in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from miniapp_api.filing import messages

TYPES = ("text", "textarea", "number", "date", "choice")


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    type: str
    required: bool = False
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()
    prefill: str | None = None


@dataclass(frozen=True)
class FormDefinition:
    item_name: str
    applicant: str                  # person | business
    fields: tuple[FormField, ...]
    licence_type: str | None = None  # the licence a renewal form prefills from


@cache
def definitions() -> dict[str, FormDefinition]:
    raw = yaml.safe_load((Path(__file__).parent / "forms.yaml").read_text(encoding="utf-8"))["forms"]
    found = {}
    for name, spec in raw.items():
        fields = tuple(FormField(**{**f, "choices": tuple(f.get("choices", ()))}) for f in spec["fields"])
        assert all(f.type in TYPES for f in fields), name
        found[name] = FormDefinition(name, spec["applicant"], fields, spec.get("licence_type"))
    return found


def definition_for(item_name: str) -> FormDefinition | None:
    return definitions().get(item_name)


def _one(field: FormField, value: Any) -> tuple[Any, str | None]:
    """(the value as stored, or an error message)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if field.type in ("text", "textarea"):
        text = str(value).strip()
        if field.max_length and len(text) > field.max_length:
            return None, messages.TOO_LONG.format(label=field.label, max=field.max_length)
        return text, None
    if field.type == "number":
        try:
            number = int(str(value).strip())
        except ValueError:
            return None, messages.NOT_A_NUMBER.format(label=field.label)
        low, high = field.min if field.min is not None else -(10**9), field.max if field.max is not None else 10**9
        if not low <= number <= high:
            return None, messages.OUT_OF_RANGE.format(label=field.label, min=low, max=high)
        return number, None
    if field.type == "date":
        try:
            return date.fromisoformat(str(value).strip()).isoformat(), None
        except ValueError:
            return None, messages.NOT_A_DATE.format(label=field.label)
    choice = str(value).strip()
    if choice not in field.choices:
        return None, messages.NOT_A_CHOICE.format(label=field.label)
    return choice, None


def check_values(definition: FormDefinition, values: dict[str, Any], *, complete: bool) -> tuple[dict, dict]:
    """(clean values, errors by `values.<key>`). A draft (`complete=False`) may leave fields empty; a
    submission may not leave a required one empty. Unknown keys are errors either way."""
    known = {f.key: f for f in definition.fields}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in values:
        if key not in known:
            errors[f"values.{key}"] = messages.UNKNOWN_FIELD
    for field in definition.fields:
        value, error = _one(field, values.get(field.key))
        if error:
            errors[f"values.{field.key}"] = error
        elif value is None and complete and field.required:
            errors[f"values.{field.key}"] = messages.REQUIRED.format(label=field.label)
        elif value is not None:
            clean[field.key] = value
    return clean, errors
