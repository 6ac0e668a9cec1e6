"""A centre's published 好差评 on the mini-program's own centre page (/simulator/mp/, Chromium, live app): reached
from the booking page."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.ratings.models import RatingDaily
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, local_day
from tests.simulator.phone import current_page, open_phone

pytestmark = pytest.mark.integration


@pytest.fixture
def rated_hall(committed_db, wechat):
    session = committed_db.session
    hall = build_hall(session, MONDAY_8AM)
    session.add(RatingDaily(day=local_day(MONDAY_8AM), centre_id=hall.centre.id, window_id=hall.general.id,
                            item_id=hall.quick.id, staff_id=0, total=40, good=38, bad=2, rectified=1, level_sum=170))
    session.commit()
    return hall


def test_the_centre_page_shows_its_ratings(page: Page, live_server, rated_hall, artifacts):
    with time_machine.travel(MONDAY_8AM, tick=True):
        phone = open_phone(page, live_server, "o-mp-ratings", f"pages/book/index?code={rated_hall.quick.code}")
        current_page(phone, "pages/book/index").get_by_text("这个中心的办公时间和服务评价", exact=True).click()
        centre = current_page(phone, "pages/centres/detail")
        expect(centre.get_by_text(rated_hall.centre.name, exact=True)).to_be_visible()
        cards = centre.locator("wx-view.card")
        for line in ("评价数：40 条", "好评率：95.0%", "差评整改率：50.0%", f"{rated_hall.quick.name}：95.0%（40 条）"):
            expect(cards.filter(has_text=line)).to_have_count(1)
        # The week in one card, a line a day, and the days it does not open said so.
        expect(centre.get_by_text("周一：08:30–12:00、13:30–17:00", exact=False)).to_be_visible()
        expect(centre.get_by_text("周日：不办公")).to_be_visible()
        assert_accessible(page, "centre ratings")
        page.screenshot(path=artifacts / "mp-centre-ratings.png", full_page=True)
