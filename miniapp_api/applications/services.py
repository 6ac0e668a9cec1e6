"""Applications (办件): counter intake, the state machine, the legal clock, 容缺 and 补正, batches.

Every change writes a timeline event and, where the citizen should know, an outbox
notification in the same transaction. Completion publishes `application.completed`;
ratings and surveys consume it without this module knowing them.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, joinedload, selectinload

from miniapp_api.applications import messages
from miniapp_api.applications.models import (
    TRANSITIONS,
    Application,
    ApplicationBatch,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStatus,
    BundleCase,
    MaterialKind,
)
from miniapp_api.appointments.models import Appointment
from miniapp_api.appointments.services import APPOINTMENT_NOT_FOUND
from miniapp_api.businesses.services import agents_of, linked_business_ids
from miniapp_api.centres import calendar
from miniapp_api.centres.models import Centre, ServiceItem, Window, window_item
from miniapp_api.centres.services import ITEM_NOT_AT_CENTRE, WINDOW_NOT_FOUND, get_item
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.identity.services import Principal
from miniapp_api.notifications.models import Notification
from miniapp_api.notifications.services import cancel_pending, notify
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI, chinese_date, local_date, utcnow
from miniapp_api.platform.db import one_or_not_found
from miniapp_api.platform.errors import ILLEGAL_TRANSITION, DomainError, NotFound
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.staff.models import Staff
from miniapp_api.staff.services import audit, visible_centre_ids

S = ApplicationStatus
APPLICATION_NOT_FOUND = "application_not_found"
BATCH_NOT_FOUND = "batch_not_found"
BUNDLE_NOT_FOUND = "bundle_not_found"
MATERIALS_OUTSTANDING = "materials_outstanding"
MATERIAL_NOT_FOUND = "material_not_found"
MATERIAL_ALREADY_RECEIVED = "material_already_received"
KEY_MATERIAL = "key_material_cannot_be_deferred"
INVALID_ADVANCE = "validation_failed"
BATCH_REFUSED = "batch_transition_refused"

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"    # no 0/O, 1/I: read aloud at the counter
REMINDER_AT = time(9, 0)
MATERIAL_REMINDER_STAGES = (3, 1)                  # working days before the promised deadline
DEFAULT_CORRECTION_DAYS = 5
PAGE = "pages/applications/detail?ref={ref}"
RATE_PAGE = "pages/feedback/index?rate=application&id={id}"   # the page the case detail's 评价 button opens
# The case events a person acts on have kinds of their own (each switched on or off for SMS in 我的 → 短信提醒);
# every other status change is an application_status message.
STATUS_KINDS = {ApplicationStatus.NEEDS_CORRECTION: "application_correction",
                ApplicationStatus.READY_FOR_PICKUP: "application_ready", ApplicationStatus.MAILED: "application_mailed",
                ApplicationStatus.COMPLETED: "application_completed"}
RATING_LINK_PREFIX = "rating_invitation:"
# The 一次一评 invitation goes an hour after 办结: not in the same minute as the 办结 message (two texts at once, and
# Tencent's one-per-30-seconds limit per number), and one rated at the counter meanwhile is not asked again.
RATING_INVITATION_DELAY = timedelta(hours=1)
RATING_LINK_NOT_FOUND = "rating_link_not_found"
_LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
BUNDLE_PAGE = "pages/bundles/detail?ref={ref}"
BRANCH_FILING_PAGE = "pages/businesses/branches?business_id={business_id}&ref={ref}"


def new_reference(prefix: str, now: datetime) -> str:
    """BS20261123-7KQ4MX: the day it was filed (readable) and 30 random bits (not guessable)."""
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}{local_date(now):%Y%m%d}-{random_part}"


class WorkingDays:
    """add_working_days with a memo: a batch of 140 shares one due date computation."""

    def __init__(self, session: Session):
        self.session, self._memo = session, {}

    def add(self, start: date, days: int) -> date:
        key = (start, days)
        if key not in self._memo:
            self._memo[key] = calendar.add_working_days(self.session, start, days)
        return self._memo[key]

    def between(self, start: date, end: date) -> int:
        key = ("between", start, end)
        if key not in self._memo:
            self._memo[key] = calendar.working_days_between(self.session, start, end)
        return self._memo[key]


# --- intake -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    kind: str                       # person | business
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    phone: str | None = None


@dataclass
class Advance:
    """What a state change carries; which parts are required depends on the target state."""

    to: ApplicationStatus
    public_note: str | None = None
    internal_note: str | None = None
    missing_materials: list[str] = field(default_factory=list)
    promise_text: str | None = None
    materials_due_on: date | None = None
    corrections: list[tuple[str, str | None]] = field(default_factory=list)
    corrections_due_on: date | None = None
    pickup_place: str | None = None
    pickup_hours: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None


def _actor(staff: Staff | None) -> tuple[str, str | None]:
    return (f"staff:{staff.id}", staff.display_name) if staff else ("system", None)


def _event(session: Session, application: Application, kind: str, now: datetime, *, staff: Staff | None = None,
           actor: tuple[str, str | None] | None = None, from_status: str | None = None,
           to_status: str | None = None, public_note: str | None = None, internal_note: str | None = None,
           visible: bool = True) -> None:
    who, name = actor or _actor(staff)
    application.events.append(ApplicationEvent(
        at=now, actor=who, actor_name=name, kind=kind, from_status=from_status, to_status=to_status,
        visible_to_citizen=visible, public_note=public_note, internal_note=internal_note))


def _insert_with_unique_reference(session: Session, model, prefix: str, now: datetime, **values) -> int:
    for _ in range(8):
        row_id = session.execute(insert(model).values(reference=new_reference(prefix, now), **values)
                                 .on_conflict_do_nothing(index_elements=["reference"])
                                 .returning(model.id)).scalar_one_or_none()
        if row_id is not None:
            return row_id
    raise RuntimeError("could not draw a free reference number")  # 8 collisions in 2^30: a broken RNG


def _check_item_at_centre(session: Session, item: ServiceItem, centre_id: int) -> None:
    served = session.scalar(select(func.count()).select_from(window_item).join(
        Window, Window.id == window_item.c.window_id).where(Window.centre_id == centre_id,
                                                           window_item.c.item_id == item.id))
    if not served:
        raise DomainError(messages.ITEM_NOT_AT_CENTRE, code=ITEM_NOT_AT_CENTRE, status=422,
                          fields={"item_code": messages.ITEM_NOT_AT_CENTRE})


def _applicant_values(cipher: FieldCipher, applicant: Applicant) -> dict:
    return dict(
        applicant_type=applicant.kind, applicant_name=applicant.name, credit_code=applicant.credit_code,
        id_number_enc=cipher.encrypt(applicant.id_number, context=ID_NUMBER_CONTEXT) if applicant.id_number else None,
        id_number_hash=cipher.lookup_hash(applicant.id_number, context=ID_NUMBER_CONTEXT)
        if applicant.id_number else None,
        phone_enc=cipher.encrypt(applicant.phone, context=PHONE_CONTEXT) if applicant.phone else None,
        phone_last4=applicant.phone[-4:] if applicant.phone else None)


def _people_of_appointment(session: Session, centre_id: int, appointment_id: int | None,
                           id_hash: str | None) -> tuple[int | None, int | None]:
    """(applicant citizen, proxy citizen) from the appointment the applicant came with."""
    if appointment_id is None:
        return None, None
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.centre_id != centre_id:
        raise DomainError(messages.APPOINTMENT_NOT_AT_CENTRE, code=APPOINTMENT_NOT_FOUND, status=422,
                          fields={"appointment_id": messages.APPOINTMENT_NOT_AT_CENTRE})
    booked_for_self = appointment.proxy_relation is None and (id_hash is None or appointment.person_hash == id_hash)
    return (appointment.citizen_id, None) if booked_for_self else (None, appointment.citizen_id)


def intake(session: Session, cipher: FieldCipher, staff: Staff, *, item_code: str, centre_id: int,
           applicant: Applicant, now: datetime, window_id: int | None = None, appointment_id: int | None = None,
           accept: Advance | None = None) -> Application:
    """Counter intake (收件); with `accept`, accepted in the same step as most halls do."""
    item = get_item(session, item_code)
    _check_item_at_centre(session, item, centre_id)
    if window_id is not None and session.scalar(select(Window.centre_id).where(Window.id == window_id)) != centre_id:
        raise DomainError(messages.WINDOW_NOT_AT_CENTRE, code=WINDOW_NOT_FOUND, status=422,
                          fields={"window_id": messages.WINDOW_NOT_AT_CENTRE})
    values = _applicant_values(cipher, applicant)
    citizen_id, proxy_id = _people_of_appointment(session, centre_id, appointment_id, values["id_number_hash"])
    application_id = _insert_with_unique_reference(
        session, Application, "BS", now, item_id=item.id, centre_id=centre_id, window_id=window_id,
        handler_staff_id=staff.id, appointment_id=appointment_id, citizen_id=citizen_id, proxy_citizen_id=proxy_id,
        status=S.SUBMITTED, updated_at=now, **values)
    application = session.get(Application, application_id)
    _event(session, application, "created", now, staff=staff, to_status=S.SUBMITTED)
    if accept is not None:
        advance(session, staff, application, accept, now)
    return application


def take_in_at_site(session: Session, cipher: FieldCipher, staff: Staff, *, site: Centre, item_code: str,
                    applicant: Applicant, now: datetime) -> Application:
    """代办点代收: a 代办点's clerk takes the materials in for the centre above the site (`site.parent_id`, which must
    handle the item); the case waits there for a handler like any new case, its timeline says where it was taken
    in, and the clerk's part ends here. Linked to no citizen account (typed details reach nobody's records)."""
    item = get_item(session, item_code)
    _check_item_at_centre(session, item, site.parent_id)
    application_id = _insert_with_unique_reference(
        session, Application, "BS", now, item_id=item.id, centre_id=site.parent_id, site_id=site.id,
        status=S.SUBMITTED, updated_at=now, **_applicant_values(cipher, applicant))
    application = session.get(Application, application_id)
    _event(session, application, "created", now, staff=staff, to_status=S.SUBMITTED,
           public_note=messages.TAKEN_IN_AT_SITE.format(site=site.name))
    return application


def site_cases(session: Session, site_id: int, since: datetime, limit: int = 100) -> list[Application]:
    """What a 代办点 took in lately, newest first: the desk follows what became of it."""
    return list(session.scalars(select(Application).where(Application.site_id == site_id,
                                                          Application.created_at >= since)
                                .order_by(Application.id.desc()).limit(limit)))


def record_citizen_event(session: Session, application: Application, citizen_id: int, kind: str, now: datetime,
                         public_note: str) -> None:
    """A line of the timeline written by the applicant's own action (an online 补正)."""
    _event(session, application, kind, now, actor=(f"citizen:{citizen_id}", None), public_note=public_note)
    application.updated_at = now


def record_staff_event(session: Session, application: Application, staff: Staff, kind: str, now: datetime,
                       public_note: str) -> None:
    """A line of the timeline from another part of the handling (a remote inspection scheduled or passed)."""
    _event(session, application, kind, now, staff=staff, public_note=public_note)
    application.updated_at = now


def check_item_at_centre(session: Session, item: ServiceItem, centre_id: int) -> None:
    _check_item_at_centre(session, item, centre_id)


def file_online(session: Session, cipher: FieldCipher, *, item: ServiceItem, centre_id: int, applicant: Applicant,
                citizen_id: int | None, proxy_citizen_id: int | None, delivery: str, now: datetime,
                public_note: str, internal_note: str | None = None, bundle_case_id: int | None = None) -> Application:
    """网上申报: a case submitted from the phone, waiting for 预审 (no staff member yet); with `bundle_case_id`,
    one child case of a 一件事 bundle."""
    _check_item_at_centre(session, item, centre_id)
    application_id = _insert_with_unique_reference(
        session, Application, "BS", now, item_id=item.id, centre_id=centre_id, citizen_id=citizen_id,
        proxy_citizen_id=proxy_citizen_id, status=S.SUBMITTED, delivery=delivery, updated_at=now,
        bundle_case_id=bundle_case_id, **_applicant_values(cipher, applicant))
    application = session.get(Application, application_id)
    assert application is not None
    _event(session, application, "submitted_online", now, actor=(f"citizen:{citizen_id or proxy_citizen_id}", None),
           to_status=S.SUBMITTED, public_note=public_note, internal_note=internal_note)
    session.flush()
    return application


def open_bundle_case(session: Session, *, bundle_code: str, title: str, centre_id: int, applicant: Applicant,
                     citizen_id: int | None, proxy_citizen_id: int | None, receiving_province: str | None,
                     now: datetime) -> BundleCase:
    """一件事: the parent case its children (file_online with its id) hang from, with its own 受理编号."""
    bundle_id = _insert_with_unique_reference(
        session, BundleCase, "YJ", now, bundle_code=bundle_code, title=title, applicant_type=applicant.kind,
        applicant_name=applicant.name, citizen_id=citizen_id, proxy_citizen_id=proxy_citizen_id, centre_id=centre_id,
        receiving_province=receiving_province, created_at=now)
    bundle = session.get(BundleCase, bundle_id)
    assert bundle is not None
    return bundle


# --- the state machine -------------------------------------------------------------------------------


def _invalid(field_name: str, message: str, code: str = INVALID_ADVANCE) -> DomainError:
    return DomainError(message, code=code, status=422, fields={field_name: message})


def check_transition(application: Application, to: ApplicationStatus) -> None:
    # After 补正 a case goes back where it came from: 预审 if it was never accepted, else review.
    back_from_correction = S(application.status) is S.NEEDS_CORRECTION and to in (S.SUBMITTED, S.IN_REVIEW)
    wrong_way_back = back_from_correction and (to is S.SUBMITTED) != (application.accepted_on is None)
    if to not in TRANSITIONS[S(application.status)] or wrong_way_back:
        raise DomainError(messages.ILLEGAL_TRANSITION.format(current=messages.STATUS_NAMES[application.status],
                                                             target=messages.STATUS_NAMES[to]),
                          code=ILLEGAL_TRANSITION, status=409, current=application.status, target=to.value)


def _validate(session: Session, application: Application, spec: Advance, today: date) -> None:
    """Everything that can refuse, checked before anything changes (a batch checks all members first)."""
    check_transition(application, spec.to)
    if spec.to is S.ACCEPTED_PENDING_MATERIALS:
        if not spec.missing_materials:
            raise _invalid("missing_materials", messages.MISSING_MATERIALS_REQUIRED)
        if not spec.promise_text or spec.materials_due_on is None:
            raise _invalid("promise_text", messages.PROMISE_REQUIRED)
        if spec.materials_due_on < today:
            raise _invalid("materials_due_on", messages.DEADLINE_IN_PAST)
        key_names = {m["name"] for m in application.item.materials if m.get("key")}
        for name in spec.missing_materials:
            if name in key_names:
                raise _invalid("missing_materials", messages.KEY_MATERIAL_CANNOT_BE_DEFERRED.format(name=name),
                               KEY_MATERIAL)
    elif spec.to is S.NEEDS_CORRECTION:
        if not spec.corrections:
            raise _invalid("corrections", messages.CORRECTIONS_REQUIRED)
        if spec.corrections_due_on is not None and spec.corrections_due_on < today:
            raise _invalid("corrections_due_on", messages.DEADLINE_IN_PAST)
    elif spec.to is S.MAILED:
        if not spec.carrier or not spec.tracking_number:
            raise _invalid("tracking_number", messages.MAILING_REQUIRED)
    elif spec.to is S.COMPLETED:
        owed = [m.name for m in application.materials if m.kind == MaterialKind.DEFERRED and m.received_at is None]
        if owed:
            raise DomainError(messages.MATERIALS_OUTSTANDING.format(names="、".join(owed)),
                              code=MATERIALS_OUTSTANDING, status=409)


def advance(session: Session, staff: Staff | None, application: Application, spec: Advance, now: datetime,
            days: WorkingDays | None = None, *, validated: bool = False) -> None:
    """Move one application to `spec.to`: timeline, clock, materials and the citizen's message together."""
    today = local_date(now)
    days = days or WorkingDays(session)
    if not validated:
        _validate(session, application, spec, today)
    previous, target = S(application.status), spec.to
    extra, sms_context = "", {}
    if target in (S.ACCEPTED, S.ACCEPTED_PENDING_MATERIALS):
        application.accepted_on = today
        application.time_limit_days = application.item.time_limit_working_days
        if application.time_limit_days:
            application.due_on = days.add(today, application.time_limit_days)
        if target is S.ACCEPTED_PENDING_MATERIALS:
            application.promise_text = spec.promise_text
            for name in spec.missing_materials:
                application.materials.append(ApplicationMaterial(kind=MaterialKind.DEFERRED, name=name,
                                                                 due_on=spec.materials_due_on))
            extra = messages.EXTRA_DEFERRED.format(deadline=chinese_date(spec.materials_due_on),
                                                   materials="、".join(spec.missing_materials))
    elif target is S.NEEDS_CORRECTION:
        due = spec.corrections_due_on or days.add(today, DEFAULT_CORRECTION_DAYS)
        application.paused_on = today
        for name, note in spec.corrections:
            application.materials.append(ApplicationMaterial(kind=MaterialKind.CORRECTION, name=name, note=note,
                                                             due_on=due))
        sms_context = {"deadline": chinese_date(due)}
        extra = messages.EXTRA_CORRECTIONS.format(
            deadline=chinese_date(due), corrections="；".join(f"{n}（{note}）" if note else n for n, note in spec.corrections))
    elif previous is S.NEEDS_CORRECTION and target in (S.IN_REVIEW, S.SUBMITTED):
        if application.due_on is not None and application.paused_on is not None:
            application.due_on = days.add(application.due_on, days.between(application.paused_on, today))
        application.paused_on = None
        for material in application.materials:
            if material.kind == MaterialKind.CORRECTION and material.received_at is None:
                material.received_at, material.received_by_staff_id = now, staff.id if staff else None
    elif target is S.READY_FOR_PICKUP:
        centre = application.centre
        application.delivery = "pickup"
        application.pickup_place = spec.pickup_place or "".join(filter(None, (centre.name, centre.address)))
        application.pickup_hours = spec.pickup_hours or messages.PICKUP_HOURS_DEFAULT
        extra = messages.EXTRA_PICKUP.format(place=application.pickup_place, hours=application.pickup_hours)
    elif target is S.MAILED:
        application.delivery, application.carrier = "mail", spec.carrier
        application.tracking_number = spec.tracking_number
        extra = messages.EXTRA_MAILED.format(carrier=spec.carrier, tracking=spec.tracking_number)
        sms_context = {"carrier": spec.carrier, "tracking": spec.tracking_number}
    elif target is S.COMPLETED:
        application.completed_at = now
        application.delivery = application.delivery or "electronic"
        extra = messages.EXTRA_COMPLETED
    application.status, application.updated_at = target, now
    _event(session, application, "status", now, staff=staff, from_status=previous, to_status=target,
           public_note=spec.public_note, internal_note=spec.internal_note)
    session.flush()
    if target is S.ACCEPTED_PENDING_MATERIALS:
        _schedule_material_reminders(session, application, spec.materials_due_on, now, days)
    if target is S.COMPLETED:
        events.publish(session, events.APPLICATION_COMPLETED, ("application", application.id), {
            "reference": application.reference, "citizen_id": application.citizen_id,
            "proxy_citizen_id": application.proxy_citizen_id, "centre_id": application.centre_id,
            "window_id": application.window_id, "item_id": application.item_id,
            "handler_staff_id": application.handler_staff_id, "completed_at": now.isoformat(),
            "bundle_case_id": application.bundle_case_id})
        if application.bundle_case_id is not None:
            _complete_bundle_if_last(session, application.bundle_case_id, now)
        if application.batch_id is not None:
            _complete_branch_filing_if_last(session, application.batch_id, now)
    if target not in (S.IN_REVIEW, S.SUBMITTED) or previous is S.NEEDS_CORRECTION:
        _tell_citizens(session, application, target, extra, now, sms_context)
    if target is S.NEEDS_CORRECTION and application.batch_id is not None:
        _tell_branch_filer(session, application, extra, now, sms_context)
    if target is S.COMPLETED and application.bundle_case_id is None:   # a 一件事 is rated as a whole
        _invite_rating(session, application, now)


def _complete_bundle_if_last(session: Session, bundle_id: int, now: datetime) -> None:
    """The child that completes last completes its 一件事, once: the parent's row lock orders two children
    completed at the same moment, and the second one, reading after the first committed, sees none open."""
    bundle = session.scalars(select(BundleCase).where(BundleCase.id == bundle_id).with_for_update()).one()
    open_children = session.scalar(select(func.count()).select_from(Application).where(
        Application.bundle_case_id == bundle_id, Application.status != S.COMPLETED))
    if bundle.completed_at is not None or open_children:
        return
    bundle.completed_at = now
    events.publish(session, events.BUNDLE_COMPLETED, ("bundle", bundle.id), {
        "reference": bundle.reference, "citizen_id": bundle.citizen_id, "proxy_citizen_id": bundle.proxy_citizen_id,
        "centre_id": bundle.centre_id, "item_id": None, "completed_at": now.isoformat()})
    context = {"item": bundle.title[:20], "reference": bundle.reference,
               "status": messages.STATUS_PHRASES[S.COMPLETED], "tip": messages.TIP_BUNDLE_RATE}
    for citizen_id in recipients(bundle):
        notify(session, citizen_id=citizen_id, kind="application_status", context=context,
               title=messages.TITLE_BUNDLE_DONE, body=messages.BODY_BUNDLE_DONE.format(
                   title=bundle.title, reference=bundle.reference), page=BUNDLE_PAGE.format(ref=bundle.reference),
               now=now, subject=("bundle", bundle.id))


def _branch_filing(session: Session, batch_id: int, *, lock: bool = False) -> ApplicationBatch | None:
    """The batch if a business's agent filed it online (分支机构批量变更), else None (a staff batch)."""
    statement = select(ApplicationBatch).where(ApplicationBatch.id == batch_id, ApplicationBatch.business_id.is_not(None))
    return session.scalars(statement.with_for_update() if lock else statement).one_or_none()


def branch_filing_followers(session: Session, batch: ApplicationBatch, now: datetime) -> list[int]:
    """Who hears of a branch filing: the agent who filed it while they still act for the business, else whoever
    acts for it now (its representative first) — one person, never someone whose link has ended."""
    acting = agents_of(session, batch.credit_code, now) if batch.credit_code else []
    return [batch.agent_citizen_id] if batch.agent_citizen_id in acting else acting[:1]


def branch_decisions(session: Session, batch_id: int) -> dict[int, str]:
    """Each branch case's last decision (approved or rejected), by application id."""
    rows = session.execute(select(ApplicationEvent.application_id, ApplicationEvent.to_status).join(
        Application, Application.id == ApplicationEvent.application_id).where(
        Application.batch_id == batch_id, ApplicationEvent.to_status.in_((S.APPROVED, S.REJECTED)))
        .order_by(ApplicationEvent.id))
    return {application_id: to_status for application_id, to_status in rows}


def branch_state(application: Application, decision: str | None) -> str:
    """A branch's state as the agent reads it: 已办结（准予）, 已办结（不予许可）, else the case's own state."""
    if application.status == S.COMPLETED and decision:
        return f"{messages.STATUS_NAMES[S.COMPLETED]}（{messages.BRANCH_OUTCOMES[decision]}）"
    return messages.STATUS_NAMES[application.status]


def _complete_branch_filing_if_last(session: Session, batch_id: int, now: datetime) -> None:
    """The branch that ends last completes its 分支机构批量变更, once, with one message listing every branch's
    outcome: as for a 一件事, the parent's row lock orders two branches ended at the same moment, and the second,
    reading after the first committed, finds none open (or the parent already completed)."""
    batch = _branch_filing(session, batch_id, lock=True)
    if batch is None or batch.completed_at is not None:
        return
    open_children = session.scalar(select(func.count()).select_from(Application).where(
        Application.batch_id == batch_id, Application.status != S.COMPLETED))
    if open_children:
        return
    batch.completed_at = batch.completion_notified_at = now
    children = list(session.scalars(select(Application).where(Application.batch_id == batch_id)
                                    .order_by(Application.id)))
    decisions = branch_decisions(session, batch_id)
    counted: dict[str, int] = {}
    for child in children:
        decision = decisions.get(child.id, S.APPROVED)
        counted[decision] = counted.get(decision, 0) + 1
    summary = "、".join(f"{counted[d]}个{messages.BRANCH_OUTCOMES[d]}" for d in (S.APPROVED, S.REJECTED) if d in counted)
    lines = "\n".join(messages.BRANCH_LINE.format(name=c.applicant_name, credit_code=c.credit_code,
                                                  outcome=branch_state(c, decisions.get(c.id))) for c in children)
    context = {"item": batch.title[:20], "reference": batch.reference,
               "status": messages.STATUS_PHRASES[S.COMPLETED], "tip": messages.TIP_BRANCHES_DONE}
    for citizen_id in branch_filing_followers(session, batch, now):
        notify(session, citizen_id=citizen_id, kind="branch_filing_completed", context=context,
               title=messages.TITLE_BRANCHES_DONE,
               body=messages.BODY_BRANCHES_DONE.format(title=batch.title, reference=batch.reference,
                                                       count=len(children), summary=summary, lines=lines),
               page=BRANCH_FILING_PAGE.format(business_id=batch.business_id, ref=batch.reference), now=now,
               subject=("batch", batch.id), dedupe_key=f"branch-filing:{batch.id}:completed")


def _tell_branch_filer(session: Session, application: Application, extra: str, now: datetime,
                       sms_context: dict[str, str]) -> None:
    """A branch sent to 补正: the agent who filed the batch is asked (each branch case itself has no
    applicant account: the other state changes reach the agent once, in the completion message)."""
    batch = _branch_filing(session, application.batch_id) if application.batch_id else None
    if batch is None:
        return
    context = {"item": application.item.name, "reference": application.reference,
               "status": messages.STATUS_PHRASES[S.NEEDS_CORRECTION], "tip": messages.TIP_STATUS, **sms_context}
    for citizen_id in branch_filing_followers(session, batch, now):
        notify(session, citizen_id=citizen_id, kind="application_correction", context=context,
               title=messages.TITLE_BRANCHES_CORRECTION,
               body=messages.BODY_BRANCHES_CORRECTION.format(title=batch.title, reference=batch.reference,
                                                             branch=application.applicant_name,
                                                             child=application.reference, what=extra),
               page=PAGE.format(ref=application.reference), now=now, subject=("application", application.id))


def recipients(case: Application | BundleCase) -> list[int]:
    """Whom a case's messages go to: the applicant's account and the proxy's (an agent), each once."""
    return list(dict.fromkeys(c for c in (case.citizen_id, case.proxy_citizen_id) if c))


def _tell_citizens(session: Session, application: Application, status: ApplicationStatus, extra: str,
                   now: datetime, sms_context: dict[str, str] | None = None) -> None:
    what = messages.STATUS_WHAT[status].format(due=chinese_date(application.due_on) if application.due_on else messages.WITHIN_LEGAL_LIMIT)
    body = messages.BODY_STATUS.format(item=application.item.name, reference=application.reference, what=what,
                                       extra=extra)
    context = {"item": application.item.name, "reference": application.reference,
               "status": messages.STATUS_PHRASES.get(status, ""), "tip": messages.TIP_STATUS, **(sms_context or {})}
    kind = STATUS_KINDS.get(status, "application_status")
    for citizen_id in recipients(application):
        notify(session, citizen_id=citizen_id, kind=kind, context=context,
               title=messages.TITLE_STATUS, body=body, page=PAGE.format(ref=application.reference), now=now,
               subject=("application", application.id))


def rating_link_code() -> str:
    """The short code of a rating link: random, so it says nothing about the person or the case (10 characters
    of an alphabet without look-alikes, ~57 bits)."""
    return "".join(secrets.choice(_LINK_ALPHABET) for _ in range(10))


def _invite_rating(session: Session, application: Application, now: datetime) -> None:
    """一次一评: an hour after 办结, each person who may rate the case is invited once, with the rating page in the app
    and, by SMS, a short link whose code (kept in the message's dedupe key) leads there."""
    for citizen_id in recipients(application):
        code = rating_link_code()
        notify(session, citizen_id=citizen_id, kind="rating_invitation",
               context={"item": application.item.name, "reference": application.reference,
                        "status": messages.STATUS_PHRASES[S.COMPLETED], "tip": messages.TIP_RATE, "link": code},
               title=messages.TITLE_RATE, body=messages.BODY_RATE.format(item=application.item.name,
                                                                         reference=application.reference),
               page=RATE_PAGE.format(id=application.id), now=now, deliver_after=now + RATING_INVITATION_DELAY,
               subject=("rating_invitation", application.id),
               dedupe_key=RATING_LINK_PREFIX + code)


def rating_link_page(session: Session, code: str) -> str | None:
    """The mini-program page a rating link's code leads to, or None for a code nobody was sent."""
    return session.scalar(select(Notification.page).where(Notification.dedupe_key == RATING_LINK_PREFIX + code,
                                                          Notification.kind == "rating_invitation"))


def _schedule_material_reminders(session: Session, application: Application, deadline: date, now: datetime,
                                 days: WorkingDays, to: list[int] | None = None) -> None:
    """容缺 reminders 3 and 1 working days before the promised deadline, at 09:00; cancelled once all arrive."""
    names = "、".join(m.name for m in application.materials
                     if m.kind == MaterialKind.DEFERRED and m.received_at is None)
    if not names:
        return
    body = messages.BODY_MATERIALS.format(item=application.item.name, reference=application.reference,
                                          deadline=chinese_date(deadline), materials=names)
    context = {"item": application.item.name, "reference": application.reference, "deadline": chinese_date(deadline),
               "materials": names}
    for stage in MATERIAL_REMINDER_STAGES:
        at = datetime.combine(days.add(deadline, -stage), REMINDER_AT, SHANGHAI)
        if at <= now:
            continue
        for citizen_id in recipients(application) if to is None else to:
            notify(session, citizen_id=citizen_id, kind="application_materials_due", context=context,
                   title=messages.TITLE_MATERIALS, body=body, page=PAGE.format(ref=application.reference), now=now,
                   deliver_after=at, subject=("application_materials", application.id),
                   dedupe_key=f"application:{application.id}:materials:{stage}:{citizen_id}")


# --- materials ------------------------------------------------------------------------------------------


def _material(application: Application, material_id: int) -> ApplicationMaterial:
    for material in application.materials:
        if material.id == material_id:
            return material
    raise NotFound(messages.MATERIAL_NOT_FOUND, code=MATERIAL_NOT_FOUND)


def receive_material(session: Session, staff: Staff, application: Application, material_id: int,
                     now: datetime) -> ApplicationMaterial:
    """Staff checked a material in; when the last 容缺 one arrives, its reminders stop."""
    material = _material(application, material_id)
    if material.received_at is not None:
        return material
    material.received_at, material.received_by_staff_id = now, staff.id
    application.updated_at = now
    _event(session, application, "material_received", now, staff=staff, public_note=material.name)
    if not any(m.received_at is None for m in application.materials if m.kind == MaterialKind.DEFERRED):
        cancel_pending(session, ("application_materials", application.id), "materials_received")
    session.flush()
    return material


def report_material(session: Session, citizen_id: int, reference: str, material_id: int, note: str | None,
                    attachments: list[str], now: datetime) -> ApplicationMaterial:
    """The citizen tells staff a missing material is on its way; staff still confirm receipt."""
    application = citizen_application(session, citizen_id, reference, lock=True)
    material = _material(application, material_id)
    if material.received_at is not None:
        raise DomainError(messages.MATERIAL_ALREADY_RECEIVED, code=MATERIAL_ALREADY_RECEIVED, status=409)
    material.citizen_reported_at, material.citizen_note = now, note
    application.updated_at = now
    text = (material.name + (messages.MATERIAL_NOTE.format(note=note) if note else "")
            + (messages.MATERIAL_ATTACHMENTS.format(count=len(attachments)) if attachments else ""))
    _event(session, application, "material_reported", now, actor=(f"citizen:{citizen_id}", None), public_note=text)
    session.flush()
    return material


def flag_overdue_materials(session: Session, now: datetime) -> int:
    """Daily: 容缺 materials past their deadline go on the staff's list (an internal event). Never a rejection."""
    today = local_date(now)
    rows = list(session.scalars(select(ApplicationMaterial).where(
        ApplicationMaterial.kind == MaterialKind.DEFERRED, ApplicationMaterial.received_at.is_(None),
        ApplicationMaterial.flagged_at.is_(None), ApplicationMaterial.due_on < today)
        .with_for_update(skip_locked=True).limit(5000)))
    for material in rows:
        material.flagged_at = now
        _event(session, material.application, "material_overdue", now, public_note=None, visible=False,
               internal_note=messages.MATERIAL_OVERDUE_NOTE.format(material=material.name,
                                                                   due=chinese_date(material.due_on)))
    session.flush()
    return len(rows)


# --- reading ---------------------------------------------------------------------------------------------


def _with_details(statement):
    return statement.options(selectinload(Application.events), selectinload(Application.materials),
                             joinedload(Application.item), joinedload(Application.centre))


def _owned_by(citizen_id: int, now: datetime | None = None):
    """The caller's cases: as applicant or proxy; as the agent of a batch staff created; and every branch case
    of a business's online batch while the caller acts for that business (an ended link sees none at once)."""
    agent_batches = select(ApplicationBatch.id).where(
        ((ApplicationBatch.agent_citizen_id == citizen_id) & ApplicationBatch.business_id.is_(None))
        | ApplicationBatch.business_id.in_(linked_business_ids(citizen_id, now or utcnow())))
    return ((Application.citizen_id == citizen_id) | (Application.proxy_citizen_id == citizen_id)
            | Application.batch_id.in_(agent_batches))


def citizen_applications(session: Session, citizen_id: int, *, limit: int = 50) -> list[Application]:
    return list(session.scalars(select(Application).options(selectinload(Application.item),
                                                            selectinload(Application.centre),
                                                            selectinload(Application.bundle_case))
                                .where(_owned_by(citizen_id)).order_by(Application.id.desc()).limit(limit)))


def relative_applications(session: Session, principal: Principal, *, limit: int = 50) -> list[Application]:
    """An authorised relative's applications: filed under their verified ID number or by their own account."""
    theirs = Application.id_number_hash == principal.id_hash
    if principal.citizen_id is not None:
        theirs = theirs | (Application.citizen_id == principal.citizen_id)
    return list(session.scalars(select(Application).options(selectinload(Application.item),
                                                            selectinload(Application.centre))
                                .where(theirs).order_by(Application.id.desc()).limit(limit)))


def _one(session: Session, reference: str, scope, lock: bool) -> Application:
    """The application if `scope` lets the caller see it; anyone else's is simply not found."""
    statement = _with_details(select(Application)).where(Application.reference == reference, scope)
    return one_or_not_found(session, statement, NotFound(messages.APPLICATION_NOT_FOUND, code=APPLICATION_NOT_FOUND),
                            lock=Application if lock else None)


def citizen_application(session: Session, citizen_id: int, reference: str, *, lock: bool = False) -> Application:
    return _one(session, reference, _owned_by(citizen_id), lock)


def lookup(session: Session, citizen_id: int, reference: str, phone_last4: str,
           own_id_hash: str | None, now: datetime) -> Application:
    """Reference + last 4 phone digits (from the counter receipt). A wrong pair reads exactly like an unknown
    reference. A match adds the application to the caller's list: as applicant when the ID numbers agree,
    else as the proxy who holds the receipt."""
    application = session.scalars(select(Application).where(Application.reference == reference)
                                  .with_for_update()).one_or_none()
    expected = application.phone_last4 if application is not None and application.phone_last4 else "----"
    if not hmac.compare_digest(expected.encode(), phone_last4.encode()) or application is None:
        raise NotFound(messages.APPLICATION_NOT_FOUND, code=APPLICATION_NOT_FOUND)
    if citizen_id not in (application.citizen_id, application.proxy_citizen_id):
        if application.citizen_id is None and own_id_hash and own_id_hash == application.id_number_hash:
            application.citizen_id = citizen_id
        elif application.proxy_citizen_id is None:
            application.proxy_citizen_id = citizen_id
        else:
            return application
        session.flush()
        owed = [m for m in application.materials if m.kind == MaterialKind.DEFERRED and m.received_at is None]
        if owed:   # the newly linked citizen gets the 容缺 reminders still ahead
            _schedule_material_reminders(session, application, owed[0].due_on, now, WorkingDays(session),
                                         to=[citizen_id])
    return application


def staff_application(session: Session, staff: Staff, reference: str, *, lock: bool = False) -> Application:
    return _one(session, reference, Application.centre_id.in_(visible_centre_ids(session, staff)), lock)


def staff_view(session: Session, staff: Staff, reference: str) -> Application:
    """A staff look at one case shows personal data: audit-logged."""
    application = staff_application(session, staff, reference)
    audit(session, staff, "view_application", "application", application.reference)
    return application


@dataclass(frozen=True)
class StaffFilter:
    centre_id: int | None = None
    status: str | None = None
    overdue: bool = False
    materials_overdue: bool = False
    limit: int = 50
    before_id: int | None = None


def staff_applications(session: Session, staff: Staff, filters: StaffFilter, now: datetime) -> list[Application]:
    visible = visible_centre_ids(session, staff)
    if filters.centre_id is not None:
        visible &= {filters.centre_id}
    statement = select(Application).options(selectinload(Application.item), selectinload(Application.materials)
                                            ).where(Application.centre_id.in_(visible))
    if filters.status:
        statement = statement.where(Application.status == filters.status)
    if filters.overdue:
        statement = statement.where(Application.status.in_([s.value for s in (S.ACCEPTED,
                                                                             S.ACCEPTED_PENDING_MATERIALS,
                                                                             S.IN_REVIEW)]),
                                    Application.due_on < local_date(now))
    if filters.materials_overdue:
        statement = statement.where(Application.id.in_(select(ApplicationMaterial.application_id).where(
            ApplicationMaterial.kind == MaterialKind.DEFERRED, ApplicationMaterial.received_at.is_(None),
            ApplicationMaterial.due_on < local_date(now))))
    if filters.before_id:
        statement = statement.where(Application.id < filters.before_id)
    return list(session.scalars(statement.order_by(Application.id.desc()).limit(filters.limit)))


# --- batches (批量办理) ------------------------------------------------------------------------------------


def new_batch(session: Session, staff: Staff | None, *, item: ServiceItem, centre_id: int, title: str,
              business_name: str, credit_code: str | None, agent_id: int | None, now: datetime,
              business_id: int | None = None) -> ApplicationBatch:
    """A batch created by staff, or (no staff, `business_id`) filed online by the business's agent."""
    batch_id = _insert_with_unique_reference(
        session, ApplicationBatch, "PL", now, title=title, business_name=business_name, credit_code=credit_code,
        item_id=item.id, centre_id=centre_id, agent_citizen_id=agent_id, created_by_staff_id=staff.id if staff else None,
        business_id=business_id, created_at=now)
    batch = session.get(ApplicationBatch, batch_id)
    assert batch is not None
    return batch


def add_batch_member(session: Session, cipher: FieldCipher, staff: Staff | None, batch: ApplicationBatch,
                     member: Applicant, now: datetime, appointment_id: int | None = None, *,
                     filed_by: int | None = None, public_note: str | None = None) -> Application:
    application_id = _insert_with_unique_reference(
        session, Application, "BS", now, batch_id=batch.id, item_id=batch.item_id, centre_id=batch.centre_id,
        handler_staff_id=staff.id if staff else None, appointment_id=appointment_id, status=S.SUBMITTED,
        updated_at=now, **_applicant_values(cipher, member))
    application = session.get(Application, application_id)
    assert application is not None
    if filed_by is not None:      # filed online by the business's agent: waits for 预审 like any online filing
        _event(session, application, "submitted_online", now, actor=(f"citizen:{filed_by}", None),
               to_status=S.SUBMITTED, public_note=public_note)
    else:
        _event(session, application, "created", now, staff=staff, to_status=S.SUBMITTED,
               public_note=public_note or messages.BATCH_NOTE.format(title=batch.title))
    return application


def create_batch(session: Session, cipher: FieldCipher, staff: Staff, *, item_code: str, centre_id: int, title: str,
                 business_name: str, credit_code: str | None, members: list[Applicant], now: datetime,
                 appointment_id: int | None = None, accept: Advance | None = None) -> ApplicationBatch:
    """One business's many applications, created (and optionally accepted) in one transaction."""
    item = get_item(session, item_code)
    _check_item_at_centre(session, item, centre_id)
    _, agent_id = _people_of_appointment(session, centre_id, appointment_id, None)
    if appointment_id is not None and agent_id is None:
        agent_id = session.get(Appointment, appointment_id).citizen_id
    batch = new_batch(session, staff, item=item, centre_id=centre_id, title=title, business_name=business_name,
                      credit_code=credit_code, agent_id=agent_id, now=now)
    batch.member_total = batch.members_created = len(members)
    days = WorkingDays(session)
    for member in members:
        application = add_batch_member(session, cipher, staff, batch, member, now, appointment_id)
        if accept is not None:
            advance(session, staff, application, accept, now, days)
    return batch


def staff_batch(session: Session, staff: Staff, reference: str) -> ApplicationBatch:
    batch = session.scalars(select(ApplicationBatch).where(
        ApplicationBatch.reference == reference,
        ApplicationBatch.centre_id.in_(visible_centre_ids(session, staff)))).one_or_none()
    if batch is None:
        raise NotFound(messages.BATCH_NOT_FOUND, code=BATCH_NOT_FOUND)
    return batch


def advance_batch(session: Session, staff: Staff, batch: ApplicationBatch, spec: Advance, now: datetime, *,
                  only_from: str | None = None) -> int:
    """All members (or those in `only_from`) move together, or none does: the refusals are listed."""
    statement = _with_details(select(Application)).where(Application.batch_id == batch.id)
    if only_from:
        statement = statement.where(Application.status == only_from)
    members = list(session.scalars(statement.order_by(Application.id).with_for_update(of=Application)))
    today = local_date(now)
    refused = []
    for member in members:
        try:
            _validate(session, member, spec, today)
        except DomainError as exc:
            refused.append({"reference": member.reference, "code": exc.code, "message": exc.message})
    if refused or not members:
        raise DomainError(messages.BATCH_MEMBERS_REFUSED.format(count=len(refused) or 0,
                                                                target=messages.STATUS_NAMES[spec.to]),
                          code=BATCH_REFUSED, status=409, refused=refused[:50])
    days = WorkingDays(session)
    for member in members:
        advance(session, staff, member, spec, now, days, validated=True)
    return len(members)


def agent_batches(session: Session, credit_code: str, citizen_id: int) -> list[tuple[ApplicationBatch, list[Application]]]:
    """批量办理 filed for a business (by its credit code) that the citizen handles as the batch's agent, newest
    first, each with its members in filing order: what the agent follows in 我的企业."""
    batches = list(session.scalars(select(ApplicationBatch).options(selectinload(ApplicationBatch.item))
                                   .where(ApplicationBatch.credit_code == credit_code,
                                          ApplicationBatch.agent_citizen_id == citizen_id)
                                   .order_by(ApplicationBatch.id.desc())))
    members: dict[int, list[Application]] = {batch.id: [] for batch in batches}
    if batches:
        for application in session.scalars(select(Application).where(Application.batch_id.in_(list(members)))
                                           .order_by(Application.id)):
            members[application.batch_id].append(application)
    return [(batch, members[batch.id]) for batch in batches]


def batch_members(session: Session, batch_id: int) -> list[Application]:
    return list(session.scalars(select(Application).options(selectinload(Application.item),
                                                            selectinload(Application.centre))
                                .where(Application.batch_id == batch_id).order_by(Application.id)))


def batch_progress(session: Session, batch_id: int) -> dict[str, int]:
    return dict(session.execute(select(Application.status, func.count()).where(Application.batch_id == batch_id)
                                .group_by(Application.status)).tuples().all())


# --- 一件事 (the parent case) -----------------------------------------------------------------------------


def bundle_phase(children: list[Application]) -> str:
    """The parent's progress, derived from its children: all done, any waiting for 补正, all still in 预审,
    else in progress."""
    statuses = {S(c.status) for c in children}
    if statuses == {S.COMPLETED}:
        return "completed"
    if S.NEEDS_CORRECTION in statuses:
        return "needs_correction"
    if statuses == {S.SUBMITTED}:
        return "submitted"
    return "in_progress"


def citizen_bundle(session: Session, citizen_id: int, reference: str, *, lock: bool = False) -> BundleCase:
    """The applicant's (or their proxy's) 一件事 with its children and their timelines; anyone else: 404."""
    statement = (select(BundleCase).where(BundleCase.reference == reference,
                                          (BundleCase.citizen_id == citizen_id)
                                          | (BundleCase.proxy_citizen_id == citizen_id))
                 .options(selectinload(BundleCase.children).selectinload(Application.events),
                          selectinload(BundleCase.children).selectinload(Application.item),
                          selectinload(BundleCase.children).selectinload(Application.materials)))
    found = session.scalars(statement.with_for_update(of=BundleCase) if lock else statement).one_or_none()
    if found is None:
        raise NotFound(messages.BUNDLE_NOT_FOUND, code=BUNDLE_NOT_FOUND)
    return found


def citizen_bundles(session: Session, citizen_id: int, *, limit: int = 50) -> list[BundleCase]:
    return list(session.scalars(select(BundleCase).where((BundleCase.citizen_id == citizen_id)
                                                         | (BundleCase.proxy_citizen_id == citizen_id))
                                .options(selectinload(BundleCase.children).selectinload(Application.item))
                                .order_by(BundleCase.id.desc()).limit(limit)))
