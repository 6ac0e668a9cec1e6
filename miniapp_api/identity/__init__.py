"""Who a citizen really is: WeChat-verified phone, face verification (实名核验), authorised relatives (亲友代办)."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain(
    "identity",
    blueprints=("miniapp_api.identity.views.bp",),
    models="miniapp_api.identity.models",
    console_pages=("miniapp_api.console.identity",),
)
