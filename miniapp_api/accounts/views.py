from __future__ import annotations

from flask import current_app, g
from flask_openapi3 import APIBlueprint, Tag

from miniapp_api.accounts import messages, services
from miniapp_api.accounts.schemas import DeletionIn, DeletionOut
from miniapp_api.platform.auth import citizen_required
from miniapp_api.platform.clock import local_iso, utcnow
from miniapp_api.platform.db import db
from miniapp_api.platform.schemas import ERROR_RESPONSES

bp = APIBlueprint("accounts", __name__, url_prefix="/api/v1", abp_responses=ERROR_RESPONSES,
                  abp_tags=[Tag(name="注销账号", description="Deleting one's account and personal data")])
BEARER = [{"bearer": []}]


@bp.post("/me/deletion", responses={200: DeletionOut}, security=BEARER)
@citizen_required
def delete_account(body: DeletionIn):
    """注销: logged out everywhere at once, upcoming appointments cancelled (with messages), waitlists left,
    relative authorisations ended; the personal data is erased after ACCOUNT_ERASE_AFTER."""
    grace = current_app.config["ACCOUNT_ERASE_AFTER"]
    done = services.request_deletion(db.session, g.citizen, utcnow(), grace=grace)
    hours = max(1, round(grace.total_seconds() / 3600))
    return DeletionOut(cancelled_appointments=done.cancelled_appointments, left_waitlists=done.left_waitlists,
                       ended_authorisations=done.ended_authorisations, erase_by=local_iso(done.erase_by),
                       message=messages.ERASE_NOTICE.format(appointments=done.cancelled_appointments,
                                                            waitlists=done.left_waitlists,
                                                            relatives=done.ended_authorisations, hours=hours)
                       ).model_dump(mode="json")
