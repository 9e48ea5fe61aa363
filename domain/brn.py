"""Korean business registration number (사업자등록번호): 10 digits, the last a check digit."""

import re

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_SEPARATORS = re.compile(r"[\s-]")


def check_digit(first_nine: str) -> int:
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def normalize_brn(raw: str) -> str:
    """Return the 10 digits of a valid number, or raise ValueError saying which rule failed."""
    digits = _SEPARATORS.sub("", raw)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError("must be 10 digits, optionally written as 123-45-67890")
    if check_digit(digits[:9]) != int(digits[9]):
        raise ValueError("check digit does not match (사업자등록번호 검증 실패)")
    return digits


def format_brn(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
