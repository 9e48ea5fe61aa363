"""How pages show money, dates and deadlines to people, as template filters: the amounts and
instants are written by `domain.formatting` (the one way pages, exports and notices write them);
this module adds the page's language and the deadlines' words."""

from datetime import date, datetime

from api.i18n import ENGLISH, current_language, gettext, ngettext
from domain import formatting
from domain.formatting import kst_day as kst_date
from domain.formatting import kst_minute as kst_datetime
from domain.formatting import millions_of_won, won
from domain.timeutil import to_kst

__all__ = ["days_left", "days_left_label", "iso_date", "kst_date", "kst_datetime", "man_won", "millions_of_won", "won"]


def man_won(amount: int | None) -> str:
    """The way people say it, in the page's language: 8,000만 원, 1억 2,500만 원; 80 million won."""
    if current_language() == ENGLISH:
        return millions_of_won(amount)
    return formatting.man_won(amount)


def days_left(due: datetime | None, now: datetime) -> int | None:
    """Whole calendar days (in Korea) from today to the due day: 0 = due today, negative = overdue."""
    if due is None:
        return None
    return (to_kst(due).date() - to_kst(now).date()).days


def days_left_label(days: int | None) -> str:
    if days is None:
        return ""
    if days == 0:
        return gettext("오늘 마감")
    if days > 0:
        return f"D-{days} (" + ngettext("%(num)s일 남음", "%(num)s일 남음", days) % {"num": days} + ")"
    return f"D+{-days} (" + ngettext("%(num)s일 지남", "%(num)s일 지남", -days) % {"num": -days} + ")"


def iso_date(day: date | None) -> str:
    return "" if day is None else day.isoformat()
