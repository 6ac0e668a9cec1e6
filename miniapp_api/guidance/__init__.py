from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "guidance",
    blueprints=("miniapp_api.guidance.views.bp",),
    models="miniapp_api.guidance.models",
    console_pages=("miniapp_api.console.guidance",),
)
