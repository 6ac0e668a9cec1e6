"""帮办代办: 已提交 → 已分派 → 办理中 → 已办结 (or 已撤回 by the requester), with a first-contact SLA in working days.

A helper acts for the requester only under a grant the requester confirmed (`AssistanceGrant`): checked at the
moment of each act under a share lock (`helper_may`), the same way the authority module checks a relative's
authorisation, so a revocation and an act are ordered and a grant that ended stops the helper at once. Each act
under a grant is audit-logged (platform.audit.record) and shown in the requester's timeline.

Uses other domains' services: businesses (an agent asks for their business), centres.calendar (working days),
appointments (the helper books in the requester's name), notifications (the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from miniapp_api.appointments import services as appointments
from miniapp_api.appointments.models import Appointment, Slot
from miniapp_api.assistance import messages
from miniapp_api.assistance.models import (
    OPEN_STATUSES,
    AssistanceEvent,
    AssistanceGrant,
    AssistanceRequest,
    AssistanceSla,
    GrantScope,
    GrantStatus,
    RequestStatus,
)
from miniapp_api.businesses.models import Business
from miniapp_api.businesses.services import own_business
from miniapp_api.centres import calendar
from miniapp_api.centres.models import Centre, CentreLevel, ServiceItem
from miniapp_api.centres.services import items_served
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT, PHONE_CONTEXT
from miniapp_api.notifications.services import notify
from miniapp_api.platform import audit
from miniapp_api.platform.clock import chinese_date, local, local_date
from miniapp_api.platform.privacy import FieldCipher
from miniapp_api.platform.db import one_or_not_found
from miniapp_api.platform.errors import DomainError, NotFound, require_state
from miniapp_api.staff.models import Role, Staff, staff_centre
from miniapp_api.staff.services import desk_site, notice, staff_of_centre, visible_centre_ids
from miniapp_api.wechat import WeChatError, WeChatGateway

R = RequestStatus
REQUEST_NOT_FOUND = "assistance_not_found"
GRANT_NOT_FOUND = "assistance_grant_not_found"
LINK_NOT_FOUND = "link_not_found"
ABOUT_SOMETHING = "about_something"
ALREADY_TAKEN = "already_taken"
HELPER_NOT_OF_CENTRE = "helper_not_of_centre"
ONLY_THE_HELPER = "only_the_helper"
GRANT_NOT_IN_FORCE = "grant_not_in_force"
GRANT_ALREADY_LIVE = "grant_already_live"
GRANT_NOT_PENDING = "grant_not_pending"
GRANT_NEEDS_ITEM = "grant_needs_item"
GRANT_ITEM_FIXED = "grant_item_fixed"
GRANT_OUTSIDE = "grant_outside"
CONTENT_RISKY = "content_risky"
NO_ACCOUNT = "no_account"
IDENTITY_NOT_VERIFIED = "identity_unverified"
# How long a citizen asking for help waits for WeChat's content check; slower, staff see the text flagged.
FILING_CHECK_SECONDS = 1.5
# First contact within this many working days unless the centre set its own (AssistanceSla).
DEFAULT_CONTACT_DAYS = 1
ASSIGN_ROLES = (Role.CENTRE_MANAGER,)   # 分派 to another staff member (admins may too)
PAGE = "pages/assistance/detail?id={id}"
AUDIT_SUBJECT = "assistance_request"


def contact_days(session: Session, centre_id: int) -> int:
    configured = session.get(AssistanceSla, centre_id)
    return configured.contact_days if configured else DEFAULT_CONTACT_DAYS


def set_contact_days(session: Session, staff: Staff, centre_id: int, days: int) -> None:
    """A centre's own first-contact limit; applies to requests made afterwards."""
    row = session.get(AssistanceSla, centre_id, with_for_update=True)
    before = row.contact_days if row else DEFAULT_CONTACT_DAYS
    if row is None:
        session.add(AssistanceSla(centre_id=centre_id, contact_days=days))
    else:
        row.contact_days = days
    audit.record(session, actor=f"staff:{staff.id}", action="assistance.set_sla", subject_type="centre",
                 subject_id=centre_id, detail={"before": before, "after": days})
    session.flush()


def _event(request: AssistanceRequest, kind: str, now: datetime, *, actor: str = "system",
           actor_name: str | None = None, note: str | None = None, visible: bool = True) -> None:
    request.events.append(AssistanceEvent(at=now, actor=actor, actor_name=actor_name, kind=kind, note=note,
                                          visible_to_citizen=visible))


def _staff_actor(staff: Staff) -> dict:
    return {"actor": f"staff:{staff.id}", "actor_name": staff.display_name}


def _tell(session: Session, request: AssistanceRequest, kind: str, body: str, tip: str, now: datetime) -> None:
    """The requester's message; a request taken at a 代办点's desk has no account to tell (the helper phones)."""
    if request.citizen_id is None:
        return
    notify(session, citizen_id=request.citizen_id, kind=kind,
           context={"kind": "帮办代办", "number": str(request.id), "status": messages.STATUS_NAMES[request.status][:5],
                    "tip": tip},
           title=messages.TITLE, body=body, page=PAGE.format(id=request.id), now=now,
           subject=("assistance", request.id))


def _require(request: AssistanceRequest, *allowed: RequestStatus) -> None:
    require_state(request.status, allowed, message=messages.ILLEGAL_STEP, names=messages.STATUS_NAMES)


# --- asking ---------------------------------------------------------------------------------------------


@dataclass
class AskIn:
    centre_id: int
    item_code: str | None = None
    situation: str | None = None
    business_id: int | None = None


def content_verdict(gateway: WeChatGateway, openid: str, situation: str | None) -> str:
    """WeChat's check of the citizen's own words before staff read them: risky is refused; unsure or unreachable
    is stored as "review" and shown to staff flagged (a request for help is not held back for WeChat)."""
    if not situation:
        return "pass"
    try:
        verdict = gateway.check_text(openid, situation, timeout=FILING_CHECK_SECONDS)
    except WeChatError:
        return "review"
    if verdict.suggest == "risky":
        raise DomainError(messages.CONTENT_RISKY, code=CONTENT_RISKY, status=422,
                          fields={"situation": messages.CONTENT_RISKY})
    return "pass" if verdict.suggest == "pass" else "review"


def display_names(session: Session, request: AssistanceRequest) -> dict:
    """The names a request is shown with: its centre, its item (code, name), its helper, the business it is for,
    the 代办点 that took it."""
    item = session.get(ServiceItem, request.item_id) if request.item_id else None
    helper = session.get(Staff, request.helper_staff_id) if request.helper_staff_id else None
    business = session.get(Business, request.business_id) if request.business_id else None
    site = session.get(Centre, request.site_id) if request.site_id else None
    return {"centre": session.get(Centre, request.centre_id).name, "item": (item.code, item.name) if item else None,
            "helper": helper.display_name if helper else None, "business": business.name if business else None,
            "site": site.name if site else None}


def _link_error(message: str, field_name: str) -> DomainError:
    return DomainError(message, code=LINK_NOT_FOUND, status=422, fields={field_name: message})


def ask_for_help(session: Session, citizen: Citizen, data: AskIn, content_check: str, now: datetime
                 ) -> AssistanceRequest:
    """A request to the chosen centre's 帮办 team; an agent may ask for a business they act for now."""
    if not data.item_code and not data.situation:
        raise DomainError(messages.ABOUT_SOMETHING, code=ABOUT_SOMETHING, status=422,
                          fields={"situation": messages.ABOUT_SOMETHING})
    centre = session.get(Centre, data.centre_id)
    if centre is None or centre.level == CentreLevel.SITE:   # a 代办点 has no 帮办 team: its centre has
        raise _link_error(messages.CENTRE_NOT_FOUND, "centre_id")
    item_id = None
    if data.item_code:
        item_id = session.scalar(select(ServiceItem.id).where(ServiceItem.code == data.item_code))
        if item_id is None:
            raise _link_error(messages.ITEM_NOT_FOUND, "item_code")
    if data.business_id is not None:
        own_business(session, citizen.id, data.business_id, now)
    days = contact_days(session, data.centre_id)
    request = AssistanceRequest(citizen_id=citizen.id, business_id=data.business_id, centre_id=data.centre_id,
                                item_id=item_id, situation=data.situation, content_check=content_check,
                                status=R.SUBMITTED, contact_days=days,
                                contact_due_on=calendar.add_working_days(session, local_date(now), days),
                                created_at=now, updated_at=now)
    session.add(request)
    session.flush()
    _event(request, "submitted", now, actor=f"citizen:{citizen.id}")
    session.flush()
    return request


@dataclass
class DeskIn:
    site_id: int
    contact_name: str
    contact_phone: str
    item_code: str | None = None
    situation: str | None = None
    contact_id_number: str | None = None   # seen on the card at the desk: lets the person claim it in the app


def take_at_desk(session: Session, cipher: FieldCipher, staff: Staff, data: DeskIn, now: datetime
                 ) -> AssistanceRequest:
    """代办点登记: a clerk at a village, bank or firm desk writes down a request for someone in front of them and
    hands it to the 帮办 team of the centre above the site, with the same first-contact limit as a request from the
    app. The person may have no account: the request carries their name and phone (sealed) for the call back, and
    is linked to no citizen account (a name typed at a desk never reaches anyone's records)."""
    site = desk_site(session, staff, data.site_id)
    if not data.item_code and not data.situation:
        raise DomainError(messages.ABOUT_SOMETHING, code=ABOUT_SOMETHING, status=422,
                          fields={"situation": messages.ABOUT_SOMETHING})
    item_id = None
    if data.item_code:
        item_id = session.scalar(select(ServiceItem.id).where(ServiceItem.code == data.item_code))
        if item_id is None:
            raise _link_error(messages.ITEM_NOT_FOUND, "item_code")
    days = contact_days(session, site.parent_id)
    request = AssistanceRequest(
        citizen_id=None, centre_id=site.parent_id, site_id=site.id, taken_by_staff_id=staff.id,
        contact_name=data.contact_name,
        contact_phone_enc=cipher.encrypt(data.contact_phone, context=PHONE_CONTEXT),
        contact_phone_last4=data.contact_phone[-4:], item_id=item_id,
        contact_id_hash=cipher.lookup_hash(data.contact_id_number, context=ID_NUMBER_CONTEXT)
        if data.contact_id_number else None, situation=data.situation,
        content_check="pass", status=R.SUBMITTED, contact_days=days,
        contact_due_on=calendar.add_working_days(session, local_date(now), days), created_at=now, updated_at=now)
    session.add(request)
    session.flush()
    _event(request, "taken_at_site", now, **_staff_actor(staff), note=site.name)
    audit.record(session, actor=f"staff:{staff.id}", action="assistance.taken_at_site", subject_type=AUDIT_SUBJECT,
                 subject_id=request.id, detail={"site_id": site.id}, at=now)
    session.flush()
    return request


def claim_desk_requests(session: Session, citizen: Citizen, now: datetime) -> list[AssistanceRequest]:
    """找回: the requests 代办点 desks wrote down for this citizen — those whose ID number, seen on the card at the
    desk, is the one this account verified by face — become theirs to follow, to grant a helper and to rate. A
    typed (unverified) ID number claims nothing. One conditional UPDATE: claimed once, by that person only; calling
    again claims only what was written down since."""
    if citizen.verified_id_hash is None:
        raise DomainError(messages.CLAIM_NEEDS_VERIFIED, code=IDENTITY_NOT_VERIFIED, status=403)
    claimed = list(session.scalars(update(AssistanceRequest).where(
        AssistanceRequest.citizen_id.is_(None), AssistanceRequest.contact_id_hash == citizen.verified_id_hash)
        .values(citizen_id=citizen.id, updated_at=now).returning(AssistanceRequest.id)
        .execution_options(synchronize_session=False)))
    requests = [citizen_request(session, citizen.id, request_id, lock=True) for request_id in sorted(claimed)]
    for request in requests:
        _event(request, "claimed", now, actor=f"citizen:{citizen.id}")
        audit.record(session, actor=f"citizen:{citizen.id}", action="assistance.claimed", subject_type=AUDIT_SUBJECT,
                     subject_id=request.id, detail={}, at=now)
    session.flush()
    return requests


def site_requests(session: Session, site_id: int, since: datetime, limit: int = 100) -> list[AssistanceRequest]:
    """What a 代办点 took lately, newest first: the desk follows what became of it."""
    return list(session.scalars(select(AssistanceRequest).where(
        AssistanceRequest.site_id == site_id, AssistanceRequest.created_at >= since)
        .order_by(AssistanceRequest.id.desc()).limit(limit)))


# --- reading --------------------------------------------------------------------------------------------


def _one(session: Session, scope, request_id: int, lock: bool) -> AssistanceRequest:
    """With `lock`, the row is locked and read afresh (a change committed meanwhile is seen, not a stale copy)."""
    statement = select(AssistanceRequest).options(
        selectinload(AssistanceRequest.events), selectinload(AssistanceRequest.grants)).where(
        AssistanceRequest.id == request_id, scope)
    if lock:
        statement = statement.execution_options(populate_existing=True)
    return one_or_not_found(session, statement, NotFound(messages.REQUEST_NOT_FOUND, code=REQUEST_NOT_FOUND),
                            lock=AssistanceRequest if lock else None)


def citizen_request(session: Session, citizen_id: int, request_id: int, *, lock: bool = False) -> AssistanceRequest:
    return _one(session, AssistanceRequest.citizen_id == citizen_id, request_id, lock)


def citizen_requests(session: Session, citizen_id: int, limit: int = 50) -> list[AssistanceRequest]:
    return list(session.scalars(select(AssistanceRequest).where(AssistanceRequest.citizen_id == citizen_id)
                                .order_by(AssistanceRequest.id.desc()).limit(limit)))


def staff_request(session: Session, staff: Staff, request_id: int, *, lock: bool = False) -> AssistanceRequest:
    return _one(session, AssistanceRequest.centre_id.in_(visible_centre_ids(session, staff)), request_id, lock)


def staff_requests(session: Session, staff: Staff, *, mine: bool, open_only: bool = True,
                   limit: int = 200) -> list[AssistanceRequest]:
    """Soonest first contact first: the SLA decides the order of work."""
    statement = select(AssistanceRequest).where(
        AssistanceRequest.centre_id.in_(visible_centre_ids(session, staff)))
    if open_only:
        statement = statement.where(AssistanceRequest.status.in_([s.value for s in OPEN_STATUSES]))
    if mine:
        statement = statement.where(AssistanceRequest.helper_staff_id == staff.id)
    return list(session.scalars(statement.order_by(AssistanceRequest.contact_due_on, AssistanceRequest.id)
                                .limit(limit)))


def is_overdue(request: AssistanceRequest, today) -> bool:
    """First contact not made by the end of its due day."""
    return (request.first_contact_at is None and request.status in (R.SUBMITTED, R.ASSIGNED)
            and request.contact_due_on < today)


def helpers_of(session: Session, centre_id: int) -> list[Staff]:
    """Who may be assigned: active staff (not admins) assigned to this centre or to a centre above it — those whose
    visible centres include it (staff.services.visible_centres)."""
    line, current = [], session.get(Centre, centre_id)
    while current is not None and current.id not in line:
        line.append(current.id)
        current = session.get(Centre, current.parent_id) if current.parent_id else None
    return list(session.scalars(select(Staff).join(staff_centre, staff_centre.c.staff_id == Staff.id).where(
        staff_centre.c.centre_id.in_(line), Staff.active.is_(True), ~Staff.roles.any(Role.ADMIN))
        .distinct().order_by(Staff.id)))


# --- taking and assigning: exactly one wins -------------------------------------------------------------


def _claim(session: Session, request_id: int, helper: Staff, now: datetime) -> bool:
    """One conditional UPDATE: of two staff taking the same request at once, the second waits for the first's
    row lock, then finds it no longer 已提交 and changes nothing."""
    claimed = session.execute(update(AssistanceRequest).where(
        AssistanceRequest.id == request_id, AssistanceRequest.status == R.SUBMITTED).values(
        status=R.ASSIGNED, helper_staff_id=helper.id, assigned_at=now, updated_at=now)
        .returning(AssistanceRequest.id).execution_options(synchronize_session=False)).scalar_one_or_none()
    return claimed is not None


def assign(session: Session, staff: Staff, request_id: int, helper_id: int, now: datetime) -> AssistanceRequest:
    """接手 (to oneself) or 分派 (a manager, to a staff member of the request's centre)."""
    request = staff_request(session, staff, request_id)
    if helper_id != staff.id and not staff.has_role(*ASSIGN_ROLES):
        raise NotFound(messages.REQUEST_NOT_FOUND, code=REQUEST_NOT_FOUND)
    helper = session.get(Staff, helper_id)
    if (helper is None or not helper.active or Role.ADMIN in helper.roles
            or request.centre_id not in visible_centre_ids(session, helper)):
        raise DomainError(messages.HELPER_NOT_OF_CENTRE, code=HELPER_NOT_OF_CENTRE, status=422,
                          fields={"staff_id": messages.HELPER_NOT_OF_CENTRE})
    if not _claim(session, request.id, helper, now):
        raise DomainError(messages.ALREADY_TAKEN, code=ALREADY_TAKEN, status=409)
    session.refresh(request)
    audit.record(session, actor=f"staff:{staff.id}", action="assistance.assigned", subject_type=AUDIT_SUBJECT,
                 subject_id=request.id, detail={"helper_staff_id": helper.id}, at=now)
    _event(request, "assigned", now, **_staff_actor(staff), note=messages.ASSIGNED_TO.format(name=helper.display_name))
    _tell(session, request, "assistance_assigned", messages.BODY_ASSIGNED.format(
        id=request.id, helper=helper.display_name, due=chinese_date(request.contact_due_on)),
        messages.TIP_PROGRESS, now)
    session.flush()
    return request


def reassign(session: Session, staff: Staff, request_id: int, helper_id: int, expected_helper_id: int,
             now: datetime) -> AssistanceRequest:
    """改派 (a manager): to another staff member of the centre, from the helper the manager saw on the page — a
    conditional UPDATE, so of two managers changing it at once the second is refused. The old helper's grants end:
    the requester granted them to that person, not to whoever holds the request next."""
    request = staff_request(session, staff, request_id)
    if not staff.has_role(*ASSIGN_ROLES):
        raise NotFound(messages.REQUEST_NOT_FOUND, code=REQUEST_NOT_FOUND)
    _require(request, R.ASSIGNED, R.IN_PROGRESS)
    helper = session.get(Staff, helper_id)
    if (helper is None or not helper.active or Role.ADMIN in helper.roles
            or request.centre_id not in visible_centre_ids(session, helper)):
        raise DomainError(messages.HELPER_NOT_OF_CENTRE, code=HELPER_NOT_OF_CENTRE, status=422,
                          fields={"staff_id": messages.HELPER_NOT_OF_CENTRE})
    moved = session.execute(update(AssistanceRequest).where(
        AssistanceRequest.id == request.id, AssistanceRequest.helper_staff_id == expected_helper_id,
        AssistanceRequest.status.in_([R.ASSIGNED.value, R.IN_PROGRESS.value])).values(
        helper_staff_id=helper.id, updated_at=now).returning(AssistanceRequest.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if moved is None:
        raise DomainError(messages.ALREADY_TAKEN, code=ALREADY_TAKEN, status=409)
    session.refresh(request)
    _end_grants(request, now)
    audit.record(session, actor=f"staff:{staff.id}", action="assistance.reassigned", subject_type=AUDIT_SUBJECT,
                 subject_id=request.id, detail={"from": expected_helper_id, "to": helper.id}, at=now)
    _event(request, "reassigned", now, **_staff_actor(staff),
           note=messages.ASSIGNED_TO.format(name=helper.display_name))
    _tell(session, request, "assistance_assigned", messages.BODY_REASSIGNED.format(
        id=request.id, helper=helper.display_name), messages.TIP_PROGRESS, now)
    session.flush()
    return request


# --- the helper's work ----------------------------------------------------------------------------------


def _require_helper(staff: Staff, request: AssistanceRequest) -> None:
    if request.helper_staff_id != staff.id:
        raise DomainError(messages.ONLY_THE_HELPER, code=ONLY_THE_HELPER, status=403)


def record_contact(session: Session, staff: Staff, request: AssistanceRequest, note: str, now: datetime) -> None:
    """联系: the first contact stops the SLA clock; later contacts are timeline entries."""
    _require_helper(staff, request)
    _require(request, R.ASSIGNED, R.IN_PROGRESS)
    if request.first_contact_at is None:
        request.first_contact_at = now
    request.status, request.updated_at = R.IN_PROGRESS, now
    _event(request, "contacted", now, **_staff_actor(staff), note=note)
    session.flush()


def add_note(staff: Staff, request: AssistanceRequest, note: str, now: datetime) -> None:
    _event(request, "note", now, **_staff_actor(staff), note=note, visible=False)


def _grant_item(session: Session, request: AssistanceRequest, item_code: str | None) -> ServiceItem:
    """The one item a grant covers, at the request's centre: the request's own item (never another), or, for a request
    that named only a situation, the one the helper chose with the requester among the items the centre's windows
    serve. It is the grant's, not the request's: a requester who refuses a wrong one leaves the request as it was,
    and the helper may ask again with another."""
    if request.item_id is not None:
        item = session.get(ServiceItem, request.item_id)
        if item_code is not None and item_code != item.code:
            raise DomainError(messages.GRANT_ITEM_FIXED, code=GRANT_ITEM_FIXED, status=422,
                              fields={"item_code": messages.GRANT_ITEM_FIXED})
        return item
    item = next((i for i in items_served(session, {request.centre_id}) if item_code and i.code == item_code), None)
    if item is None:
        raise DomainError(messages.GRANT_NEEDS_ITEM, code=GRANT_NEEDS_ITEM, status=422,
                          fields={"item_code": messages.GRANT_NEEDS_ITEM})
    return item


def ask_to_act(session: Session, staff: Staff, request: AssistanceRequest, *, scopes: list[str], purpose: str,
               valid_hours: int, now: datetime, item_code: str | None = None) -> AssistanceGrant:
    """The helper asks to act for the requester, for the request's item at its centre (`item_code` names it when
    the request named only a situation); nothing is allowed until the requester confirms."""
    _require_helper(staff, request)
    _require(request, R.ASSIGNED, R.IN_PROGRESS)
    if request.citizen_id is None:
        raise DomainError(messages.NO_ACCOUNT_GRANT, code=NO_ACCOUNT, status=409)
    if any(g.status in (GrantStatus.PENDING, GrantStatus.ACTIVE) and not _expired(g, now) for g in request.grants):
        raise DomainError(messages.GRANT_ALREADY_LIVE, code=GRANT_ALREADY_LIVE, status=409)
    item = _grant_item(session, request, item_code)
    for old in request.grants:   # an expired one makes way for the new one (one live grant per request)
        if old.status in (GrantStatus.PENDING, GrantStatus.ACTIVE):
            old.status, old.ended_at = GrantStatus.ENDED, now
    session.flush()
    grant = AssistanceGrant(request_id=request.id, helper_staff_id=staff.id, item_id=item.id, scopes=sorted(set(scopes)),
                            purpose=purpose, valid_hours=valid_hours, status=GrantStatus.PENDING, asked_at=now)
    request.grants.append(grant)
    request.updated_at = now
    scope_names = "、".join(messages.SCOPE_NAMES[s] for s in grant.scopes)
    centre = session.get(Centre, request.centre_id).name
    _event(request, "grant_asked", now, **_staff_actor(staff),
           note=f"在{centre}{scope_names}“{item.name}”，有效 {valid_hours} 小时：{purpose}")
    _tell(session, request, "assistance_grant", messages.BODY_GRANT_ASKED.format(
        helper=staff.display_name, centre=centre, scopes=scope_names, item=item.name, hours=valid_hours),
        messages.TIP_CONFIRM, now)
    session.flush()
    return grant


def _expired(grant: AssistanceGrant, now: datetime) -> bool:
    return grant.status == GrantStatus.ACTIVE and grant.expires_at is not None and grant.expires_at <= now


def grant_state(grant: AssistanceGrant, now: datetime) -> str:
    """What the requester and the helper read: pending, active, revoked, ended, or expired."""
    return "expired" if _expired(grant, now) else grant.status


def _citizen_grant(session: Session, citizen: Citizen, request_id: int, grant_id: int) -> tuple[
        AssistanceRequest, AssistanceGrant]:
    request = citizen_request(session, citizen.id, request_id, lock=True)
    grant = session.scalars(select(AssistanceGrant).where(
        AssistanceGrant.id == grant_id, AssistanceGrant.request_id == request.id).with_for_update()
        .execution_options(populate_existing=True)).one_or_none()
    if grant is None:
        raise NotFound(messages.GRANT_NOT_FOUND, code=GRANT_NOT_FOUND)
    return request, grant


def confirm_grant(session: Session, citizen: Citizen, request_id: int, grant_id: int,
                  now: datetime) -> AssistanceGrant:
    """The requester agrees: in force from now for its hours, while the request is open."""
    request, grant = _citizen_grant(session, citizen, request_id, grant_id)
    _require(request, R.ASSIGNED, R.IN_PROGRESS)
    if grant.status != GrantStatus.PENDING:
        raise DomainError(messages.GRANT_NOT_PENDING, code=GRANT_NOT_PENDING, status=409)
    grant.status, grant.confirmed_at = GrantStatus.ACTIVE, now
    grant.expires_at = now + timedelta(hours=grant.valid_hours)
    request.updated_at = now
    _event(request, "grant_confirmed", now, actor=f"citizen:{citizen.id}",
           note=f"有效至 {local(grant.expires_at):%Y-%m-%d %H:%M}")
    session.flush()
    return grant


def revoke_grant(session: Session, citizen: Citizen, request_id: int, grant_id: int,
                 now: datetime) -> AssistanceGrant:
    """The requester ends it (or refuses it while pending): from this commit the helper can do nothing more.
    Locks the grant for update: an act under it holds a share lock, so the two are ordered."""
    request, grant = _citizen_grant(session, citizen, request_id, grant_id)
    if grant.status in (GrantStatus.PENDING, GrantStatus.ACTIVE):
        grant.status, grant.ended_at = GrantStatus.REVOKED, now
        request.updated_at = now
        _event(request, "grant_revoked", now, actor=f"citizen:{citizen.id}")
        session.flush()
    return grant


def _end_grants(request: AssistanceRequest, now: datetime) -> None:
    for grant in request.grants:
        if grant.status in (GrantStatus.PENDING, GrantStatus.ACTIVE):
            grant.status, grant.ended_at = GrantStatus.ENDED, now
            _event(request, "grant_ended", now)


def helper_may(session: Session, staff: Staff, request: AssistanceRequest, scope: GrantScope,
               now: datetime) -> AssistanceGrant:
    """The grant the helper acts under now, read under a share lock (a revocation waits for the act, or the act
    sees the revocation); refused with 403 when none is in force. Checked at every act, never remembered."""
    _require_helper(staff, request)
    grant = session.scalars(select(AssistanceGrant).where(
        AssistanceGrant.request_id == request.id, AssistanceGrant.helper_staff_id == staff.id,
        AssistanceGrant.status == GrantStatus.ACTIVE, AssistanceGrant.expires_at > now)
        .with_for_update(read=True).execution_options(populate_existing=True)).one_or_none()
    if grant is None or request.status not in (R.ASSIGNED, R.IN_PROGRESS):
        raise DomainError(messages.GRANT_NOT_IN_FORCE, code=GRANT_NOT_IN_FORCE, status=403)
    if scope not in grant.scopes:
        raise DomainError(messages.GRANT_SCOPE_MISSING, code=GRANT_NOT_IN_FORCE, status=403)
    return grant


def _within_bounds(session: Session, request: AssistanceRequest, grant: AssistanceGrant, slot_id: int,
                   item_codes: list[str]) -> None:
    """What the requester consented to (the consent card names both): a visit at the request's centre, for the
    grant's item and nothing else. A slot elsewhere or another item is refused with 403, whatever the form sent."""
    item = session.get(ServiceItem, grant.item_id) if grant.item_id is not None else None
    if item is None:   # a grant from before grants named their item, on a request that named none
        raise DomainError(messages.GRANT_NO_ITEM, code=GRANT_OUTSIDE, status=403)
    slot = session.get(Slot, slot_id)
    if item_codes != [item.code] or (slot is not None and slot.centre_id != request.centre_id):
        raise DomainError(messages.GRANT_OUTSIDE.format(centre=session.get(Centre, request.centre_id).name,
                                                        item=item.name), code=GRANT_OUTSIDE, status=403)


def book_for_requester(session: Session, cipher: FieldCipher, staff: Staff, request: AssistanceRequest, *,
                       slot_id: int, item_codes: list[str], now: datetime) -> Appointment:
    """代为预约: the requester's own booking (their quota, their reminders, theirs to cancel), made by the helper
    under a grant in force; audit-logged and shown in the requester's timeline."""
    grant = helper_may(session, staff, request, GrantScope.BOOK, now)
    _within_bounds(session, request, grant, slot_id, item_codes)
    requester = session.get(Citizen, request.citizen_id)
    person = appointments.person_for_self(requester, cipher)
    appointment = appointments.book_appointment(session, citizen_id=requester.id, person=person, slot_id=slot_id,
                                                item_codes=item_codes, now=now)
    audit.record(session, actor=f"staff:{staff.id}", action="assistance.book_for", subject_type=AUDIT_SUBJECT,
                 subject_id=request.id, detail={"grant_id": grant.id, "appointment_id": appointment.id,
                                                "slot_id": slot_id, "item_codes": item_codes}, at=now)
    items = "、".join(line.item.name for line in appointment.lines)
    _event(request, "booked_for", now, **_staff_actor(staff), note=messages.BOOKED_FOR_NOTE.format(
        when=f"{local(appointment.starts_at):%m月%d日 %H:%M}", centre=appointment.centre.name, items=items))
    request.updated_at = now
    session.flush()
    return appointment


def close(session: Session, staff: Staff, request: AssistanceRequest, note: str, now: datetime) -> None:
    """办结 with a note the requester reads; every grant ends with it."""
    _require_helper(staff, request)
    _require(request, R.ASSIGNED, R.IN_PROGRESS)
    request.status, request.closed_at, request.close_note, request.updated_at = R.CLOSED, now, note, now
    _end_grants(request, now)
    _event(request, "closed", now, **_staff_actor(staff), note=note)
    _tell(session, request, "assistance_closed", messages.BODY_CLOSED.format(id=request.id, note=note[:60]),
          messages.TIP_RATE, now)
    session.flush()


def withdraw(session: Session, citizen: Citizen, request_id: int, now: datetime) -> AssistanceRequest:
    """撤回 by the requester while open; every grant ends with it."""
    request = citizen_request(session, citizen.id, request_id, lock=True)
    _require(request, *OPEN_STATUSES)
    request.status, request.closed_at, request.updated_at = R.WITHDRAWN, now, now
    _end_grants(request, now)
    _event(request, "withdrawn", now, actor=f"citizen:{citizen.id}")
    session.flush()
    return request


# --- the first-contact sweep: staff told once when a request's first contact is overdue --------------------


def contact_sweep(session: Session, now: datetime, *, limit: int = 1000) -> int:
    """Requests whose first contact is past its due day: a console notice to the helper (unassigned: the centre's
    managers), once per request (flagged on the row, and the notice deduplicated). Safe to run any number of times;
    two sweeps skip each other's rows."""
    today = local_date(now)
    rows = list(session.scalars(select(AssistanceRequest).where(
        AssistanceRequest.status.in_([R.SUBMITTED.value, R.ASSIGNED.value]),
        AssistanceRequest.first_contact_at.is_(None), AssistanceRequest.overdue_noticed_at.is_(None),
        AssistanceRequest.contact_due_on < today).order_by(AssistanceRequest.contact_due_on, AssistanceRequest.id)
        .limit(limit).with_for_update(skip_locked=True)))
    for request in rows:
        told = ([request.helper_staff_id] if request.helper_staff_id else
                [s.id for s in staff_of_centre(session, request.centre_id, *ASSIGN_ROLES)])
        notice(session, told, kind="remind", subject=("assistance", request.id),
               text=messages.STAFF_CONTACT_OVERDUE.format(id=request.id, due=chinese_date(request.contact_due_on)),
               dedupe=f"assistance:{request.id}:contact-overdue")
        request.overdue_noticed_at = now
        _event(request, "overdue", now, note=messages.OVERDUE_NOTE, visible=False)
    session.flush()
    return len(rows)
