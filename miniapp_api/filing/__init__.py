from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "filing",
    blueprints=("miniapp_api.filing.views.bp", "miniapp_api.filing.views.staff_bp"),
    models="miniapp_api.filing.models",
)
