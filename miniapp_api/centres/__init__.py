"""Service halls (政务服务中心) and the service items (政务服务事项) they handle."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "centres",
    blueprints=("miniapp_api.centres.views.bp",),
    models="miniapp_api.centres.models",
)
