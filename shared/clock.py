"""Time, one way: stored in UTC, and the councils' calendar is Morocco's."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

DISPLAY_ZONE = ZoneInfo("Africa/Casablanca")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def local_today() -> date:
    """Today in Africa/Casablanca (review dates and reminders count in the councils' days)."""
    return datetime.now(DISPLAY_ZONE).date()
