from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "staff",
    blueprints=("miniapp_api.staff.views.bp",),
    models="miniapp_api.staff.models",
    console_pages=("miniapp_api.console.admin",),
)
