"""告知承诺 on a case, and 审管联动: an approval granted on the applicant's signed promise is checked afterwards;
when the check finds the promise untrue, staff of the case's own centre revoke it with the reason (the timeline
says so, the audit log records it, the applicant is told). The promise itself comes from the item's online form
(filing/forms.yaml) and is written into the timeline when the filing is submitted (filing.services.submit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.applications import messages
from miniapp_api.applications import services as applications
from miniapp_api.applications.models import Application, ApplicationEvent, ApplicationStatus
from miniapp_api.notifications.services import notify
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.errors import ILLEGAL_TRANSITION, VALIDATION_FAILED, DomainError
from miniapp_api.staff.models import Staff, staff_centre

S = ApplicationStatus
PROMISE_EVENT = "promise_signed"
REVOKED_EVENT = "approval_revoked"
NOT_BY_PROMISE = "not_by_promise"
NOT_OWN_CENTRE = "not_own_centre"
REVOCABLE = (S.APPROVED, S.READY_FOR_PICKUP, S.MAILED, S.COMPLETED)


def promises_of(application: Application) -> list[str]:
    """The 告知承诺 lines the case carries (its timeline), oldest first."""
    return [e.public_note or "" for e in application.events if e.kind == PROMISE_EVENT]


def revocation_of(application: Application) -> ApplicationEvent | None:
    return next((e for e in application.events if e.kind == REVOKED_EVENT), None)


def revoke_approval(session: Session, staff: Staff, reference: str, reason: str, now: datetime) -> Application:
    """Revoke an approval granted on a signed promise: only staff of the case's own centre (another centre's
    case is not found; a supervising hall's staff are refused), only once, only an approved case. The caller
    revokes a certificate the case issued (certificates depend on applications, not the reverse)."""
    application = applications.staff_application(session, staff, reference, lock=True)
    own = session.scalar(select(staff_centre.c.centre_id).where(staff_centre.c.staff_id == staff.id,
                                                                staff_centre.c.centre_id == application.centre_id))
    if own is None:
        raise DomainError(messages.REVOKE_OWN_CENTRE_ONLY, code=NOT_OWN_CENTRE, status=403)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(messages.REVOKE_REASON_NEEDED, code=VALIDATION_FAILED, status=422,
                          fields={"reason": messages.REVOKE_REASON_NEEDED})
    if not promises_of(application):
        raise DomainError(messages.REVOKE_NOT_BY_PROMISE, code=NOT_BY_PROMISE, status=409)
    if revocation_of(application) is not None:
        raise DomainError(messages.REVOKE_ALREADY, code=ILLEGAL_TRANSITION, status=409)
    if application.status not in REVOCABLE:
        raise DomainError(messages.REVOKE_NOT_APPROVED, code=ILLEGAL_TRANSITION, status=409)
    applications.record_staff_event(session, application, staff, REVOKED_EVENT, now,
                                    messages.REVOKED_NOTE.format(reason=reason)[:500])
    audit_trail.record(session, actor=f"staff:{staff.id}", action="application.revoke_approval",
                       subject_type="application", subject_id=application.reference, detail={"reason": reason}, at=now)
    body = messages.REVOKED_BODY.format(item=application.item.name, reference=application.reference, reason=reason)
    for citizen_id in applications.recipients(application):
        notify(session, citizen_id=citizen_id, kind="application_status", title=messages.REVOKED_TITLE, body=body,
               context={"item": application.item.name[:20], "reference": application.reference,
                        "status": messages.REVOKED_PHRASE, "tip": messages.REVOKED_TIP},
               page=applications.PAGE.format(ref=application.reference), now=now,
               subject=("application", application.id),
               dedupe_key=f"application:{application.id}:approval-revoked:{citizen_id}")
    session.flush()
    return application
