"""The catalogue: find an item, read its guide, find where to go."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from miniapp_api.appointments.models import Slot
from miniapp_api.centres import messages
from miniapp_api.centres.models import Centre, ServiceItem, Window, window_item
from miniapp_api.platform.errors import NotFound
from miniapp_api.platform.models import AuditLog

ITEM_NOT_FOUND = "item_not_found"
CENTRE_NOT_FOUND = "centre_not_found"
WINDOW_NOT_FOUND = "window_not_found"
UNKNOWN_ITEM = "unknown_item"
ITEM_NOT_AT_CENTRE = "item_not_at_centre"
_ASCII_QUERY = re.compile(r"^[A-Za-z]+$")


def pinyin_initials(name: str) -> str:
    """营业执照（设立登记） → yyzzsldj: what people type on a phone keyboard to find it.

    Imported here, not at module level: pypinyin's dictionaries take ~55 MB, and only
    writing catalogue entries needs them (web and worker processes stay lean).
    """
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(letter for letter in letters if letter.isalpha()).lower()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_items(session: Session, *, query: str | None, audience: str | None, limit: int = 50) -> list[ServiceItem]:
    statement = select(ServiceItem)
    if query:
        pattern = f"%{_escape_like(query.lower() if _ASCII_QUERY.match(query) else query)}%"
        if _ASCII_QUERY.match(query):
            statement = statement.where(ServiceItem.pinyin_initials.like(pattern))
        else:
            statement = statement.where(or_(ServiceItem.name.ilike(pattern), ServiceItem.category.ilike(pattern)))
    if audience:
        statement = statement.where(ServiceItem.audience == audience)
    statement = statement.order_by(ServiceItem.high_frequency.desc(), ServiceItem.code).limit(limit)
    return list(session.scalars(statement))


def get_item(session: Session, code: str) -> ServiceItem:
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == code)).one_or_none()
    if item is None:
        raise NotFound(messages.ITEM_NOT_FOUND, code=ITEM_NOT_FOUND)
    return item


def get_centre(session: Session, centre_id: int) -> Centre:
    centre = session.scalars(select(Centre).where(Centre.id == centre_id).options(
        selectinload(Centre.windows).selectinload(Window.items), selectinload(Centre.hours))).one_or_none()
    if centre is None:
        raise NotFound(messages.CENTRE_NOT_FOUND, code=CENTRE_NOT_FOUND)
    return centre


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine); plenty for ranking halls in one city."""
    radius = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class CentreMatch:
    centre: Centre
    distance_km: float | None
    earliest_free: datetime | None


def _earliest_fitting(session: Session, item: ServiceItem, bookable) -> dict[int, datetime]:
    """Per centre, the first free slot from which the item fits: a 30-minute item needs the run of free
    consecutive slots starting there to last 30 minutes (gaps and islands over each window's free slots)."""

    free = (select(Slot.centre_id, Slot.window_id, Slot.starts_at, Slot.ends_at,
                   (Slot.starts_at != func.lag(Slot.ends_at).over(partition_by=Slot.window_id,
                                                                   order_by=Slot.starts_at)).label("breaks"))
            .join(Centre, Centre.id == Slot.centre_id)
            .join(window_item, and_(window_item.c.window_id == Slot.window_id, window_item.c.item_id == item.id))
            .where(Slot.booked < Slot.capacity, *bookable).subquery())
    runs = select(free, func.sum(func.cast(func.coalesce(free.c.breaks, True), Integer)).over(
        partition_by=free.c.window_id, order_by=free.c.starts_at).label("run")).subquery()
    ends = select(runs, func.max(runs.c.ends_at).over(partition_by=(runs.c.window_id, runs.c.run)).label(
        "run_end")).subquery()
    fits = ends.c.run_end >= ends.c.starts_at + func.make_interval(0, 0, 0, 0, 0, item.duration_minutes)
    return dict(session.execute(select(ends.c.centre_id, func.min(ends.c.starts_at)).where(fits)
                                .group_by(ends.c.centre_id)).tuples().all())


def centres_for_item(session: Session, *, item_code: str | None, lat: float | None, lng: float | None,
                     now: datetime) -> list[CentreMatch]:
    """Centres that handle the item, nearest first (when a position is given), then by earliest free slot."""

    centres = select(Centre)
    bookable = (Slot.starts_at >= now + func.make_interval(0, 0, 0, 0, 0, Centre.min_notice_minutes),
                Slot.starts_at < now + func.make_interval(0, 0, 0, Centre.booking_horizon_days + 1))
    if item_code:
        item = get_item(session, item_code)
        serving = select(Window.centre_id).join(window_item, window_item.c.window_id == Window.id).where(
            window_item.c.item_id == item.id)
        centres = centres.where(Centre.id.in_(serving))
        earliest_by_centre = _earliest_fitting(session, item, bookable)
    else:
        earliest_by_centre = dict(session.execute(
            select(Slot.centre_id, func.min(Slot.starts_at)).join(Centre, Centre.id == Slot.centre_id)
            .where(Slot.booked < Slot.capacity, *bookable).group_by(Slot.centre_id)).tuples().all())
    matches = []
    for centre in session.scalars(centres.options(selectinload(Centre.hours))):
        distance = None
        if lat is not None and lng is not None and centre.latitude is not None and centre.longitude is not None:
            distance = round(distance_km(lat, lng, centre.latitude, centre.longitude), 2)
        matches.append(CentreMatch(centre, distance, earliest_by_centre.get(centre.id)))
    far = now + timedelta(days=3650)
    matches.sort(key=lambda m: (m.distance_km if m.distance_km is not None else math.inf,
                                m.earliest_free or far, m.centre.id))
    return matches


def set_booking_policy(session: Session, centre: Centre, policy: dict[str, int], actor: str) -> None:
    """Applies to bookings made from now on; audit-logged with the values before and after."""

    before = {name: getattr(centre, name) for name in policy}
    for name, value in policy.items():
        setattr(centre, name, value)
    session.add(AuditLog(actor=actor, action="centre.booking_policy", subject_type="centre", subject_id=str(centre.id),
                         detail={"before": before, "after": policy}))
    session.flush()
