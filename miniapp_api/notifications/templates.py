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

SHIPPED_FILE = Path(__file__).resolve().parents[2] / "config" / "wechat_templates.json"


def configured_file(key: str, shipped: Path) -> Path:
    """The data file configuration names (`key` in the running app's config), else the one shipped."""
    return Path(current_app.config.get(key) or shipped) if has_app_context() else shipped

# message kind → (template group in the JSON file, urgent: not held back by quiet hours)
KINDS: dict[str, tuple[str, bool]] = {
    "appointment_booked": ("appointment_status", True),
    "appointment_cancelled": ("appointment_status", True),
    "appointment_rescheduled": ("appointment_status", True),
    # 暂停服务: a closure cancelled the booking; told at once, it may be for tomorrow morning.
    "appointment_closed": ("appointment_status", True),
    "appointment_reminder_day": ("appointment_reminder", False),
    "appointment_reminder_hour": ("appointment_reminder", False),
    "application_status": ("application_progress", False),
    "application_materials_due": ("application_materials", False),
    "licence_expiry": ("licence_expiry", False),
    # 电子证照: issued, renewed or revoked (the licence template: licence, number, expiry, tip).
    "certificate_status": ("licence_expiry", False),
    "feedback_status": ("feedback_progress", True),
    "rating_followup": ("feedback_progress", True),
    "survey_invitation": ("survey_invite", False),
    # Identity moved to another account, a relative's authorisation started or ended: told at once.
    "account_security": ("account_security", True),
    # At the hall: the queue ahead is short, and the number is called. Useless late, so never held back.
    "queue_near": ("queue_call", True),
    "queue_called": ("queue_call", True),
    # The waitlist: a seat held for a short time (offered at night, the hold starts in the morning).
    "waitlist_offer": ("waitlist_result", False),
    "waitlist_lapsed": ("waitlist_result", False),
    # 政策快享: a new match, its one reminder, a withdrawal, a new policy of a subscribed category; grant progress.
    "policy_match": ("policy_notice", False),
    "policy_reminder": ("policy_notice", False),
    "policy_withdrawn": ("policy_notice", False),
    "policy_new": ("policy_notice", False),
    "policy_grant": ("policy_grant", False),
}

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
    return load_templates()[KINDS[kind][0]]


def is_urgent(kind: str) -> bool:
    return KINDS[kind][1]


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
