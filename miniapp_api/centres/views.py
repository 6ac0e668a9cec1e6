from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.centres import services
from miniapp_api.centres.schemas import (
    CentreDetail,
    CentrePath,
    ItemList,
    ItemQuery,
    ItemSummary,
)
from miniapp_api.platform.clock import today
from miniapp_api.platform.db import db
from miniapp_api.platform.http_cache import public_cached
from miniapp_api.platform.schemas import ERROR_RESPONSES
from miniapp_api.platform.unit_of_work import stale_read

bp = APIBlueprint("centres", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="办事指南与服务中心", description="Service items, guides and halls (public)")])


@bp.get("/items", responses={200: ItemList})
@stale_read
@public_cached
def list_items(query: ItemQuery):
    """Search items by name, category or pinyin initials."""
    items = services.search_items(db.session, query=query.q, audience=query.audience)
    return ItemList(items=[ItemSummary.of(item) for item in items]).model_dump(mode="json")


@bp.get("/centres/<int:centre_id>", responses={200: CentreDetail})
@stale_read
def show_centre(path: CentrePath):
    """A centre's address, opening hours, windows and booking policy."""
    centre = services.get_centre(db.session, path.centre_id)
    return CentreDetail.of_centre(centre, services.upcoming_closures(db.session, centre.id, today())
                                  ).model_dump(mode="json")
