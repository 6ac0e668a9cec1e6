"""Rating statistics from the daily pre-aggregate: 好评率, 差评整改率, average level, by one dimension.

Definitions (no national formula was found; these are ours, in one place):
好评率 = (非常满意 + 满意 + 基本满意) ÷ valid ratings; 差评整改率 = 差评 whose fix is in ÷ 差评;
ratings found invalid on appeal leave both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre, ServiceItem, Window
from miniapp_api.ratings import messages
from miniapp_api.ratings.models import RatingDaily
from miniapp_api.staff.models import Staff

DIMENSIONS = {
    "centre": (RatingDaily.centre_id, Centre),
    "window": (RatingDaily.window_id, Window),
    "item": (RatingDaily.item_id, ServiceItem),
    "staff": (RatingDaily.staff_id, Staff),
    "month": (func.to_char(RatingDaily.day, "YYYY-MM"), None),
}


def rates(total: int, good: int, bad: int, rectified: int, level_sum: int) -> dict:
    return {"total": total, "good": good, "bad": bad, "rectified": rectified,
            "good_rate": round(good / total, 4) if total else None,
            "rectification_rate": round(rectified / bad, 4) if bad else None,
            "average_level": round(level_sum / total, 2) if total else None}


SUMS = (RatingDaily.total, RatingDaily.good, RatingDaily.bad, RatingDaily.rectified, RatingDaily.level_sum)


def _within(statement, centre_ids: set[int], since: date | None, until: date | None, item_id: int | None):
    statement = statement.where(RatingDaily.centre_id.in_(centre_ids))
    if since:
        statement = statement.where(RatingDaily.day >= since)
    if until:
        statement = statement.where(RatingDaily.day <= until)
    if item_id is not None:
        statement = statement.where(RatingDaily.item_id == item_id)
    return statement


def rating_stats(session: Session, centre_ids: set[int], group_by: str, since: date | None,
                 until: date | None, item_id: int | None = None) -> list[dict]:
    key, model = DIMENSIONS[group_by]
    statement = _within(select(key.label("key"), *map(func.sum, SUMS)), centre_ids, since, until, item_id
                        ).group_by(key).order_by(key)
    rows = session.execute(statement).all()
    names: dict = {}
    if model is not None:
        ids = [row.key for row in rows if row.key]
        label = model.display_name if model is Staff else model.name
        names = dict(session.execute(select(model.id, label).where(model.id.in_(ids))).tuples().all())
    result = []
    for row in rows:
        if not row[1]:
            continue
        name = row.key if model is None else names.get(row.key, messages.NOT_LINKED)
        result.append({"key": row.key, "name": name, **rates(*(int(v or 0) for v in row[1:]))})
    return result


def rating_totals(session: Session, centre_ids: set[int], since: date, until: date,
                  item_id: int | None = None) -> dict:
    """The same figures over all of these centres at once (a report's summary), through the same `rates`."""
    sums = session.execute(_within(select(*map(func.sum, SUMS)), centre_ids, since, until, item_id)).one()
    return rates(*(int(value or 0) for value in sums))


# --- published for the public (国办 2019 好差评: results are made public) ----------------------------------------

PUBLIC_DAYS = 90
PUBLIC_MIN_RATINGS = 20     # below this a rate says more about chance than about the service: not shown


@dataclass(frozen=True)
class PublicRatings:
    """A centre's last 90 days from the same daily pre-aggregate as the dashboard; rates only from 20 ratings on,
    for the centre as for each item."""

    centre_id: int
    since: date
    until: date
    centre: dict
    items: list[dict]


def public_ratings(session: Session, centre_id: int, today: date) -> PublicRatings:
    since = today - timedelta(days=PUBLIC_DAYS - 1)
    rows = rating_stats(session, {centre_id}, "centre", since, today)
    centre = rows[0] if rows else rates(0, 0, 0, 0, 0)
    published = [row for row in rating_stats(session, {centre_id}, "item", since, today)
                 if row["total"] >= PUBLIC_MIN_RATINGS]
    codes = dict(session.execute(select(ServiceItem.id, ServiceItem.code).where(
        ServiceItem.id.in_([row["key"] for row in published]))).tuples().all()) if published else {}
    items = [{**row, "code": codes[row["key"]]} for row in published if row["key"] in codes]
    items.sort(key=lambda row: (-row["total"], row["code"]))
    return PublicRatings(centre_id, since, today, centre, items)
