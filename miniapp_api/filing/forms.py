"""Form definitions (forms.yaml): one per item, the single source the mini-program, the console and the server
read — fields, types, validation, prefill sources, materials (and which may be 容缺), and the conditions an
applicant may meet by 告知承诺 with the promise text. Also the checks of what an applicant typed, in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from miniapp_api.filing import messages

TYPES = ("text", "textarea", "number", "date", "choice")
# Where a field's value can come from (services.prefill knows how to read each).
PREFILL_SOURCES = ("business.name", "business.address", "business.credit_code", "business.employees",
                   "licence.number", "licence.expires_on", "person.name")
APPLICANTS = ("person", "business")
PROMISE_PREFIX = "promise."          # a signed 告知承诺 is kept among the filing's values under this prefix
FIELD_KEYS = {"key", "label", "type", "required", "max_length", "min", "max", "choices", "prefill"}
CATALOGUE = Path(__file__).parent.parent / "demo" / "catalogue.yaml"


class DefinitionError(ValueError):
    """A form definition that names something unknown (a field type, prefill source, material...)."""


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
class FormMaterial:
    name: str
    deferrable: bool = False         # may be 容缺 (handed in later on a promise); otherwise 必需


@dataclass(frozen=True)
class Promise:
    """告知承诺: a condition the applicant may meet by signing `text` instead of proving it now (checked
    afterwards; a failed check revokes the approval). `instead_of`: the material the promise replaces."""

    key: str
    condition: str
    text: str
    instead_of: str | None = None


@dataclass(frozen=True)
class FormDefinition:
    item_name: str
    applicant: str                  # person | business
    fields: tuple[FormField, ...]
    licence_type: str | None = None  # the licence a renewal form prefills from
    materials: tuple[FormMaterial, ...] = ()   # empty: the item's own list (key 必需, non-key 可容缺)
    promises: tuple[Promise, ...] = ()

    def promise(self, key: str) -> Promise | None:
        return next((p for p in self.promises if p.key == key), None)


def catalogue_materials() -> dict[str, list[str]]:
    """The demo catalogue's materials per item: the names a definition may use."""
    items = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["items"]
    return {name: [m["name"] for m in spec.get("materials", [])] for name, spec in items.items()}


def parse(raw: dict, known_materials: dict[str, list[str]]) -> dict[str, FormDefinition]:
    """Every definition, or DefinitionError naming the first unknown type, prefill source, material or key."""
    found: dict[str, FormDefinition] = {}
    for name, spec in raw.items():
        def fail(what: str) -> DefinitionError:
            return DefinitionError(f"{name}: {what}")
        if spec.get("applicant") not in APPLICANTS:
            raise fail(f"unknown applicant {spec.get('applicant')!r}")
        fields = []
        for f in spec.get("fields") or ():
            if set(f) - FIELD_KEYS:
                raise fail(f"field {f.get('key')}: unknown attribute {sorted(set(f) - FIELD_KEYS)}")
            if f.get("type") not in TYPES:
                raise fail(f"field {f.get('key')}: unknown type {f.get('type')!r}")
            if f.get("prefill") is not None and f["prefill"] not in PREFILL_SOURCES:
                raise fail(f"field {f.get('key')}: unknown prefill source {f['prefill']!r}")
            if f["prefill"].startswith("licence.") if f.get("prefill") else False:
                if not spec.get("licence_type"):
                    raise fail(f"field {f['key']}: prefills from a licence but no licence_type")
            if f["type"] == "choice" and not f.get("choices"):
                raise fail(f"field {f['key']}: a choice without choices")
            if str(f["key"]).startswith(PROMISE_PREFIX):
                raise fail(f"field {f['key']}: the prefix {PROMISE_PREFIX} is kept for promises")
            fields.append(FormField(**{**f, "choices": tuple(f.get("choices", ()))}))
        if len({f.key for f in fields}) != len(fields):
            raise fail("two fields with one key")
        known = set(known_materials.get(name, ()))
        materials = []
        for m in spec.get("materials") or ():
            m = m if isinstance(m, dict) else {"name": m}
            if m["name"] not in known:
                raise fail(f"unknown material {m['name']!r}")
            materials.append(FormMaterial(m["name"], bool(m.get("deferrable", False))))
        promises = []
        for p in spec.get("promises") or ():
            if not p.get("key") or not p.get("condition") or not p.get("text"):
                raise fail("a promise needs key, condition and text")
            if p.get("instead_of") is not None and p["instead_of"] not in {m.name for m in materials}:
                raise fail(f"promise {p['key']}: unknown material {p['instead_of']!r}")
            promises.append(Promise(p["key"], p["condition"], p["text"].strip(), p.get("instead_of")))
        found[name] = FormDefinition(name, spec["applicant"], tuple(fields), spec.get("licence_type"),
                                     tuple(materials), tuple(promises))
    return found


@cache
def definitions() -> dict[str, FormDefinition]:
    raw = yaml.safe_load((Path(__file__).parent / "forms.yaml").read_text(encoding="utf-8"))["forms"]
    return parse(raw, catalogue_materials())


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
    submission may not leave a required one empty. Unknown keys are errors either way. Signed promises
    (`promise.<key>`, kept as typed by the server) pass through when the form has that promise."""
    known = {f.key: f for f in definition.fields}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in values:
        if key.startswith(PROMISE_PREFIX) and definition.promise(key.removeprefix(PROMISE_PREFIX)) is not None:
            clean[key] = values[key]
        elif key not in known:
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


def signed_promises(definition: FormDefinition, values: dict[str, Any]) -> list[tuple[Promise, str]]:
    """The promises signed on a filing, with when (local ISO time), in the form's order."""
    return [(p, values[PROMISE_PREFIX + p.key]) for p in definition.promises if values.get(PROMISE_PREFIX + p.key)]
