"""Every kind of message Banshi sends, declared once: its WeChat template group, its quiet-hours class, its
Chinese name, whether it may go by SMS, and the domain that writes it.

The outbox (is it urgent, which template), the consent page (what each template is for), the console (the
kind's name in 消息发送) and the SMS channel (which kinds a person may choose to get by SMS) all read this table;
tests/notifications/test_kinds.py fails when a kind lacks a part, names a group the templates file does not
have, or an SMS template exists for a kind not declared for SMS (or the other way round). The template ids and
fields themselves are per city and stay in the files configuration names (WECHAT_TEMPLATES_FILE,
SMS_TEMPLATES_FILE); the Chinese words are in messages.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from miniapp_api.notifications import messages


@dataclass(frozen=True)
class Kind:
    name: str
    group: str        # the WeChat subscribe-message template group in the templates file
    urgent: bool      # not held back by quiet hours (useless late: a queue call, a cancelled booking)
    owner: str        # the domain that writes it (its package name)
    sms: bool = False  # may go by SMS to people WeChat cannot reach, under their per-kind choice

    @property
    def title(self) -> str:
        """The kind's name as staff and citizens read it (console, SMS choices)."""
        return messages.KIND_NAMES[self.name]


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("appointment_booked", "appointment_status", urgent=True, owner="appointments"),
    Kind("appointment_cancelled", "appointment_status", urgent=True, owner="appointments"),
    Kind("appointment_rescheduled", "appointment_status", urgent=True, owner="appointments"),
    # 暂停服务: a closure cancelled the booking; it may be for tomorrow morning.
    Kind("appointment_closed", "appointment_status", urgent=True, owner="appointments", sms=True),
    Kind("appointment_reminder_day", "appointment_reminder", urgent=False, owner="appointments"),
    Kind("appointment_reminder_hour", "appointment_reminder", urgent=False, owner="appointments"),
    # At the hall: the queue ahead is short, and the number is called. Useless late, so never held back.
    Kind("queue_near", "queue_call", urgent=True, owner="appointments"),
    Kind("queue_called", "queue_call", urgent=True, owner="appointments"),
    # The waitlist: a seat held for a short time (offered at night, the hold starts in the morning).
    Kind("waitlist_offer", "waitlist_result", urgent=False, owner="appointments", sms=True),
    Kind("waitlist_lapsed", "waitlist_result", urgent=False, owner="appointments"),
    Kind("application_status", "application_progress", urgent=False, owner="applications"),
    # The case events a person acts on, each its own kind so that 我的 → 短信提醒 can switch each by SMS: 补正
    # (材料需要补正), 待领取, 已邮寄 (with the tracking number), 办结, and the 一次一评 invitation after 办结 (a short
    # link to the rating page). WeChat shows them as 办件进度 like any status change.
    Kind("application_correction", "application_progress", urgent=False, owner="applications", sms=True),
    Kind("application_ready", "application_progress", urgent=False, owner="applications", sms=True),
    Kind("application_mailed", "application_progress", urgent=False, owner="applications", sms=True),
    Kind("application_completed", "application_progress", urgent=False, owner="applications", sms=True),
    Kind("rating_invitation", "application_progress", urgent=False, owner="applications", sms=True),
    # 分支机构批量变更: the one message when the last branch of a business's online batch ends, listing each
    # branch's outcome (a branch sent to 补正 asks the agent as application_correction).
    Kind("branch_filing_completed", "application_progress", urgent=False, owner="applications"),
    Kind("application_materials_due", "application_materials", urgent=False, owner="applications", sms=True),
    Kind("licence_expiry", "licence_expiry", urgent=False, owner="licences", sms=True),
    # 电子证照: issued, renewed or revoked (the licence template: licence, number, expiry, tip).
    Kind("certificate_status", "licence_expiry", urgent=False, owner="certificates"),
    Kind("feedback_status", "feedback_progress", urgent=True, owner="feedback"),
    Kind("rating_followup", "feedback_progress", urgent=True, owner="ratings"),
    Kind("survey_invitation", "survey_invite", urgent=False, owner="surveys"),
    # Identity moved to another account, a relative's authorisation or a business role started or ended.
    Kind("account_security", "account_security", urgent=True, owner="identity"),
    # 政策快享: a new match, its one reminder, a withdrawal, a new policy of a subscribed category; grant progress.
    Kind("policy_match", "policy_notice", urgent=False, owner="policies", sms=True),
    Kind("policy_reminder", "policy_notice", urgent=False, owner="policies"),
    Kind("policy_withdrawn", "policy_notice", urgent=False, owner="policies"),
    Kind("policy_new", "policy_notice", urgent=False, owner="policies"),
    Kind("policy_grant", "policy_grant", urgent=False, owner="policies"),
    # 帮办代办: a helper assigned, the helper asks to act for the requester (to confirm), the request closed.
    Kind("assistance_assigned", "feedback_progress", urgent=False, owner="assistance"),
    Kind("assistance_grant", "feedback_progress", urgent=False, owner="assistance"),
    Kind("assistance_closed", "feedback_progress", urgent=False, owner="assistance"),
)}


class UnknownKind(ValueError):
    """A message of a kind nobody declared: a programming error, caught by the tests that write it."""


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"message kind {name!r} is not declared in notifications/kinds.py") from None


def sms_kinds() -> tuple[str, ...]:
    """The kinds a person may choose to get by SMS, in declaration order."""
    return tuple(name for name, declared in KINDS.items() if declared.sms)


def purpose(group: str) -> str:
    """What a WeChat template is for, in the consent page's words."""
    return messages.CONSENT_PURPOSES.get(group, messages.OTHER_PURPOSE)
