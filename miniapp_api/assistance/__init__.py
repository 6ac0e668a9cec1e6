from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "assistance",
    blueprints=("miniapp_api.assistance.views.bp",),
    models="miniapp_api.assistance.models",
    console_pages=("miniapp_api.console.assistance",),
)
