"""Korea's 17 시·도 as axflow keeps them (the short names: 경남, 서울 …) and the spellings people
type for them (경상남도, 서울특별시, 강원특별자치도 …), so that a region typed in full is
understood wherever a region is still typed rather than chosen."""

import re

# The official names, old and current (강원·전북 became 특별자치도 in 2023–24), by short name.
OFFICIAL = {
    "서울": ("서울특별시", "서울시"), "부산": ("부산광역시", "부산시"), "대구": ("대구광역시", "대구시"),
    "인천": ("인천광역시", "인천시"), "광주": ("광주광역시", "광주시"), "대전": ("대전광역시", "대전시"),
    "울산": ("울산광역시", "울산시"), "세종": ("세종특별자치시", "세종시"), "경기": ("경기도",),
    "강원": ("강원도", "강원특별자치도"), "충북": ("충청북도",), "충남": ("충청남도",),
    "전북": ("전라북도", "전북특별자치도"), "전남": ("전라남도",), "경북": ("경상북도",), "경남": ("경상남도",),
    "제주": ("제주도", "제주특별자치도"),
}
SPELLINGS = {full: short for short, fulls in OFFICIAL.items() for full in (short, *fulls)}


def normalize_region(text: object) -> object:
    """The short name for a spelling of a 시·도 ("경상남도" → "경남", " 경 남 " → "경남"); anything
    else unchanged, for the region's own rule to refuse by name."""
    if not isinstance(text, str):
        return text
    squeezed = re.sub(r"\s+", "", text)
    return SPELLINGS.get(squeezed, text)
