"""SMS as a second channel, for the kinds that matter most, to people WeChat cannot reach.

A message goes by SMS only when all of these hold: its kind has an SMS template (config/sms_templates.json; the
kinds declared `sms=True` in kinds.py, listed in docs/notifications.md); the citizen has no WeChat consent for it; their
phone was verified (WeChat's getPhoneNumber, not typed); they have not opted out of that kind (我的 → 短信提醒);
and fewer than the daily cap went to them today. The outbox decides and records it (delivery.py): quiet hours,
exactly once and `unknown` never resent apply as for WeChat.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from miniapp_api.notifications.kinds import KINDS
from miniapp_api.notifications.templates import configured_file, template_for
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.sms import SmsGateway

SHIPPED_SMS_FILE = Path(__file__).resolve().parents[2] / "config" / "sms_templates.json"


# An SMS-only value (one the kind's WeChat template has no field for: a tracking number, a link's code) rides in
# the message's rendered fields under this prefix; the WeChat send leaves such keys out.
SMS_ONLY = "sms:"
SMS_ONLY_NAMES = ("deadline", "carrier", "tracking", "link")   # what writers may add for SMS (kinds test checks)


@dataclass(frozen=True)
class SmsTemplate:
    kind: str
    template_id: str
    text: str
    params: tuple[str, ...]
    max_lengths: tuple[int, ...]   # the longest value the account may send for each variable (Tencent's rule)


def load_sms_templates(path: Path | None = None) -> dict[str, SmsTemplate]:
    return _read_sms_templates(path or configured_file("SMS_TEMPLATES_FILE", SHIPPED_SMS_FILE))


@cache
def _read_sms_templates(path: Path) -> dict[str, SmsTemplate]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind: SmsTemplate(kind, spec["template_id"], spec["text"], tuple(p["name"] for p in spec["params"]),
                              tuple(int(p["max"]) for p in spec["params"]))
            for kind, spec in raw.items() if not kind.startswith("_")}


def sms_kinds() -> tuple[str, ...]:
    """The kinds with an SMS template that are declared for SMS (notifications/kinds.py), in the file's order."""
    return tuple(kind for kind in load_sms_templates() if kind in KINDS and KINDS[kind].sms)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _readable(value: str) -> str:
    """WeChat's date fields take 2027-02-20; a text message reads 2027年02月20日."""
    return _ISO_DAY.sub(r"\1年\2月\3日", value)


def sms_extras(kind: str, context: dict[str, str]) -> dict[str, str]:
    """The SMS-only values of a kind's template, from the writer's context, as they are kept in the row's fields."""
    template = load_sms_templates().get(kind)
    if template is None:
        return {}
    shared = set(template_for(kind).fields.values())
    return {SMS_ONLY + name: _CONTROL.sub(" ", str(context.get(name) or "")).strip()
            for name in template.params if name not in shared}


def wechat_fields(fields: dict[str, str]) -> dict[str, str]:
    """What goes to WeChat: the rendered fields without the SMS-only values."""
    return {key: value for key, value in fields.items() if not key.startswith(SMS_ONLY)}


def _fit(value: str, most: int) -> str:
    """Tencent refuses a variable longer than the account allows (TemplateParameterLengthLimit): cut it."""
    return value if len(value) <= most else value[: most - 1] + "…"


def sms_params(kind: str, fields: dict[str, str]) -> list[str]:
    """The template's parameters from a message's rendered fields (by the names both channels share, or the
    SMS-only ones), each cut to the length the account may send."""
    key_of = {name: key for key, name in template_for(kind).fields.items()}
    template = load_sms_templates()[kind]
    return [_fit(_readable(fields.get(key_of.get(name, SMS_ONLY + name), "")), most)
            for name, most in zip(template.params, template.max_lengths, strict=True)]


def emulator_sms_templates(path: Path | None = None) -> dict[str, str]:
    """What the SMS console would hold: template id → approved text."""
    return {t.template_id: t.text for t in load_sms_templates(path).values()}


def emulator_sms_limits(path: Path | None = None) -> dict[str, tuple[int, ...]]:
    """What the SMS console allows per template: template id → the longest value of each variable."""
    return {t.template_id: t.max_lengths for t in load_sms_templates(path).values()}


@dataclass(frozen=True)
class SmsChannel:
    gateway: SmsGateway
    cipher: FieldCipher
    daily_cap: int = 3
