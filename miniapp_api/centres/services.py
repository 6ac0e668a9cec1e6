"""The catalogue: find an item, read its guide, find where to go."""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from miniapp_api.centres import messages
from miniapp_api.centres.models import Centre, CentreClosure, ServiceItem, Window, window_item
from miniapp_api.platform.errors import NotFound
from miniapp_api.platform import audit as audit_trail

ITEM_NOT_FOUND = "item_not_found"
CENTRE_NOT_FOUND = "centre_not_found"
WINDOW_NOT_FOUND = "window_not_found"
UNKNOWN_ITEM = "unknown_item"
ITEM_NOT_AT_CENTRE = "item_not_at_centre"
_ASCII_QUERY = re.compile(r"^[A-Za-z]+$")


@lru_cache(maxsize=8192)
def pinyin_initials(name: str) -> str:
    """营业执照（设立登记） → yyzzsldj: what people type on a phone keyboard to find it.

    Imported here, not at module level: pypinyin's dictionaries take ~55 MB, and only
    writing catalogue entries needs them (web and worker processes stay lean).
    """
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(letter for letter in letters if letter.isalpha()).lower()


@lru_cache(maxsize=8192)
def full_pinyin(name: str) -> str:
    """营业执照 → yingyezhizhao (the same lazy import as pinyin_initials, for the same reason)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    return "".join(s for s in syllables if s.isalpha()).lower()


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


def centre_distance_km(centre: Centre, lat: float | None, lng: float | None) -> float | None:
    """How far a position is from a centre; None when either is unknown (no position given, no map point)."""
    if lat is None or lng is None or centre.latitude is None or centre.longitude is None:
        return None
    return distance_km(lat, lng, centre.latitude, centre.longitude)


def set_booking_policy(session: Session, centre: Centre, policy: dict[str, int], actor: str) -> None:
    """Applies to bookings made from now on; audit-logged with the values before and after."""

    before = {name: getattr(centre, name) for name in policy}
    for name, value in policy.items():
        setattr(centre, name, value)
    audit_trail.record(session, actor=actor, action="centre.booking_policy", subject_type="centre",
                       subject_id=str(centre.id), detail={"before": before, "after": policy})
    session.flush()


def when_text(closure: CentreClosure, windows: dict[int, str]) -> str:
    """"12月8日" / "12月8日 09:00–12:00", with the windows named when not all of them (暂停服务)."""
    day = f"{closure.day.month}月{closure.day.day}日"
    when = (messages.CLOSED_WHOLE_DAY.format(day=day) if closure.whole_day else
            messages.CLOSED_HOURS.format(day=day, from_time=closure.from_time.strftime("%H:%M"),  # type: ignore[union-attr]
                                         to_time=closure.to_time.strftime("%H:%M")))  # type: ignore[union-attr]
    if not closure.all_windows:
        when += messages.CLOSED_WINDOWS.format(windows="、".join(windows.get(i, str(i)) for i in closure.window_ids or []))
    return when


def upcoming_closures(session: Session, centre_id: int, today: date, *, limit: int = 30) -> list[CentreClosure]:
    """Standing closures (not lifted) from today on, for the centre's public page and its console page."""
    return list(session.scalars(select(CentreClosure).where(
        CentreClosure.centre_id == centre_id, CentreClosure.day >= today, CentreClosure.lifted_at.is_(None))
        .order_by(CentreClosure.day, CentreClosure.from_time.nulls_first(), CentreClosure.id).limit(limit)))


def items_served(session: Session, centre_ids: set[int]) -> list[ServiceItem]:
    """The items the windows of these centres serve, by code: what can be booked there."""
    served = (select(window_item.c.item_id).join(Window, Window.id == window_item.c.window_id)
              .where(Window.centre_id.in_(centre_ids)))
    return list(session.scalars(select(ServiceItem).where(ServiceItem.id.in_(served)).order_by(ServiceItem.code)))
