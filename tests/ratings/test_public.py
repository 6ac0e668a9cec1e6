"""好差评 made public: a centre's last 90 days from the daily pre-aggregate, rates only from 20 ratings on."""

from datetime import date, timedelta

import pytest
import time_machine

from miniapp_api.ratings import stats
from miniapp_api.ratings.models import RatingDaily
from tests.factories import MONDAY_8AM, CentreFactory, ItemFactory, local_day

TODAY = local_day(MONDAY_8AM)


def day_row(centre, item, days_ago: int, *, total: int, good: int, bad: int = 0, rectified: int = 0,
            window_id: int = 0) -> RatingDaily:
    return RatingDaily(day=TODAY - timedelta(days=days_ago), centre_id=centre.id, window_id=window_id,
                       item_id=item.id if item else 0, staff_id=0, total=total, good=good, bad=bad,
                       rectified=rectified, level_sum=total * 4)


@pytest.fixture
def rated(db_session):
    centre, quiet = CentreFactory(), CentreFactory()
    busy, rare = ItemFactory(name="食品经营许可证（新办）"), ItemFactory(name="设施农用地备案")
    db_session.add_all([
        day_row(centre, busy, 0, total=12, good=11, bad=1, rectified=1),
        day_row(centre, busy, 89, total=10, good=9, bad=1, window_id=7),       # the 90th day: counted
        day_row(centre, busy, 90, total=500, good=0, bad=500),                 # the 91st: not
        day_row(centre, rare, 3, total=19, good=19),                           # under 20: no item rate
        day_row(quiet, busy, 1, total=5, good=5),
    ])
    db_session.commit()
    return centre, quiet, busy, rare


def test_the_last_ninety_days_from_the_pre_aggregate(db_session, rated):
    centre, _, busy, _ = rated
    public = stats.public_ratings(db_session, centre.id, TODAY)
    assert (public.since, public.until) == (TODAY - timedelta(days=89), TODAY)
    assert public.centre["total"] == 41 and public.centre["good"] == 39 and public.centre["bad"] == 2
    assert [(row["code"], row["total"]) for row in public.items] == [(busy.code, 22)]


def test_over_http_rates_are_shown_only_from_twenty_ratings(client, rated):
    centre, quiet, busy, rare = rated
    with time_machine.travel(MONDAY_8AM, tick=False):
        shown = client.get(f"/api/v1/centres/{centre.id}/ratings").get_json()
        hidden = client.get(f"/api/v1/centres/{quiet.id}/ratings").get_json()
    assert shown["shown"] is True and shown["total"] == 41
    assert shown["good_rate_text"] == "95.1%" and shown["rectification_text"] == "50.0%"
    since = TODAY - timedelta(days=89)
    assert shown["period"] == f"近90天（{since.year}年{since.month}月{since.day}日至{TODAY.year}年{TODAY.month}月{TODAY.day}日）"
    assert [(i["name"], i["total"], i["good_rate_text"]) for i in shown["items"]] == [
        ("食品经营许可证（新办）", 22, "90.9%")]
    assert rare.code not in str(shown["items"])
    assert hidden["shown"] is False and hidden["total"] == 5 and hidden["good_rate"] is None
    assert hidden["good_rate_text"] == "评价少于20条，暂不公布" and hidden["items"] == []


def test_a_centre_without_bad_ratings_says_so_and_an_unknown_centre_is_not_found(client, db_session):
    centre, item = CentreFactory(), ItemFactory()
    db_session.add(day_row(centre, item, 0, total=30, good=30))
    db_session.commit()
    with time_machine.travel(MONDAY_8AM, tick=False):
        body = client.get(f"/api/v1/centres/{centre.id}/ratings").get_json()
        assert body["good_rate_text"] == "100.0%" and body["rectification_text"] == "这段时间没有差评"
        missing = client.get("/api/v1/centres/999999/ratings")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "centre_not_found"


def test_the_window_moves_with_the_day(db_session, rated):
    """A day later, the row of the 90th day before drops out."""
    centre = rated[0]
    assert stats.public_ratings(db_session, centre.id, date(2026, 11, 24)).centre["total"] == 12 + 0 + 19
