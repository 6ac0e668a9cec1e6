from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Row

from miniapp_api.appointments import messages
from miniapp_api.appointments.models import Appointment, Slot, Ticket, WaitlistEntry, WaitlistOffer
from miniapp_api.appointments.presence import Presence
from miniapp_api.appointments.queue import WindowQueue
from miniapp_api.centres.schemas import ClosureNotice
from miniapp_api.citizens.schemas import IdNumber, MobilePhone, RealName
from miniapp_api.citizens.services import PHONE_CONTEXT
from miniapp_api.platform.clock import local_iso
from miniapp_api.platform.privacy import FieldCipher, mask_phone
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn


class ForPerson(StrictIn):
    """Booking for someone else by name (代预约/帮代办) without their authorisation: a typed claim, so it counts
    against the booking account's own cap of bookings for others, never against the person named."""

    name: RealName
    id_number: IdNumber
    phone: MobilePhone
    relation: Literal[messages.RELATIONS]  # type: ignore[valid-type]


class BookIn(StrictIn):
    slot_id: Id
    item_codes: list[str] = Field(min_length=1, max_length=5)
    for_person: ForPerson | None = None
    for_relative: Id | None = Field(None, description=(
        "an authorisation (亲友代办) with the book scope: book for that relative without retyping their details"))

    @model_validator(mode="after")
    def _one_person(self) -> BookIn:
        if self.for_person is not None and self.for_relative is not None:
            raise ValueError(messages.ONE_PERSON_ONLY)
        return self

    @field_validator("item_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        if any(not code or len(code) > 32 for code in value):
            raise ValueError(messages.ITEM_CODES_REQUIRED)
        return value


class RescheduleIn(StrictIn):
    slot_id: Id


class AppointmentPath(BaseModel):
    appointment_id: Id


class _PresenceFields(BaseModel):
    """Being at the hall, where the centre asks for it: the call screen's code, or a location."""

    token: str | None = Field(default=None, max_length=80, description="the code in the call screen's QR")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)

    def presence(self) -> Presence:
        return Presence(token=self.token, lat=self.lat, lng=self.lng)


class PresenceIn(_PresenceFields, StrictIn):
    pass


class CheckInQuery(_PresenceFields, QueryModel):
    """In the query, not a body: check-in was a body-less POST, and released mini-programs still send it so."""


class WalkInIn(PresenceIn):
    item_code: str = Field(min_length=1, max_length=32)


class SlotQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    item: str = Field(max_length=32)
    date: dt.date


class SlotOut(BaseModel):
    id: int
    window_id: int
    window_name: str
    window_kind: str = Field(description="general, express, proxy or complaints: the page says what the window is for")
    starts_at: str
    ends_at: str
    capacity: int
    remaining: int

    @classmethod
    def of(cls, slot: Slot) -> SlotOut:
        return cls(id=slot.id, window_id=slot.window_id, window_name=slot.window.name,
                   window_kind=slot.window.kind, starts_at=local_iso(slot.starts_at), ends_at=local_iso(slot.ends_at), capacity=slot.capacity,
                   remaining=slot.remaining)


class SlotList(BaseModel):
    date: str
    centre_open: bool
    slots: list[SlotOut]
    closures: list[ClosureNotice] = Field(default_factory=list,
                                          description="暂停服务 that day: its slots are not listed")


class TicketOut(BaseModel):
    id: int
    number: str
    status: str
    status_name: str
    window_id: int
    window_name: str
    waiting_ahead: int | None = Field(default=None, description=(
        "前面还有 N 人: waiting tickets called before this one (check-in, walk-in and an appointment's own page); "
        "null once called, or in lists"))

    @classmethod
    def of(cls, ticket: Ticket, waiting_ahead: int | None = None) -> TicketOut:
        return cls(id=ticket.id, number=ticket.number, status=ticket.status,
                   status_name=messages.STATUS_NAMES[ticket.status], window_id=ticket.window_id,
                   window_name=ticket.window.name, waiting_ahead=waiting_ahead)


class ItemLine(BaseModel):
    code: str
    name: str


class AppointmentOut(BaseModel):
    id: int
    status: str
    status_name: str
    centre_id: int
    centre_name: str
    window_id: int
    window_name: str
    starts_at: str
    ends_at: str
    items: list[ItemLine]
    person_name: str
    for_someone_else: bool
    relation: str | None
    proxy_phone_masked: str | None
    ticket: TicketOut | None
    rescheduled_to_id: int | None
    created_at: str
    booked_for_you: str | None = Field(default=None, description=(
        "set when someone else booked it for the caller (a relative under an authorisation, or by name): "
        "'王* 为您预约'; the caller may cancel it"))

    @classmethod
    def of(cls, appointment: Appointment, cipher: FieldCipher, booked_by: str | None = None) -> AppointmentOut:
        phone = (mask_phone(cipher.decrypt(appointment.proxy_phone_enc, context=PHONE_CONTEXT))
                 if appointment.proxy_phone_enc else None)
        return cls(id=appointment.id, status=appointment.status,
                   status_name=messages.STATUS_NAMES[appointment.status], centre_id=appointment.centre_id,
                   centre_name=appointment.centre.name, window_id=appointment.window_id,
                   window_name=appointment.window.name, starts_at=local_iso(appointment.starts_at),
                   ends_at=local_iso(appointment.ends_at),
                   items=[ItemLine(code=line.item.code, name=line.item.name) for line in appointment.lines],
                   person_name=appointment.person_name, for_someone_else=appointment.is_for_someone_else,
                   relation=appointment.proxy_relation, proxy_phone_masked=phone,
                   ticket=TicketOut.of(appointment.ticket) if appointment.ticket else None,
                   rescheduled_to_id=appointment.rescheduled_to_id, created_at=local_iso(appointment.created_at),
                   booked_for_you=messages.BOOKED_FOR_YOU.format(booker=booked_by) if booked_by else None)

    @staticmethod
    def values(row: Row, cipher: FieldCipher, booked_by: str | None = None) -> dict:
        """The same document from a row of appointments/reads.py, as plain values for the list's fast path
        (orjson); a test compares it with `of` on the same appointment."""
        phone = mask_phone(cipher.decrypt(row.proxy_phone_enc, context=PHONE_CONTEXT)) if row.proxy_phone_enc \
            else None
        ticket = None if row.ticket_id is None else {
            "id": row.ticket_id, "number": row.ticket_number, "status": row.ticket_status,
            "status_name": messages.STATUS_NAMES[row.ticket_status], "window_id": row.ticket_window_id,
            "window_name": row.ticket_window_name, "waiting_ahead": None}
        return {"id": row.id, "status": row.status, "status_name": messages.STATUS_NAMES[row.status],
                "centre_id": row.centre_id, "centre_name": row.centre_name, "window_id": row.window_id,
                "window_name": row.window_name, "starts_at": local_iso(row.starts_at),
                "ends_at": local_iso(row.ends_at), "items": [{"code": code, "name": name} for code, name in row.items],
                "person_name": row.person_name, "for_someone_else": row.proxy_relation is not None,
                "relation": row.proxy_relation, "proxy_phone_masked": phone, "ticket": ticket,
                "rescheduled_to_id": row.rescheduled_to_id, "created_at": local_iso(row.created_at),
                "booked_for_you": messages.BOOKED_FOR_YOU.format(booker=booked_by) if booked_by else None}


class AppointmentList(BaseModel):
    appointments: list[AppointmentOut]


class WindowQueueOut(BaseModel):
    window_id: int
    window_name: str
    waiting: int
    now_serving: list[str]
    estimated_wait_minutes: int

    @classmethod
    def of(cls, queue: WindowQueue) -> WindowQueueOut:
        return cls(window_id=queue.window.id, window_name=queue.window.name, waiting=queue.waiting,
                   now_serving=queue.now_serving, estimated_wait_minutes=queue.estimated_wait_minutes)


class QueueOut(BaseModel):
    windows: list[WindowQueueOut]


# --- staff: the counter ------------------------------------------------------------------------


class WindowPath(BaseModel):
    window_id: Id


class CounterAction(StrEnum):
    RECALL = "recall"
    SKIP = "skip"
    START = "start"
    FINISH = "finish"


class CounterTicketPath(WindowPath):
    ticket_id: Id
    action: CounterAction


class CounterTicketOut(BaseModel):
    id: int
    number: str
    status: str
    status_name: str
    call_count: int
    item_name: str
    person: str | None = Field(description="masked name (张*); walk-ins have none")
    booked: bool

    @classmethod
    def of(cls, ticket) -> CounterTicketOut:
        return cls(id=ticket.id, number=ticket.number, status=ticket.status,
                   status_name=messages.STATUS_NAMES[ticket.status], call_count=ticket.call_count,
                   item_name=ticket.item_name, person=ticket.person, booked=ticket.booked)


class CounterOut(BaseModel):
    window_id: int
    window_name: str
    centre_name: str
    waiting: int
    tickets: list[CounterTicketOut]


class CalledOut(BaseModel):
    ticket: TicketOut | None = Field(description="null when nobody is waiting")


# --- the waitlist (候补) ----------------------------------------------------------------------------------------


class WaitlistIn(StrictIn):
    centre_id: Id
    item_code: str = Field(min_length=1, max_length=32)
    date_from: dt.date
    date_to: dt.date
    time_from: dt.time | None = Field(default=None, description="local time of day; empty: whenever open")
    time_to: dt.time | None = None

    @model_validator(mode="after")
    def _times(self) -> WaitlistIn:
        if self.time_from is not None and self.time_to is not None and self.time_from >= self.time_to:
            raise ValueError(messages.WAITLIST_TIMES)
        return self


class WaitlistPath(BaseModel):
    entry_id: Id


class OfferPath(BaseModel):
    offer_id: Id


class OfferOut(BaseModel):
    id: int
    status: str
    status_name: str
    starts_at: str
    ends_at: str
    window_name: str
    expires_at: str

    @classmethod
    def of(cls, offer: WaitlistOffer) -> OfferOut:
        return cls(id=offer.id, status=offer.status, status_name=messages.OFFER_STATUS_NAMES[offer.status],
                   starts_at=local_iso(offer.slot.starts_at), ends_at=local_iso(offer.slot.ends_at),
                   window_name=offer.slot.window.name, expires_at=local_iso(offer.expires_at))


class WaitlistOut(BaseModel):
    id: int
    status: str
    status_name: str
    centre_id: int
    centre_name: str
    item: ItemLine
    date_from: str
    date_to: str
    time_from: str | None
    time_to: str | None
    people_ahead: int | None = Field(description="waiting before this entry for the same item; null unless waiting")
    offer: OfferOut | None = Field(description="the seat held for this entry, to confirm before expires_at")
    appointment_id: int | None
    created_at: str

    @classmethod
    def of(cls, entry: WaitlistEntry, people_ahead: int | None, offer: WaitlistOffer | None) -> WaitlistOut:
        return cls(id=entry.id, status=entry.status, status_name=messages.WAITLIST_STATUS_NAMES[entry.status],
                   centre_id=entry.centre_id, centre_name=entry.centre.name,
                   item=ItemLine(code=entry.item.code, name=entry.item.name),
                   date_from=entry.date_from.isoformat(), date_to=entry.date_to.isoformat(),
                   time_from=entry.time_from.strftime("%H:%M") if entry.time_from else None,
                   time_to=entry.time_to.strftime("%H:%M") if entry.time_to else None,
                   people_ahead=people_ahead, offer=OfferOut.of(offer) if offer else None,
                   appointment_id=entry.appointment_id, created_at=local_iso(entry.created_at))


class WaitlistList(BaseModel):
    entries: list[WaitlistOut]
