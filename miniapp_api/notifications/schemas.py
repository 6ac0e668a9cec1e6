from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlalchemy import Row

from miniapp_api.notifications import messages
from miniapp_api.notifications.models import Notification, PushStatus
from miniapp_api.notifications.sms import sms_kinds
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn


class ConsentsIn(StrictIn):
    """The `res` object wx.requestSubscribeMessage returned: template id → accept | reject | ban | filter."""

    results: dict[str, Literal["accept", "reject", "ban", "filter"]] = Field(min_length=1, max_length=10)


class ConsentOut(BaseModel):
    template_id: str
    group: str = Field(description="the template's group (appointment_status, queue_call, …): what a page asks for")
    purpose: str
    subscription: Literal["one_time", "long_term"]
    status: str
    remaining_one_time: int


class ConsentList(BaseModel):
    subscriptions: list[ConsentOut]


class MessageQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=100)
    before_id: Id | None = None


class MessagePath(BaseModel):
    message_id: Id


_PUSH_STATUSES = frozenset(PushStatus.__members__.values())


class MessageOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    page: str | None
    read: bool
    push_status: str
    push_status_name: str
    at: str

    @classmethod
    def of(cls, row: Notification) -> MessageOut:
        return cls(**cls.values(row))

    @staticmethod
    def values(row: Notification | Row) -> dict:
        """The message as plain values, from a Notification or a row of services.MESSAGE_COLUMNS: what the list's
        fast path writes with orjson (a test compares it with the model's serialisation)."""
        status = row.status if row.status in _PUSH_STATUSES else PushStatus.PENDING
        name = messages.SENT_BY_SMS if status == PushStatus.SENT and row.channel == "sms" else \
            messages.PUSH_STATUS_NAMES[status]
        return {"id": row.id, "kind": row.kind, "title": row.title, "body": row.body, "page": row.page,
                "read": row.read_at is not None, "push_status": str(status), "push_status_name": name,
                "at": local_iso(row.deliver_after)}


class MessageList(BaseModel):
    unread_count: int
    messages: list[MessageOut]
    as_of: str = Field(description="when the list was read: read-all with it marks only what was there then")


class ReadAllIn(StrictIn):
    as_of: AwareDatetime | None = Field(default=None, description=(
        "the list's as_of: only messages delivered by then are marked read (one that arrived after the page read "
        "the list stays unread); omitted: every message delivered by now"))


class MarkedOut(BaseModel):
    marked: int
    unread_count: int


class SmsKindOut(BaseModel):
    kind: str
    name: str
    enabled: bool


class SmsPreferencesOut(BaseModel):
    available: bool = Field(description="SMS is set up on this server")
    phone_verified: bool = Field(description="only a phone WeChat vouched for (getPhoneNumber) is ever texted")
    daily_cap: int
    kinds: list[SmsKindOut]


class SmsPreferencesIn(StrictIn):
    opted_out: list[str] = Field(max_length=20, description="kinds never to send by SMS")

    @field_validator("opted_out")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [kind for kind in value if kind not in sms_kinds()]
        if unknown:
            raise ValueError(messages.UNKNOWN_SMS_KIND.format(kind="、".join(unknown)))
        return sorted(set(value))
