"""One declaration per message kind (notifications/kinds.py): every part is there, and the outbox, the consent
page, the console and the SMS channel read it — a kind missing a part, a template group the templates file lacks,
or an SMS template the declaration does not expect fails here."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from miniapp_api.bootstrap import declarations
from miniapp_api.console.admin import KIND_NAMES as CONSOLE_NAMES
from miniapp_api.notifications import kinds, messages, services
from miniapp_api.notifications.sms import SHIPPED_SMS_FILE, SMS_ONLY_NAMES, sms_kinds
from miniapp_api.notifications.templates import SHIPPED_FILE, is_urgent, template_for

ROOT = Path(__file__).resolve().parents[2]
WECHAT = {group: spec for group, spec in json.loads(SHIPPED_FILE.read_text(encoding="utf-8")).items()
          if not group.startswith("_")}
SMS = {kind: spec for kind, spec in json.loads(SHIPPED_SMS_FILE.read_text(encoding="utf-8")).items()
       if not kind.startswith("_")}


@pytest.mark.parametrize("name", sorted(kinds.KINDS))
def test_every_kind_has_every_part(name):
    kind = kinds.KINDS[name]
    assert kind.group in WECHAT, f"{name}: no template group {kind.group!r} in {SHIPPED_FILE.name}"
    assert re.search(r"[\u4e00-\u9fff]", kind.title), f"{name}: no Chinese name"
    assert kind.owner in {d.name for d in declarations()}, f"{name}: {kind.owner!r} is no domain"
    assert isinstance(kind.urgent, bool)
    if kind.sms:
        assert name in SMS, f"{name} is declared for SMS but {SHIPPED_SMS_FILE.name} has no template for it"
        names = [param["name"] for param in SMS[name]["params"]]
        extras = set(names) - set(WECHAT[kind.group]["fields"].values())
        assert extras <= set(SMS_ONLY_NAMES), f"{name}: {extras} is neither a WeChat field nor an SMS-only value"
        assert all(0 < int(param["max"]) <= 500 for param in SMS[name]["params"]), name


def test_every_template_group_and_every_sms_template_belongs_to_a_declared_kind():
    assert set(WECHAT) == {k.group for k in kinds.KINDS.values()}, "a template group no kind uses, or the reverse"
    assert set(WECHAT) == set(messages.CONSENT_PURPOSES), "the consent page needs words for every template"
    assert set(SMS) == set(kinds.sms_kinds()) == set(sms_kinds())
    assert set(messages.KIND_NAMES) == set(kinds.KINDS)


def test_the_outbox_the_consent_page_the_console_and_the_sms_choices_read_the_declaration():
    for name, kind in kinds.KINDS.items():
        assert template_for(name).group == kind.group and is_urgent(name) is kind.urgent
        assert CONSOLE_NAMES[name] == kind.title
    assert [kinds.purpose(group) for group in WECHAT] == [messages.CONSENT_PURPOSES[g] for g in WECHAT]
    with pytest.raises(kinds.UnknownKind):
        template_for("appointment_teleported")


def test_a_message_of_an_undeclared_kind_is_refused_when_written(db_session):
    draft = services.Draft(citizen_id=1, kind="appointment_teleported", context={}, title="?", body="?", page=None)
    with pytest.raises(kinds.UnknownKind):
        services.insert_drafts(db_session, [draft], datetime(2026, 11, 23, tzinfo=UTC))


def test_every_kind_the_code_writes_is_declared():
    written = set()
    for path in (ROOT / "miniapp_api").rglob("*.py"):
        written |= set(re.findall(r'kind="([a-z_]+)"', path.read_text(encoding="utf-8")))
    notification_kinds = {k for k in written if k.startswith(("appointment_", "application_", "licence_", "certificate_",
                                                               "feedback_", "rating_", "survey_", "account_", "policy_",
                                                               "queue_", "waitlist_"))}
    assert notification_kinds <= set(kinds.KINDS), notification_kinds - set(kinds.KINDS)
