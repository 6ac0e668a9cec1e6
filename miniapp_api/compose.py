"""Acts that span a people-and-places domain and a case domain, composed above both so that neither package
imports the other: the people-and-places packages (citizens, centres, staff, identity, businesses, licences, files,
notifications, authority) never import the case domains (tests/test_layers.py). The routes stay on their own
domain's blueprint (same URL, endpoint and OpenAPI tag); create_app imports this module before registering it.
(Facts that change for policies — a verification, the registry's import — go through `platform.facts`.)
"""

from __future__ import annotations

from miniapp_api.appointments import finder
from miniapp_api.centres import views as centres_views
from miniapp_api.centres import services as centres
from miniapp_api.centres.schemas import CentreList, CentreQuery, CentreSummary, ItemDetail, ItemPath
from miniapp_api.filing.forms import definition_for
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.unit_of_work import stale_read


@centres_views.bp.get("/items/<code>", responses={200: ItemDetail})
def show_item(path: ItemPath):
    """An item's plain-language guide (白话版办事指南) and materials checklist, and whether it can be filed online."""
    item = centres.get_item(db.session, path.code)
    return ItemDetail.of(item, online_form=definition_for(item.name) is not None).model_dump(mode="json")


@centres_views.bp.get("/centres", responses={200: CentreList})
@stale_read
@public_cached
def list_centres(query: CentreQuery):
    """Centres handling an item, nearest first when a position is given, then by earliest free slot."""
    matches = finder.centres_for_item(db.session, item_code=query.item, lat=query.lat, lng=query.lng, now=utcnow())
    return CentreList(centres=[CentreSummary.of(m.centre, distance_km=m.distance_km,
                                                earliest_free_slot=local_iso(m.earliest_free))
                               for m in matches]).model_dump(mode="json")

