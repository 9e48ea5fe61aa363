"""How pages show money, dates and deadlines to people: pure functions, used as template filters."""

from datetime import date, datetime
from decimal import Decimal

from api.i18n import ENGLISH, current_language, gettext, ngettext
from domain.timeutil import to_kst

EOK, MAN = 100_000_000, 10_000


def won(amount: int | None) -> str:
    """₩80,000,000 (integer won, as every amount in axflow)."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}₩{abs(amount):,}"


def man_won(amount: int | None) -> str:
    """The way people say it: 8,000만 원, 1억 2,500만 원, 3만 5,000원; in English, 80 million won."""
    if amount is None:
        return "—"
    if current_language() == ENGLISH:
        return millions_of_won(amount)
    sign = "-" if amount < 0 else ""
    rest = abs(amount)
    eok, rest = divmod(rest, EOK)
    man, rest = divmod(rest, MAN)
    parts = [f"{eok:,}억"] if eok else []
    parts += [f"{man:,}만"] if man else []
    if rest or not parts:
        return sign + " ".join([*parts, f"{rest:,}원"])
    return sign + " ".join(parts) + " 원"


def millions_of_won(amount: int) -> str:
    """80 million won, 80.5 million won; an amount that is no whole tenth of a million: 35,000 won."""
    if abs(amount) >= 1_000_000 and amount % 100_000 == 0:
        millions = Decimal(amount) / 1_000_000
        return f"{millions:,.1f}".removesuffix(".0") + " million won"
    return f"{amount:,} won"


def kst_datetime(at: datetime | None) -> str:
    return "—" if at is None else f"{to_kst(at):%Y-%m-%d %H:%M} KST"


def kst_date(at: datetime | None) -> str:
    return "—" if at is None else f"{to_kst(at):%Y-%m-%d}"


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
