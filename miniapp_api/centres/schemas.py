from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from miniapp_api.centres import messages
from miniapp_api.centres.models import Centre, CentreClosure, ServiceItem, Window
from miniapp_api.centres.services import when_text
from miniapp_api.platform.schemas import Id, QueryModel, StrictIn


class ItemQuery(QueryModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    q: str | None = Field(default=None, max_length=40, description="name, category or pinyin initials (yyzz)")
    audience: Literal["citizen", "business"] | None = None


class ItemPath(BaseModel):
    code: str = Field(max_length=32)


class CentrePath(BaseModel):
    centre_id: Id


class CentreQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    item: str | None = Field(default=None, max_length=32, description="service item code")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)


class Material(BaseModel):
    name: str
    key: bool = Field(description="key material: without it the application cannot be accepted (非容缺)")
    form: str
    count: int


class ItemSummary(BaseModel):
    code: str
    name: str
    audience: str
    audience_name: str
    category: str | None
    high_frequency: bool

    @classmethod
    def of(cls, item: ServiceItem) -> ItemSummary:
        return cls(code=item.code, name=item.name, audience=item.audience,
                   audience_name=messages.AUDIENCE_NAMES[item.audience], category=item.category,
                   high_frequency=item.high_frequency)


class ItemList(BaseModel):
    items: list[ItemSummary]


class ItemDetail(ItemSummary):
    guide: dict
    materials: list[Material]
    duration_minutes: int
    time_limit_working_days: int | None
    online_form: bool = Field(description="网上申报 is offered (GET /items/{code}/online-form answers): the client "
                                          "shows the button only then")

    @classmethod
    def of(cls, item: ServiceItem, *, online_form: bool) -> ItemDetail:
        """`online_form`: whether the filing domain has a form for it (composed above both: miniapp_api/compose.py)."""
        return cls(**ItemSummary.of(item).model_dump(), guide=item.guide, materials=item.materials,
                   duration_minutes=item.duration_minutes, time_limit_working_days=item.time_limit_working_days,
                   online_form=online_form)


class OpeningOut(BaseModel):
    weekday: int
    weekday_name: str
    opens: str
    closes: str
    label: str | None


class WindowOut(BaseModel):
    id: int
    name: str
    kind: str
    kind_name: str
    counters: int
    item_codes: list[str]

    @classmethod
    def of(cls, window: Window) -> WindowOut:
        return cls(id=window.id, name=window.name, kind=window.kind, kind_name=messages.WINDOW_KIND_NAMES[window.kind],
                   counters=window.counters, item_codes=[item.code for item in window.items])


class CentreSummary(BaseModel):
    id: int
    name: str
    level: str
    level_name: str
    region: str
    address: str | None
    phone: str | None
    latitude: float | None
    longitude: float | None
    distance_km: float | None = None
    earliest_free_slot: str | None = None

    @classmethod
    def of(cls, centre: Centre, **extra) -> CentreSummary:
        return cls(id=centre.id, name=centre.name, level=centre.level, level_name=messages.LEVEL_NAMES[centre.level],
                   region=centre.region, address=centre.address, phone=centre.phone, latitude=centre.latitude,
                   longitude=centre.longitude, **extra)


class CentreList(BaseModel):
    centres: list[CentreSummary]


class BookingPolicyOut(BaseModel):
    booking_horizon_days: int
    min_notice_minutes: int
    cancel_cutoff_minutes: int
    max_active_per_person: int
    max_active_for_others: int = Field(description="active bookings one account may hold for others by name")


class ClosureNotice(BaseModel):
    """暂停服务 as citizens read it: when, why, and the words to show."""
    day: str
    whole_day: bool
    from_time: str | None
    to_time: str | None
    window_ids: list[int] | None
    reason: str
    notice: str

    @classmethod
    def of(cls, closure: CentreClosure, windows: dict[int, str]) -> ClosureNotice:
        return cls(day=closure.day.isoformat(), whole_day=closure.whole_day,
                   from_time=closure.from_time.strftime("%H:%M") if closure.from_time else None,
                   to_time=closure.to_time.strftime("%H:%M") if closure.to_time else None,
                   window_ids=closure.window_ids, reason=closure.reason,
                   notice=messages.CLOSURE_NOTICE.format(when=when_text(closure, windows), reason=closure.reason))


class CentreDetail(CentreSummary):
    parent_id: int | None
    opening_hours: list[OpeningOut]
    windows: list[WindowOut]
    policy: BookingPolicyOut
    closures: list[ClosureNotice] = Field(default_factory=list, description="暂停服务 from today on")

    @classmethod
    def of_centre(cls, centre: Centre, closures: list[CentreClosure] = ()) -> CentreDetail:  # type: ignore[assignment]
        hours = [OpeningOut(weekday=p.weekday, weekday_name=messages.WEEKDAY_NAMES[p.weekday],
                            opens=p.opens.strftime("%H:%M"), closes=p.closes.strftime("%H:%M"), label=p.label)
                 for p in centre.hours]
        policy = BookingPolicyOut(booking_horizon_days=centre.booking_horizon_days,
                           min_notice_minutes=centre.min_notice_minutes,
                           cancel_cutoff_minutes=centre.cancel_cutoff_minutes,
                           max_active_per_person=centre.max_active_per_person,
                           max_active_for_others=centre.max_active_for_others)
        windows = {w.id: w.name for w in centre.windows}
        return cls(**CentreSummary.of(centre).model_dump(), parent_id=centre.parent_id, opening_hours=hours,
                   windows=[WindowOut.of(w) for w in centre.windows], policy=policy,
                   closures=[ClosureNotice.of(c, windows) for c in closures])


class BookingPolicyIn(StrictIn):
    """A centre's booking rules, as its manager may set them (bounds keep a typo from closing the hall)."""

    booking_horizon_days: int = Field(ge=1, le=60)
    min_notice_minutes: int = Field(ge=0, le=1440)
    cancel_cutoff_minutes: int = Field(ge=0, le=1440)
    max_active_per_person: int = Field(ge=1, le=20)
    # 代预约 by name (no authorisation): counts against the booking account; 0 turns it off at this centre.
    max_active_for_others: int = Field(default=2, ge=0, le=10)
    no_show_limit: int = Field(ge=1, le=20)
    no_show_window_days: int = Field(ge=7, le=365)
    suspension_days: int = Field(ge=1, le=180)
    no_show_grace_minutes: int = Field(ge=0, le=120)
    waitlist_hold_minutes: int = Field(default=15, ge=5, le=120)
    # A checkbox: absent means off. On lets citizens without face verification book here.
    allow_unverified_booking: bool = False
    # Checkboxes and an optional number: check-in and walk-in tickets only at the hall (presence.py).
    presence_check: bool = False
    checkin_radius_m: int | None = Field(default=None, ge=50, le=2000)


class CalendarOverrideIn(StrictIn):
    day: dt.date
    is_workday: bool
    note: str = Field(min_length=2, max_length=100)


class PeriodForm(StrictIn):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    opens: dt.time
    closes: dt.time
    label: str | None = Field(default=None, max_length=20, description="e.g. 延时服务")


class WindowForm(StrictIn):
    counters: int = Field(ge=1, le=100)
    item_codes: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(default_factory=list, max_length=200)


class NewWindowForm(WindowForm):
    name: str = Field(min_length=1, max_length=40)
    kind: Literal["general", "express", "complaints", "proxy"]
    slot_minutes: int = Field(ge=5, le=240)
