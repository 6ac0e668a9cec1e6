"""A child case of a 一件事 on the console's case page: the bundle it belongs to (with the 跨省通办 province), the
shared form's values for this item only and the materials this item needs."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from miniapp_api.applications.models import BundleCase
from tests.factories import id_number
from tests.filing.test_bundles import NOW, bundle_world, submit_bundle


def test_the_case_page_shows_the_bundle_and_this_items_part(client, db_session, verified_login, console):
    with time_machine.travel(NOW, tick=False):
        world = bundle_world(db_session)
        citizen = verified_login("赵红", id_number(3303), openid="o-bundle-console")
        reference = submit_bundle(client, citizen, world)
        health, card = db_session.scalars(select(BundleCase).where(BundleCase.reference == reference)).one().children
        desk = console(world["clerk"])
        page = desk.get(f"/console/applications/{card.reference}").get_data(as_text=True)
        assert f"一件事受理编号 {reference}" in page and "跨省通办受理地：河南省" in page
        assert "近期免冠照片" in page and "评定医院（可选）" not in page      # the hospital is the health item's field
        page = desk.get(f"/console/applications/{health.reference}").get_data(as_text=True)
        assert "评定医院（可选）" in page and "聊城市人民医院" in page and "近期免冠照片" not in page
