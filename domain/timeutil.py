"""UTC inside, KST for people. Korea keeps no daylight saving, so a fixed offset is exact."""

from datetime import UTC, date, datetime, time, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def to_kst(instant: datetime) -> datetime:
    return instant.astimezone(KST)


def end_of_kst_day(day: date) -> datetime:
    """The last second of a KST calendar day, as a UTC instant: what "due on <day>" means."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=KST).astimezone(UTC)


def kst_date(instant: datetime) -> date:
    return instant.astimezone(KST).date()


def add_calendar_days(instant: datetime, days: int) -> datetime:
    """Due at the end of the KST day that lies `days` days after `instant`'s KST day."""
    return end_of_kst_day(kst_date(instant) + timedelta(days=days))
