"""市场主体: businesses from the registry, and the verified citizens who act for them."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "businesses",
    blueprints=("miniapp_api.businesses.views.bp", "miniapp_api.businesses.views.staff_bp"),
    models="miniapp_api.businesses.models",
    jobs="miniapp_api.businesses.jobs",
    schedule=(
        Periodic("link-business-representatives", "miniapp_api.businesses.jobs.link_business_representatives",
                 "50 2 * * *"),
    ),
    console_pages=("miniapp_api.console.businesses",),
)
