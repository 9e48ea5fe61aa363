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


def holidays_between(first_year: int, last_year: int, extra_holidays: frozenset[date] = frozenset()) -> list[date]:
    """Every weekday that is not a business day in those years: the table a workflow records once
    (through an activity) and then counts business days on by itself."""
    days = set(extra_holidays)
    for year in range(first_year, last_year + 1):
        days |= _korean_holidays(year)
    return sorted(d for d in days if first_year <= d.year <= last_year and d.weekday() < 5)


def add_business_days(start: date, count: int, extra_holidays: frozenset[date] = frozenset(),
                      *, table: frozenset[date] | None = None) -> date:
    """The `count`-th business day after `start` (start itself does not count). With `table`
    (recorded holidays), the package is not read: that is the form workflows use."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        open_day = (day.weekday() < 5 and day not in table) if table is not None else \
            is_business_day(day, extra_holidays)
        if open_day:
            left -= 1
    return day


def business_deadline(notice: datetime, count: int, extra_holidays: frozenset[date] = frozenset(),
                      *, table: frozenset[date] | None = None) -> datetime:
    """Due at the end (KST) of the `count`-th business day after the KST day of `notice`."""
    return end_of_kst_day(add_business_days(kst_date(notice), count, extra_holidays, table=table))
