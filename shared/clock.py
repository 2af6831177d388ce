"""Time, one way: stored in UTC, and the councils' calendar is Morocco's."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

DISPLAY_ZONE = ZoneInfo("Africa/Casablanca")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (SQLite hands stored times back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def local_today() -> date:
    """Today in Africa/Casablanca (review dates and reminders count in the councils' days)."""
    return datetime.now(DISPLAY_ZONE).date()


def shown(value: datetime | None) -> str | None:
    """A stored time as people see it: ISO 8601 in Africa/Casablanca, with the offset."""
    return None if value is None else as_utc(value).astimezone(DISPLAY_ZONE).isoformat()


def not_older(moment: datetime, stamp: datetime | None) -> bool:
    """May an event of `moment` change a row stamped `stamp` (the time of the event it last
    applied)? Events can arrive out of order (one waits in a retry queue while a later one is
    applied): an older one never overwrites a newer."""
    return stamp is None or moment >= as_utc(stamp)
