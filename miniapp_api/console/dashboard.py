"""The dashboard: bookings and no-shows, waiting times, 好评率 and 差评整改率, feedback answered in time, 政策快享."""

from __future__ import annotations

from datetime import date, timedelta

from flask import g, render_template, request
from pydantic import Field
from sqlalchemy import select

from miniapp_api.appointments.waitlist import line_figures
from miniapp_api.centres.models import Centre
from miniapp_api.console import charts, messages, queries
from miniapp_api.console.blueprint import bp, page
from miniapp_api.platform.clock import today
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import QueryModel
from miniapp_api.policies.messages import MODE_NAMES
from miniapp_api.policies.stats import policy_figures
from miniapp_api.ratings.stats import rating_stats
from miniapp_api.staff import permissions
from miniapp_api.staff.services import visible_centre_ids


class DashboardQuery(QueryModel):
    days: int = Field(default=30, ge=7, le=366)
    group_by: str = Field(default="centre", pattern="^(centre|window|item|month)$")


def _percent(value: float | None) -> float | None:
    return round(100 * value, 1) if value is not None else None


@bp.get("/dashboard")
@page(*permissions.DASHBOARD)
def dashboard():
    query = DashboardQuery.model_validate(request.args.to_dict())
    centre_ids = visible_centre_ids(db.session, g.staff)
    until = today()
    since = until - timedelta(days=query.days - 1)
    bookings = queries.bookings_per_day(db.session, centre_ids, since, until)
    upcoming = queries.upcoming_bookings(db.session, centre_ids, until)
    waits = queries.wait_minutes_per_day(db.session, centre_ids, since, until)
    ratings = rating_stats(db.session, centre_ids, query.group_by, since if query.group_by != "month" else
                           date(until.year - 1, until.month, 1), until)
    sla = queries.feedback_sla(db.session, centre_ids, date(until.year - 1, until.month, 1))
    names = dict(db.session.execute(select(Centre.id, Centre.name).where(Centre.id.in_(centre_ids))).all())
    # The waitlist: people in line now, seats held now, and how many freed seats the line filled.
    lines = [(names[f.centre_id], f) for f in line_figures(db.session, sorted(centre_ids), since, until)
             if f.waiting or f.held or f.freed]

    def day_labels(rows):
        return [r["day"].strftime("%m-%d") for r in rows]

    figures = {
        "bookings": charts.bars(messages.CHART_BOOKINGS, day_labels(bookings), {
            messages.SERIES_BOOKINGS: [r["bookings"] for r in bookings],
            messages.SERIES_NO_SHOWS: [r["no_shows"] for r in bookings]}),
        "upcoming": charts.bars(messages.CHART_UPCOMING, [r["day"].strftime("%m-%d") for r in upcoming], {
            messages.SERIES_BOOKINGS: [r["bookings"] for r in upcoming]}),
        "no_show": charts.lines(messages.CHART_NO_SHOW_RATE, day_labels(bookings),
                                {messages.CHART_NO_SHOW_RATE: [r["no_show_rate"] for r in bookings]},
                                unit="%"),
        "waits": charts.lines(messages.CHART_WAITS, day_labels(waits), {
            messages.SERIES_AVERAGE: [r["average"] for r in waits], messages.SERIES_P90: [r["p90"] for r in waits]},
            unit=messages.UNIT_MINUTES),
        "ratings": charts.bars(messages.CHART_RATINGS.format(group=messages.GROUPS[query.group_by]),
                               [r["name"] for r in ratings], {
            messages.SERIES_GOOD_RATE: [_percent(r["good_rate"]) for r in ratings],
            messages.SERIES_RECTIFIED_RATE: [_percent(r["rectification_rate"]) for r in ratings]}, percent=True),
        "sla": charts.bars(messages.CHART_SLA, [r["month"] for r in sla], {
            messages.SERIES_ON_TIME: [r["on_time"] for r in sla], messages.SERIES_LATE: [r["late"] for r in sla]},
            stacked=True),
    }
    policies = policy_figures(db.session, sorted(centre_ids))
    return render_template("console/dashboard.html", query=query, groups=messages.GROUPS, figures=figures,
                           bookings=bookings, upcoming=upcoming, waits=waits, ratings=ratings, sla=sla, lines=lines, policies=policies,
                           mode_names=MODE_NAMES,
                           no_show_share=queries.no_show_share(bookings), percent=_percent)
