"""Survey jobs: send due invitations, one reminder and expiry, the monthly campaign and the quarterly audit."""

from __future__ import annotations

from datetime import date

import structlog

from jobs.runtime import in_app_context, in_chunks
from miniapp_api.platform.clock import today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.surveys import campaigns, services

log = structlog.get_logger(__name__)
MONTHLY_PER_ITEM = 20
AUDIT_RATE = 0.04
SEED = 2026


@in_app_context
def send_due_invitations() -> int:
    sent = sum(in_chunks(lambda: services.send_due(db.session, utcnow()), more=lambda batch: batch >= 500))
    log.info("surveys.sent", sent=sent)
    return sent


@in_app_context
def remind_and_expire() -> dict[str, int]:
    reminded, expired = services.remind_and_expire(db.session, utcnow())
    log.info("surveys.reminded", reminded=reminded, expired=expired)
    return {"reminded": reminded, "expired": expired}


def _previous_month(today: date) -> date:
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


@in_app_context
def monthly_campaign() -> dict[str, int]:
    outcome = campaigns.monthly_campaign(db.session, _previous_month(today()), MONTHLY_PER_ITEM,
                                         SEED, utcnow())
    return outcome


@in_app_context
def quarterly_audit() -> dict[str, int]:
    month = _previous_month(today())
    quarter = date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    outcome = campaigns.audit_sample(db.session, quarter, AUDIT_RATE, SEED, utcnow())
    return outcome
