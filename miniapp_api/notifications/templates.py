"""Message kinds → WeChat subscribe-message templates, rendered from one place.

The template ids and field names live in a JSON file (they are per mini-program,
from the WeChat console) that configuration names: WECHAT_TEMPLATES_FILE, read
from the running app's config; the file shipped (config/wechat_templates.json)
serves where no app runs (the emulator's command, tests). Every value is cut to
its field type's limit here, before WeChat would refuse it with 47003.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context

from miniapp_api.notifications import kinds

SHIPPED_FILE = Path(__file__).resolve().parents[2] / "config" / "wechat_templates.json"


def configured_file(key: str, shipped: Path) -> Path:
    """The data file configuration names (`key` in the running app's config), else the one shipped."""
    return Path(current_app.config.get(key) or shipped) if has_app_context() else shipped

_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phone_number": 17,
           "car_number": 8}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Template:
    group: str
    template_id: str
    fields: dict[str, str]      # WeChat field key → context name
    long_term: bool


def load_templates(path: Path | None = None) -> dict[str, Template]:
    return _read_templates(path or configured_file("WECHAT_TEMPLATES_FILE", SHIPPED_FILE))


@cache
def _read_templates(path: Path) -> dict[str, Template]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {group: Template(group, spec["template_id"], spec["fields"], spec["subscription"] == "long_term")
            for group, spec in raw.items() if not group.startswith("_")}


def template_for(kind: str) -> Template:
    return load_templates()[kinds.kind(kind).group]


def is_urgent(kind: str) -> bool:
    return kinds.kind(kind).urgent


def fit(key: str, value: str) -> str:
    """Cut a value to what WeChat accepts for the field's type (the key's prefix: thing1 → thing)."""
    kind = key.rstrip("0123456789")
    value = _CONTROL.sub(" ", value).strip()
    if kind == "phrase":
        return "".join(_CJK.findall(value))[:5]
    if kind == "name":
        limit = 10 if _CJK.search(value) else 20
        return value[:limit]
    limit = _LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…" if kind == "thing" else value[:limit]


def template_fields(kind: str, context: dict[str, str]) -> dict[str, str]:
    template = template_for(kind)
    return {key: fit(key, context[name]) for key, name in template.fields.items()}


def emulator_templates(path: Path | None = None) -> dict[str, list[str]]:
    """What the WeChat console would hold for this mini-program: template id → field keys."""
    return {t.template_id: list(t.fields) for t in load_templates(path).values()}
