"""Money and time as people read them, in one place for the pages, the exports, the notices and the
agreement: integer won and KST. Pure functions of their value (no language switch, no web layer), so
a notice rendered in a worker and a page rendered in the API write an amount and an instant the same
way. A value that is missing prints as `absent` (the pages' "—", the notices' "-")."""

from datetime import date, datetime
from decimal import Decimal

from domain.timeutil import to_kst

EOK, MAN = 100_000_000, 10_000
DASH = "—"


def won(amount: int | None, absent: str = DASH) -> str:
    """₩80,000,000 — the pages' and the console's way."""
    if amount is None:
        return absent
    sign = "-" if amount < 0 else ""
    return f"{sign}₩{abs(amount):,}"


def won_korean(amount: int | None, absent: str = DASH) -> str:
    """80,000,000원 — the agreement's and the notices' way."""
    return absent if amount is None else f"{amount:,}원"


def krw(amount: int | None, absent: str = DASH) -> str:
    """KRW 80,000,000 — the English notices' way."""
    return absent if amount is None else f"KRW {amount:,}"


def man_won(amount: int | None, absent: str = DASH) -> str:
    """The way people say it in Korean: 8,000만 원, 1억 2,500만 원, 3만 5,000원."""
    if amount is None:
        return absent
    sign = "-" if amount < 0 else ""
    eok, rest = divmod(abs(amount), EOK)
    man, rest = divmod(rest, MAN)
    parts = [f"{eok:,}억"] if eok else []
    parts += [f"{man:,}만"] if man else []
    if rest or not parts:
        return sign + " ".join([*parts, f"{rest:,}원"])
    return sign + " ".join(parts) + " 원"


def millions_of_won(amount: int | None, absent: str = DASH) -> str:
    """The way people say it in English: 80 million won, 80.5 million won; an amount that is no
    whole tenth of a million stays exact: 35,000 won."""
    if amount is None:
        return absent
    if abs(amount) >= 1_000_000 and amount % 100_000 == 0:
        millions = Decimal(amount) / 1_000_000
        return f"{millions:,.1f}".removesuffix(".0") + " million won"
    return f"{amount:,} won"


def kst_minute(at: datetime | None, absent: str = DASH, zone: bool = True) -> str:
    """2026-12-01 18:00 KST (without " KST" where a column's heading says it already)."""
    return absent if at is None else f"{to_kst(at):%Y-%m-%d %H:%M}" + (" KST" if zone else "")


def kst_second(at: datetime | None, absent: str = DASH, zone: bool = True) -> str:
    """2026-12-01 18:00:05 KST — where the second matters (the audit trail, a mail's arrival)."""
    return absent if at is None else f"{to_kst(at):%Y-%m-%d %H:%M:%S}" + (" KST" if zone else "")


def kst_clock(at: datetime | None, absent: str = DASH) -> str:
    """18:00 KST — a time later today."""
    return absent if at is None else f"{to_kst(at):%H:%M} KST"


def kst_day(at: datetime | date | None, absent: str = DASH) -> str:
    """2026-12-01, the KST calendar day of an instant; a calendar day stays itself."""
    if at is None:
        return absent
    if not isinstance(at, datetime):
        return at.isoformat()
    return f"{to_kst(at):%Y-%m-%d}"
