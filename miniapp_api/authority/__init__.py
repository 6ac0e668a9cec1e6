"""Who may act for whom: the grants that let an account act on a person's or a business's records, in one place."""

from __future__ import annotations

from miniapp_api.platform.domains import Domain

DOMAIN = Domain("authority")
