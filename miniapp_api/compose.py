"""Acts that span a people-and-places domain and a case domain, composed above both so that neither package
imports the other: the people-and-places packages (citizens, centres, staff, identity, businesses, licences, files,
notifications, authority) never import the case domains (tests/test_layers.py). The routes stay on their own
domain's blueprint (same URL, endpoint and OpenAPI tag); create_app imports this module before registering it.
(Facts that change for policies — a verification, the registry's import — go through `platform.facts`.)
"""

from __future__ import annotations

from flask import g

from miniapp_api.applications import services as applications
from miniapp_api.applications.messages import STATUS_NAMES
from miniapp_api.appointments import finder
from miniapp_api.businesses import services as businesses
from miniapp_api.businesses import views as businesses_views
from miniapp_api.businesses.schemas import (
    BatchCountOut,
    BatchMemberOut,
    BusinessBatchOut,
    BusinessDetail,
    BusinessOut,
    BusinessPath,
)
from miniapp_api.centres import views as centres_views
from miniapp_api.centres import services as centres
from miniapp_api.centres.schemas import CentreList, CentreQuery, CentreSummary, ItemDetail, ItemPath
from miniapp_api.filing.forms import definition_for
from miniapp_api.licences.schemas import LicenceOut
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_iso, today, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.privacy import mask_name
from miniapp_api.platform.unit_of_work import read_only, stale_read


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



@businesses_views.bp.get("/businesses/<int:business_id>", responses={200: BusinessDetail},
                         security=businesses_views.BEARER)
@citizen_required
@read_only
def show_business(path: BusinessPath):
    """One linked business with the licences it holds, and the 批量办理 filed for it that the caller handles as
    the batch's agent (each member's outcome, names masked); any other business is 'not found'."""
    business, link = businesses.own_business(db.session, g.citizen.id, path.business_id, utcnow())
    day = today()
    return BusinessDetail(**BusinessOut.of(business, link).model_dump(), licences=[
        LicenceOut.of(licence, day) for licence in businesses.business_licences(db.session, business)],
        batches=[_batch_out(batch, members)
                 for batch, members in applications.agent_batches(db.session, business.credit_code, g.citizen.id)]
    ).model_dump(mode="json")


def _batch_out(batch, members) -> BusinessBatchOut:
    """A batch with each member's outcome in words (how many in each state, in the members' order)."""
    counts: dict[str, int] = {}
    for member in members:
        counts[member.status] = counts.get(member.status, 0) + 1
    return BusinessBatchOut(
        reference=batch.reference, title=batch.title, item_name=batch.item.name,
        created_at=local_iso(batch.created_at) or "",
        progress=[BatchCountOut(status_name=STATUS_NAMES[status], count=count) for status, count in counts.items()],
        members=[BatchMemberOut(reference=m.reference, name=mask_name(m.applicant_name), status=m.status,
                                status_name=STATUS_NAMES[m.status], updated_at=local_iso(m.updated_at) or "")
                 for m in members])
