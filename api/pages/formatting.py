"""How pages show money, dates and deadlines to people: pure functions, used as template filters."""

from datetime import date, datetime

from domain.timeutil import to_kst

EOK, MAN = 100_000_000, 10_000


def won(amount: int | None) -> str:
    """₩80,000,000 (integer won, as every amount in axflow)."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}₩{abs(amount):,}"


def man_won(amount: int | None) -> str:
    """The way people say it: 8,000만 원, 1억 2,500만 원, 3만 5,000원."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    rest = abs(amount)
    eok, rest = divmod(rest, EOK)
    man, rest = divmod(rest, MAN)
    parts = [f"{eok:,}억"] if eok else []
    parts += [f"{man:,}만"] if man else []
    if rest or not parts:
        return sign + " ".join([*parts, f"{rest:,}원"])
    return sign + " ".join(parts) + " 원"


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
        return "오늘 마감 (due today)"
    if days > 0:
        return f"D-{days} ({days}일 남음, {days} days left)"
    return f"D+{-days} ({-days}일 지남, {-days} days overdue)"


def iso_date(day: date | None) -> str:
    return "" if day is None else day.isoformat()
