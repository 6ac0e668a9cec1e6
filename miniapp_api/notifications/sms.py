"""SMS as a second channel, for the kinds that matter most, to people WeChat cannot reach.

A message goes by SMS only when all of these hold: its kind has an SMS template (config/sms_templates.json:
licence expiry, 容缺 material deadlines, waitlist offers); the citizen has no WeChat consent for it; their
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


@dataclass(frozen=True)
class SmsTemplate:
    kind: str
    template_id: str
    text: str
    params: tuple[str, ...]


def load_sms_templates(path: Path | None = None) -> dict[str, SmsTemplate]:
    return _read_sms_templates(path or configured_file("SMS_TEMPLATES_FILE", SHIPPED_SMS_FILE))


@cache
def _read_sms_templates(path: Path) -> dict[str, SmsTemplate]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind: SmsTemplate(kind, spec["template_id"], spec["text"], tuple(spec["params"]))
            for kind, spec in raw.items() if not kind.startswith("_")}


def sms_kinds() -> tuple[str, ...]:
    """The kinds with an SMS template that are declared for SMS (notifications/kinds.py), in the file's order."""
    return tuple(kind for kind in load_sms_templates() if kind in KINDS and KINDS[kind].sms)


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _readable(value: str) -> str:
    """WeChat's date fields take 2027-02-20; a text message reads 2027年02月20日."""
    return _ISO_DAY.sub(r"\1年\2月\3日", value)


def sms_params(kind: str, fields: dict[str, str]) -> list[str]:
    """The template's parameters from a message's rendered WeChat fields (by the names both share)."""
    key_of = {name: key for key, name in template_for(kind).fields.items()}
    return [_readable(fields.get(key_of[name], "")) for name in load_sms_templates()[kind].params]


def emulator_sms_templates(path: Path | None = None) -> dict[str, str]:
    """What the SMS console would hold: template id → approved text."""
    return {t.template_id: t.text for t in load_sms_templates(path).values()}


@dataclass(frozen=True)
class SmsChannel:
    gateway: SmsGateway
    cipher: FieldCipher
    daily_cap: int = 3
