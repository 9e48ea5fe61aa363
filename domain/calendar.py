"""Korean business days: weekends, public holidays with substitute holidays (the `holidays`
package, offline) and ad-hoc holidays (임시공휴일) from config.

This reads a holiday table that changes with the package version, so workflows never call it:
an activity computes an instant once and the workflow records it.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from domain.timeutil import end_of_kst_day, kst_date


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_business_day(day: date, extra_holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in _korean_holidays(day.year) and day not in extra_holidays


def add_business_days(start: date, count: int, extra_holidays: frozenset[date] = frozenset()) -> date:
    """The `count`-th business day after `start` (start itself does not count)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day, extra_holidays):
            left -= 1
    return day


def business_deadline(notice: datetime, count: int, extra_holidays: frozenset[date] = frozenset()) -> datetime:
    """Due at the end (KST) of the `count`-th business day after the KST day of `notice`."""
    return end_of_kst_day(add_business_days(kst_date(notice), count, extra_holidays))
