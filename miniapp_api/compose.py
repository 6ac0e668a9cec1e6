"""Acts that span a people-and-places domain and a case domain, composed above both so that neither package
imports the other: the people-and-places packages (citizens, centres, staff, identity, businesses, licences, files,
notifications, authority) never import the case domains (tests/test_layers.py). The routes stay on their own
domain's blueprint (same URL, endpoint and OpenAPI tag); create_app imports this module before registering it.
"""

from __future__ import annotations

from flask import g

from miniapp_api.appointments import finder
from miniapp_api.businesses import services as businesses
from miniapp_api.businesses import views as businesses_views
from miniapp_api.businesses.schemas import BusinessImportIn, BusinessImportOut
from miniapp_api.centres import views as centres_views
from miniapp_api.centres.schemas import CentreList, CentreQuery, CentreSummary
from miniapp_api.platform.auth import STAFF_BEARER, field_cipher
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.unit_of_work import stale_read
from miniapp_api.policies import services as policies
from miniapp_api.staff import permissions
from miniapp_api.staff.guards import staff_role


@centres_views.bp.get("/centres", responses={200: CentreList})
@stale_read
@public_cached
def list_centres(query: CentreQuery):
    """Centres handling an item, nearest first when a position is given, then by earliest free slot."""
    matches = finder.centres_for_item(db.session, item_code=query.item, lat=query.lat, lng=query.lng, now=utcnow())
    return CentreList(centres=[CentreSummary.of(m.centre, distance_km=m.distance_km,
                                                earliest_free_slot=local_iso(m.earliest_free))
                               for m in matches]).model_dump(mode="json")



@businesses_views.staff_bp.post("/businesses/import", responses={200: BusinessImportOut}, security=STAFF_BEARER)
@staff_role(*permissions.BUSINESS_IMPORT)
def import_businesses(body: BusinessImportIn):
    """Import or update businesses from the registry's CSV: every bad row is reported by line, nothing is
    saved unless all are right; importing the same file again changes nothing. Policies are matched again
    over the imported businesses once it commits."""
    report = businesses.import_csv(db.session, field_cipher(), g.staff, body.csv, utcnow())
    policies.facts_changed(db.session, "business", report.business_ids)   # 政策快享 over the changed facts
    return BusinessImportOut(created=report.created, updated=report.updated, linked=report.linked
                             ).model_dump(mode="json")
