"""Each follow-up year's checks in one word each, as the outcome XLSX's sheet of checks lists them
for every company and year (the JSON's `checks` and the console's table list only those to look at).

A check's word is how the year's record says it was checked (`figures_check`, `revenue_check`:
checked, no_record, unchecked; revenue also no_consent), except that a figure the register did not
bear out is `mismatch`: the flag, not the record, says so. None: not checked at all (no answer, or a
year recorded before the check existed). The business status is the register's word when the check
found the company closed (폐업) or suspended (휴업); an active company has none.

The program officer may attach evidence (a note and documents) to a flagged year only: one with a
mismatch, a closure or a suspension (`evidence_problems`).
"""

from collections.abc import Sequence
from typing import Literal

from domain.followup import FiguresCheck, MismatchFlag, RevenueCheck
from domain.rule_ids import RuleId
from domain.text import hidden_character, problem

CheckWord = Literal["checked", "no_record", "unchecked", "no_consent", "mismatch"]
FlaggedStatus = Literal["closed", "suspended"]


def employees_check(figures_check: FiguresCheck | None, flags: Sequence[MismatchFlag]) -> CheckWord | None:
    """The typed employees against the employment-insurance register (고용보험 피보험자 수)."""
    if any(flag.kind == "employees_mismatch" for flag in flags):
        return "mismatch"
    return figures_check


def revenue_check(checked: RevenueCheck | None, flags: Sequence[MismatchFlag]) -> CheckWord | None:
    """The typed revenue against the tax filing (국세청 신고 매출), read only with consent."""
    if any(flag.kind == "revenue_mismatch" for flag in flags):
        return "mismatch"
    return checked


def business_status(flags: Sequence[MismatchFlag]) -> FlaggedStatus | None:
    """Closed wins over suspended (a closed company's year is recorded closed)."""
    kinds = {flag.kind for flag in flags}
    if "business_closed" in kinds:
        return "closed"
    if "business_suspended" in kinds:
        return "suspended"
    return None


def flagged_figure(flags: Sequence[MismatchFlag], kind: str) -> int | None:
    """The register's figure a flag of this kind carries (None without such a flag)."""
    return next((flag.checked for flag in flags if flag.kind == kind), None)


# The officer's evidence on a flagged year: a short note (one line or a few) and documents.
NOTE_LONGEST = 500
EVIDENCE_DOCUMENTS_MOST = 5


def evidence_problems(year: int, flags: Sequence[MismatchFlag] | None, note: str,
                      documents: int) -> list[dict[str, object]]:
    """Why the evidence cannot be attached, one problem per field (naming its rule, Korean and
    English); none when it can. `flags` is None when the company has no such year recorded."""
    problems: list[dict[str, object]] = []
    if flags is None:
        problems.append({"field": "year", "rule": RuleId.FLAGGED_YEAR,
                         "message": f"{year}년차 기록이 없습니다 — no follow-up year {year} is recorded for this "
                                    "company in this program"})
    elif not flags:
        problems.append({"field": "year", "rule": RuleId.FLAGGED_YEAR,
                         "message": f"{year}년차는 확인이 필요한 연차가 아닙니다 — year {year} has no flag (no "
                                    "mismatch, closure or suspension) to attach evidence to"})
    text = note.strip()
    hidden = hidden_character(note, multiline=True)
    if hidden is not None:
        problems.append({"field": "note", "rule": RuleId.CONTROL_CHARACTER, "message": problem(hidden)})
    elif not text or len(text) > NOTE_LONGEST:
        problems.append({"field": "note", "rule": RuleId.EVIDENCE_NOTE,
                         "message": f"확인 메모를 1~{NOTE_LONGEST}자로 적어 주십시오 — the note must be 1 to "
                                    f"{NOTE_LONGEST} characters (it has {len(text)})"})
    if not 1 <= documents <= EVIDENCE_DOCUMENTS_MOST:
        problems.append({"field": "documents", "rule": RuleId.EVIDENCE_DOCUMENT,
                         "message": f"증빙 문서를 1~{EVIDENCE_DOCUMENTS_MOST}개 첨부하십시오 — attach 1 to "
                                    f"{EVIDENCE_DOCUMENTS_MOST} documents (there are {documents})"})
    return problems
