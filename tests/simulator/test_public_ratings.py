"""A centre's published 好差评 in the simulator (Chromium, live app): reached from the booking page."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from miniapp_api.ratings.models import RatingDaily
from tests.browser import assert_accessible
from tests.factories import MONDAY_8AM, build_hall, local_day
from tests.simulator.test_simulator import new_citizen

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
        new_citizen(page, live_server, "钱阿姨")
        page.goto(f"{live_server}/simulator/#/book/{rated_hall.quick.code}")
        page.locator("#centre-link").click()
        card = page.locator("#centre-ratings")
        expect(card).to_contain_text("评价数：40 条")
        expect(card).to_contain_text("好评率：95.0%")
        expect(card).to_contain_text("差评整改率：50.0%")
        expect(card).to_contain_text(f"{rated_hall.quick.name}：95.0%（40 条）")
        assert_accessible(page, "simulator centre ratings")
        page.screenshot(path=artifacts / "simulator-centre-ratings.png", full_page=True)
