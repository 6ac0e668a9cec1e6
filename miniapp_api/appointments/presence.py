"""Being at the hall: a check-in or a walk-in ticket at a centre that asks for presence needs the rotating code
shown on its call screens (scanned from the screen's QR), or, where the centre allows it, a location within its
radius. Without it anyone could check in from home, 30 minutes early, and jump the queue.

The code is an HMAC over the centre and a five-minute period, so the screens need no shared state; the code of
the period before is accepted too (the screen may not have refreshed yet, the citizen may be slow to tap).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from miniapp_api.appointments import messages
from miniapp_api.centres.models import Centre
from miniapp_api.centres.services import centre_distance_km
from miniapp_api.platform.errors import DomainError

PRESENCE_REQUIRED = "presence_required"
ROTATE_SECONDS = 300


@dataclass(frozen=True)
class Presence:
    token: str | None = None
    lat: float | None = None
    lng: float | None = None


def hall_code(key: bytes, centre_id: int, now: datetime, *, periods_ago: int = 0) -> str:
    """The code a centre's screens show now (`centre.period.mac`)."""
    period = int(now.timestamp()) // ROTATE_SECONDS - periods_ago
    mac = hmac.new(key, f"hall:{centre_id}:{period}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{centre_id}.{period}.{mac}"


def require_presence(key: bytes, centre: Centre, presence: Presence | None, now: datetime) -> None:
    """Nothing for a centre that does not ask; else the current (or previous) code, or a close enough location."""
    if not centre.presence_check:
        return
    presence = presence or Presence()
    if presence.token and any(hmac.compare_digest(presence.token, hall_code(key, centre.id, now, periods_ago=n))
                              for n in (0, 1)):
        return
    distance = centre_distance_km(centre, presence.lat, presence.lng)
    if centre.checkin_radius_m and distance is not None and distance * 1000 <= centre.checkin_radius_m:
        return
    message = messages.PRESENCE_REQUIRED_NEAR if centre.checkin_radius_m else messages.PRESENCE_REQUIRED
    raise DomainError(message, code=PRESENCE_REQUIRED, status=403, fields={"token": message})
