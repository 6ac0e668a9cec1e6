from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "inspections",
    blueprints=("miniapp_api.inspections.views.bp", "miniapp_api.inspections.views.staff_bp"),
    models="miniapp_api.inspections.models",
    console_pages=("miniapp_api.console.inspections",),
)
