from __future__ import annotations

from miniapp_api.platform.domains import Consumer, Domain

DOMAIN = Domain(
    "certificates",
    blueprints=("miniapp_api.certificates.views.bp", "miniapp_api.certificates.views.staff_bp", "miniapp_api.certificates.views.verify_bp"),
    models="miniapp_api.certificates.models",
    consumers=(
        Consumer("APPLICATION_COMPLETED", "miniapp_api.certificates.services.on_completion"),   # 电子证照 issued or renewed
    ),
    console_pages=("miniapp_api.console.certificates",),
)
