"""注销: a citizen deletes their account (PIPL art. 47), in two steps.

1. `request_deletion` (the citizen's request, one transaction): no more logins (every session revoked, a new
   login refused), every appointment not yet started cancelled — its seat goes to the waitlist or the pool,
   and whoever booked it is told as for any cancellation —, every waitlist entry left, every relative
   authorisation ended (the other side told).
2. `erase` (the hourly sweep, once the grace has passed so the cancellation messages could go out): what
   identifies the person is deleted or overwritten in every table. The citizen row stays as an empty
   tombstone (openid `erased:<id>`), so that what must stay — anonymous ratings for the statistics, case
   records — still points at a row. Free text the person wrote (feedback, rating comments, survey answers,
   notes) keeps its content with their name, ID number and phone replaced by ***.

Kept on purpose, each for a reason the law gives: the applications (办件) and licences (证照) the
administration issued are its records under the archives rules — unlinked from the account, kept for their
retention period; a booking suspension still running keeps its keyed hash until it ends, so closing an
account is no way around it; the audit log keeps "account erased" with the row's id and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from miniapp_api.accounts import messages
from miniapp_api.accounts.retention import cut_person_out
from miniapp_api.applications.models import Application, ApplicationBatch, ApplicationMaterial, BundleCase
from miniapp_api.appointments import freed_seats, waitlist
from miniapp_api.appointments.models import (
    LIVE_WAITLIST_STATUSES,
    Appointment,
    AppointmentStatus,
    BookingSuspension,
    WaitlistEntry,
)
from miniapp_api.appointments.services import cancel_for_deletion, own_appointments, person_hashes
from miniapp_api.assistance import services as assistance
from miniapp_api.assistance.models import OPEN_STATUSES as ASSISTANCE_OPEN
from miniapp_api.assistance.models import AssistanceEvent, AssistanceRequest
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.citizens.models import AuthSession, Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.feedback.models import Feedback, FeedbackEvent
from miniapp_api.files import services as files
from miniapp_api.filing.models import Filing
from miniapp_api.identity import services as identity
from miniapp_api.identity.models import AuthorisationStatus, FaceVerification, RelativeAuthorisation
from miniapp_api.mydata import services as mydata
from miniapp_api.mydata.models import DataExport
from miniapp_api.notifications.models import Notification, SmsOptOut, SubscriptionConsent
from miniapp_api.platform.errors import DomainError
from miniapp_api.platform import audit as audit_trail
from miniapp_api.platform.models import AuditLog, IdempotencyRecord
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.platform.unit_of_work import enqueue_after_commit
from miniapp_api.policies.models import PolicyGrant, PolicySubscription
from miniapp_api.ratings.models import Rating, Rectification, RectificationEvent
from miniapp_api.surveys.models import SurveyAnswer, SurveyInvitation

ALREADY_CLOSING = "account_closing"
REDACTED = "***"
DROP_BLOBS_JOB = "miniapp_api.files.jobs.drop_blobs"   # by name: domains never import jobs


@dataclass(frozen=True)
class DeletionRequested:
    cancelled_appointments: int
    left_waitlists: int
    ended_authorisations: int
    erase_by: datetime


def request_deletion(session: Session, citizen: Citizen, now: datetime, *, grace: timedelta) -> DeletionRequested:
    session.refresh(citizen, with_for_update=True)
    if citizen.deletion_requested_at is not None:
        raise DomainError(messages.ALREADY_CLOSING, code=ALREADY_CLOSING, status=409)
    citizen.deletion_requested_at = now
    session.execute(update(AuthSession).where(AuthSession.citizen_id == citizen.id, AuthSession.revoked_at.is_(None))
                    .values(revoked_at=now))
    hashes = person_hashes(citizen)
    # The centres' lines before the rows (a closure's order: line, slots, appointments), in one order.
    for centre_id in sorted(set(session.scalars(select(Appointment.centre_id).where(
            own_appointments(citizen.id, hashes), Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at > now)))):
        freed_seats.lock_line(session, centre_id)
    upcoming = list(session.scalars(select(Appointment).where(
        own_appointments(citizen.id, hashes), Appointment.status == AppointmentStatus.BOOKED,
        Appointment.starts_at > now).order_by(Appointment.id).with_for_update()))
    for appointment in upcoming:
        cancel_for_deletion(session, appointment, now, messages.CANCELLED_BY_DELETION)
    entries = list(session.scalars(select(WaitlistEntry.id).where(
        WaitlistEntry.citizen_id == citizen.id, WaitlistEntry.status.in_(LIVE_WAITLIST_STATUSES))))
    for entry_id in entries:
        waitlist.cancel_entry(session, citizen.id, entry_id, now)
    mine, for_me = identity.authorisations_of(session, citizen, now)
    live = [a.id for a in mine + for_me if a.status in (AuthorisationStatus.PENDING, AuthorisationStatus.ACTIVE)]
    for authorisation_id in live:
        identity.revoke(session, citizen, authorisation_id, now)
    # 帮办代办: open requests are withdrawn, and with them every grant to a helper ends.
    for request_id in list(session.scalars(select(AssistanceRequest.id).where(
            AssistanceRequest.citizen_id == citizen.id, AssistanceRequest.status.in_([s.value for s in ASSISTANCE_OPEN]))
            .order_by(AssistanceRequest.id))):
        assistance.withdraw(session, citizen, request_id, now)
    # 我的数据: a copy being built is not finished, one built is deleted now (its files after the commit).
    mydata.cancel_for_deletion(session, citizen.id)
    audit_trail.record(session, actor=f"citizen:{citizen.id}", action="account.deletion_requested",
                       subject_type="citizen", subject_id=str(citizen.id),
                       detail={"cancelled_appointments": len(upcoming)})
    session.flush()
    return DeletionRequested(len(upcoming), len(entries), len(live), now + grace)


def _identifiers(session: Session, cipher: FieldCipher, citizen: Citizen) -> list[str]:
    """The person's name, ID number and phone as plain text, to cut out of what they wrote (read before they go)."""
    values = {citizen.real_name}
    if citizen.id_number_enc:
        values.add(cipher.decrypt(citizen.id_number_enc, context=ID_NUMBER_CONTEXT))
    if citizen.phone_enc:
        values.add(cipher.decrypt(citizen.phone_enc, context=PHONE_CONTEXT))
    for name_enc, id_enc in session.execute(select(FaceVerification.real_name_enc, FaceVerification.id_number_enc)
                                            .where(FaceVerification.citizen_id == citizen.id)):
        values.add(cipher.decrypt(name_enc, context=identity.NAME_CONTEXT))
        values.add(cipher.decrypt(id_enc, context=ID_NUMBER_CONTEXT))
    # Longest first: a phone number never survives as the tail of a longer value replaced before it.
    return sorted((v for v in values if v and len(v) >= 2), key=len, reverse=True)


def _redacted(column, values: list[str], *, json: bool = False):
    expression = cast(column, Text) if json else column
    for value in values:
        expression = func.replace(expression, value, REDACTED)
    return cast(expression, JSONB) if json else expression


def erase(session: Session, cipher: FieldCipher, citizen_id: int, now: datetime) -> bool:
    """Erase one account whose deletion was asked for; False when there is nothing (more) to do."""
    citizen = session.get(Citizen, citizen_id, with_for_update=True)
    if citizen is None or citizen.deletion_requested_at is None or citizen.erased_at is not None:
        return False
    values, hashes = _identifiers(session, cipher, citizen), person_hashes(citizen)
    cid = citizen.id

    # What only served the account: gone.
    for model in (AuthSession, FaceVerification, Notification, SubscriptionConsent, SmsOptOut, BusinessLink,
                  PolicySubscription, DataExport):
        session.execute(delete(model).where(model.citizen_id == cid))
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.citizen_id == cid))
    # 免申即享 / 快申快享 grant cases stay for the audit of payouts, without whose account or form it was.
    # A business's grant paid to the business's own account (in its name) keeps it: it is the business's, not the
    # person's who confirmed it. Any other account (a person's, typed before accounts on record) goes.
    business_name = select(Business.name).where(Business.id == PolicyGrant.business_id).scalar_subquery()
    session.execute(update(PolicyGrant).where(
        PolicyGrant.citizen_id == cid,
        PolicyGrant.business_id.is_(None) | PolicyGrant.account_name.is_distinct_from(business_name))
        .values(account_name=REDACTED, account_enc=REDACTED, account_last4="****"))
    session.execute(update(PolicyGrant).where(PolicyGrant.citizen_id == cid).values(form=None))
    session.execute(delete(RelativeAuthorisation).where(or_(
        RelativeAuthorisation.delegate_id == cid, RelativeAuthorisation.principal_citizen_id == cid,
        RelativeAuthorisation.principal_id_hash.in_(hashes))))

    # Bookings and the line: kept for the statistics, the person cut out.
    cut_person_out(session, select(Appointment.id).where(or_(
        own_appointments(cid, hashes), Appointment.accountable_hash.in_(hashes))).scalar_subquery(),
        only_hashes=hashes)
    session.execute(update(WaitlistEntry).where(or_(WaitlistEntry.citizen_id == cid,
                                                    WaitlistEntry.person_hash.in_(hashes))).values(
        person_name=messages.ERASED_NAME, person_hash=literal("erased:") + cast(WaitlistEntry.id, Text)))
    session.execute(delete(BookingSuspension).where(BookingSuspension.person_hash.in_(hashes),
                                                    or_(BookingSuspension.until <= now,
                                                        BookingSuspension.lifted_at.is_not(None))))

    # What they wrote stays (it is about the service), their identifiers cut out of it.
    if values:
        mine = select(Feedback.id).where(Feedback.citizen_id == cid)
        session.execute(update(Feedback).where(Feedback.citizen_id == cid).values(
            text=_redacted(Feedback.text, values), answer=_redacted(Feedback.answer, values),
            location=_redacted(Feedback.location, values)))
        session.execute(update(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(mine)).values(
            public_note=_redacted(FeedbackEvent.public_note, values),
            internal_note=_redacted(FeedbackEvent.internal_note, values)))
        session.execute(update(Rating).where(Rating.citizen_id == cid).values(comment=_redacted(Rating.comment, values)))
        helped = select(AssistanceRequest.id).where(AssistanceRequest.citizen_id == cid)
        session.execute(update(AssistanceRequest).where(AssistanceRequest.citizen_id == cid).values(
            situation=_redacted(AssistanceRequest.situation, values),
            close_note=_redacted(AssistanceRequest.close_note, values)))
        session.execute(update(AssistanceEvent).where(AssistanceEvent.request_id.in_(helped)).values(
            note=_redacted(AssistanceEvent.note, values)))
        fixes = select(Rectification.id).where(Rectification.citizen_id == cid)
        session.execute(update(Rectification).where(Rectification.citizen_id == cid).values(
            summary=_redacted(Rectification.summary, values), reply=_redacted(Rectification.reply, values)))
        session.execute(update(RectificationEvent).where(RectificationEvent.rectification_id.in_(fixes)).values(
            note=_redacted(RectificationEvent.note, values)))
        invitations = select(SurveyInvitation.id).where(SurveyInvitation.citizen_id == cid)
        session.execute(update(SurveyAnswer).where(SurveyAnswer.invitation_id.in_(invitations)).values(
            answers=_redacted(SurveyAnswer.answers, values, json=True)))
        # Audit rows are chained: the redaction is recorded in the chain (platform/audit.py).
        audit_trail.redact_details(session, or_(AuditLog.actor == f"citizen:{cid}", (
            (AuditLog.subject_type == "citizen") & (AuditLog.subject_id == str(cid)))),
            _redacted(AuditLog.detail, values, json=True), actor="system")
    session.execute(update(SurveyInvitation).where(SurveyInvitation.citizen_id == cid).values(token_hash=None))

    # Case records are the administration's (archives rules): unlinked from the account, kept as they are.
    linked = select(Application.id).where(or_(Application.citizen_id == cid, Application.proxy_citizen_id == cid))
    if values:
        session.execute(update(ApplicationMaterial).where(ApplicationMaterial.application_id.in_(linked)).values(
            citizen_note=_redacted(ApplicationMaterial.citizen_note, values)))
    session.execute(update(Application).where(Application.citizen_id == cid).values(citizen_id=None))
    session.execute(update(Application).where(Application.proxy_citizen_id == cid).values(proxy_citizen_id=None))
    session.execute(update(ApplicationBatch).where(ApplicationBatch.agent_citizen_id == cid)
                    .values(agent_citizen_id=None))
    session.execute(update(BundleCase).where(BundleCase.citizen_id == cid).values(citizen_id=None))
    session.execute(update(BundleCase).where(BundleCase.proxy_citizen_id == cid).values(proxy_citizen_id=None))

    # Online filings: drafts go; a submitted one stays with its case, without the mailing address.
    session.execute(delete(Filing).where(Filing.citizen_id == cid, Filing.status == "draft"))
    session.execute(update(Filing).where(Filing.citizen_id == cid).values(mail_enc=None))
    # Their uploads (photos, materials): rows now, blobs once this commits and nothing else shares them.
    session.execute(update(Feedback).where(Feedback.citizen_id == cid).values(photos=[]))
    dropped = files.drop_citizen_files(session, cid)
    if dropped:
        enqueue_after_commit(session, "default", DROP_BLOBS_JOB, dropped, job_id=f"drop-blobs-citizen-{cid}")

    # The tombstone.
    citizen.openid = f"erased:{cid}"
    citizen.unionid = citizen.session_key_enc = citizen.real_name = None
    citizen.id_number_enc = citizen.id_number_hash = citizen.verified_id_hash = citizen.verified_at = None
    citizen.phone_enc = citizen.phone_hash = citizen.phone_verified_at = citizen.last_login_at = None
    citizen.erased_at = now
    audit_trail.record(session, actor="system", action="account.erased", subject_type="citizen", subject_id=str(cid),
                       detail={})
    session.flush()
    return True


def erase_due(session: Session, cipher: FieldCipher, now: datetime, *, grace: timedelta, limit: int = 200) -> int:
    """The sweep: every account whose grace has passed. Safe to run twice; two sweeps skip each other's rows."""
    due = list(session.scalars(select(Citizen.id).where(
        Citizen.deletion_requested_at.is_not(None), Citizen.erased_at.is_(None),
        Citizen.deletion_requested_at <= now - grace).order_by(Citizen.deletion_requested_at).limit(limit)
        .with_for_update(skip_locked=True)))
    return sum(erase(session, cipher, citizen_id, now) for citizen_id in due)
