"""The one clock. Tests freeze it with time-machine; code never calls datetime.now() itself."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(moment: datetime, zone: ZoneInfo = SHANGHAI) -> datetime:
    """A stored UTC moment as a citizen reads it."""
    return moment.astimezone(zone)
