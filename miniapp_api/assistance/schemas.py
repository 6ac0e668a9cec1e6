from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

from miniapp_api.assistance import messages
from miniapp_api.assistance.models import AssistanceGrant, AssistanceRequest, GrantScope, RequestStatus
from miniapp_api.assistance.services import AskIn, DeskIn, grant_state, is_overdue
from miniapp_api.citizens.schemas import IdNumber, MobilePhone, RealName
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, StrictIn


class AssistancePath(BaseModel):
    request_id: Id


class AssistanceGrantPath(BaseModel):
    request_id: Id
    grant_id: Id


class _AboutSomething(StrictIn):
    """A request for help names an item, or says the situation in words (5–500 characters), or both."""

    item_code: str | None = Field(default=None, max_length=32, description="the item, when it is known")
    situation: str | None = Field(default=None, min_length=5, max_length=500,
                                  description="what they need done, in their own words")

    @model_validator(mode="after")
    def _about_something(self):
        if not self.item_code and not self.situation:
            raise ValueError(messages.ABOUT_SOMETHING)
        return self


class AskForHelpIn(_AboutSomething):
    centre_id: Id = Field(description="the centre whose 帮办 team should help")
    business_id: Id | None = Field(default=None, description="a business the caller acts for now (agent)")

    def to_input(self) -> AskIn:
        return AskIn(**self.model_dump())


class DeskRequestForm(_AboutSomething):
    """代办点登记: what the desk clerk writes down for the person in front of them."""

    site_id: Id
    contact_name: RealName = Field(description="whom the helper calls back")
    contact_phone: MobilePhone
    contact_id_number: IdNumber | None = Field(default=None, description="seen on the card: lets them claim it")

    def to_input(self) -> DeskIn:
        return DeskIn(**self.model_dump())


class AssistanceEventOut(BaseModel):
    at: str
    kind: str
    title: str
    note: str | None
    by: str | None = Field(default=None, description="staff view only")


class AssistanceGrantOut(BaseModel):
    id: int
    scopes: list[str]
    scope_names: list[str]
    purpose: str
    valid_hours: int
    item_name: str | None = Field(default=None, description="the one item it covers, at the request's centre")
    state: str = Field(description="pending (to confirm), active, revoked, ended, expired")
    state_name: str
    asked_at: str
    expires_at: str | None

    @classmethod
    def of(cls, grant: AssistanceGrant, now: dt.datetime) -> AssistanceGrantOut:
        state = grant_state(grant, now)
        return cls(id=grant.id, scopes=grant.scopes, scope_names=[messages.SCOPE_NAMES[s] for s in grant.scopes],
                   purpose=grant.purpose, valid_hours=grant.valid_hours,
                   item_name=grant.item.name if grant.item is not None else None, state=state,
                   state_name=messages.GRANT_STATUS_NAMES[state], asked_at=local_iso(grant.asked_at),
                   expires_at=local_iso(grant.expires_at))


class AssistanceOut(BaseModel):
    id: int
    status: str
    status_name: str
    centre_id: int
    centre_name: str
    item_code: str | None
    item_name: str | None
    situation: str | None
    business_id: int | None
    business_name: str | None = Field(description="the business an agent asked for, if any")
    helper_name: str | None
    site_name: str | None = Field(default=None, description="the 代办点 whose desk took it, if any")
    contact_due_on: dt.date
    overdue: bool
    close_note: str | None
    can_withdraw: bool
    can_rate: bool
    created_at: str
    grants: list[AssistanceGrantOut]
    timeline: list[AssistanceEventOut]

    @classmethod
    def of(cls, request: AssistanceRequest, *, now: dt.datetime, today: dt.date, names: dict, rated: bool = False,
           staff_view: bool = False, **extra) -> dict:
        """`names`: {"centre": str, "item": (code, name) | None, "helper": str | None} read by the caller."""
        events = [e for e in request.events if staff_view or e.visible_to_citizen]
        titles = messages.STAFF_EVENT_NAMES if staff_view else messages.EVENT_NAMES
        item = names.get("item")
        return cls(
            id=request.id, status=request.status, status_name=messages.STATUS_NAMES[request.status],
            centre_id=request.centre_id, centre_name=names["centre"], item_code=item[0] if item else None,
            item_name=item[1] if item else None, situation=request.situation, business_id=request.business_id,
            business_name=names.get("business"),
            helper_name=names.get("helper"), site_name=names.get("site"), contact_due_on=request.contact_due_on,
            overdue=is_overdue(request, today), close_note=request.close_note,
            can_withdraw=request.status in (RequestStatus.SUBMITTED, RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS),
            can_rate=request.status == RequestStatus.CLOSED and not rated, created_at=local_iso(request.created_at),
            grants=[AssistanceGrantOut.of(g, now) for g in request.grants],
            timeline=[AssistanceEventOut(at=local_iso(e.at), kind=e.kind, title=titles.get(e.kind, e.kind),
                               note=e.note, by=e.actor_name if staff_view else None) for e in events],
        ).model_dump(mode="json") | extra


class AssistanceList(BaseModel):
    requests: list[AssistanceOut]


class AssistanceClaimOut(BaseModel):
    claimed: list[AssistanceOut] = Field(description="the requests 代办点 desks wrote down for the caller, now theirs")


# --- console forms ----------------------------------------------------------------------------------------


class AssistanceAssignForm(StrictIn):
    staff_id: Id


class AssistanceReassignForm(StrictIn):
    staff_id: Id
    expected_staff_id: Id = Field(description="the helper the page showed: a change made meanwhile is refused")


class AssistanceContactForm(StrictIn):
    note: str = Field(min_length=2, max_length=500)


class AssistanceGrantForm(StrictIn):
    purpose: str = Field(min_length=2, max_length=200)
    valid_hours: int = Field(ge=1, le=720)
    scopes: list[GrantScope] = Field(default_factory=lambda: [GrantScope.BOOK], min_length=1)
    item_code: str | None = Field(default=None, max_length=32, description="the item, when the request named none")


class AssistanceBookForm(StrictIn):
    slot_id: Id
    item_code: str = Field(min_length=1, max_length=32)


class AssistanceCloseForm(StrictIn):
    summary: str = Field(min_length=2, max_length=1000)


class AssistanceSlaForm(StrictIn):
    centre_id: Id
    contact_days: int = Field(ge=1, le=10)
