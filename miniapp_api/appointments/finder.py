"""Which centres can take a citizen for an item: nearest first, then the earliest free slot the item fits in.

Lives with the slots it reads (appointments), not with the centres it lists: centres know nothing of bookings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, func, select
from sqlalchemy.orm import Session, selectinload

from miniapp_api.appointments.models import Slot
from miniapp_api.centres.models import Centre, CentreLevel, ServiceItem, Window, window_item
from miniapp_api.centres.services import centre_distance_km, get_item


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
            .where(Slot.booked < Slot.capacity, Slot.closure_id.is_(None), *bookable).subquery())
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

    centres = select(Centre).where(Centre.level != CentreLevel.SITE)   # a 代办点 takes no bookings
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
            .where(Slot.booked < Slot.capacity, Slot.closure_id.is_(None), *bookable).group_by(Slot.centre_id))
            .tuples().all())
    matches = []
    for centre in session.scalars(centres.options(selectinload(Centre.hours))):
        distance = centre_distance_km(centre, lat, lng)
        matches.append(CentreMatch(centre, None if distance is None else round(distance, 2),
                                   earliest_by_centre.get(centre.id)))
    far = now + timedelta(days=3650)
    matches.sort(key=lambda m: (m.distance_km if m.distance_km is not None else math.inf,
                                m.earliest_free or far, m.centre.id))
    return matches
