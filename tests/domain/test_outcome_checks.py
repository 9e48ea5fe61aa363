"""Each follow-up year's checks in one word (domain/outcome_checks.py): a flag makes a check a
mismatch whatever the record says; a record without a flag keeps its own word."""

from domain.followup import MismatchFlag
from domain.outcome_checks import business_status, employees_check, evidence_problems, flagged_figure, revenue_check


def flag(kind: str, typed: int | None = None, checked: int | None = None) -> MismatchFlag:
    return MismatchFlag.model_validate({"kind": kind, "field": "x", "typed": typed, "checked": checked,
                                        "message": "m"})


def test_a_flag_makes_its_check_a_mismatch_and_carries_the_registers_figure() -> None:
    flags = [flag("employees_mismatch", 12, 4)]
    assert employees_check("checked", flags) == "mismatch"
    assert revenue_check("checked", flags) == "checked"
    assert flagged_figure(flags, "employees_mismatch") == 4 and flagged_figure(flags, "revenue_mismatch") is None
    assert revenue_check("checked", [flag("revenue_mismatch", 900, 700)]) == "mismatch"


def test_without_a_flag_the_records_own_word_stands() -> None:
    assert [employees_check(word, []) for word in ("checked", "no_record", "unchecked", None)] == [
        "checked", "no_record", "unchecked", None]
    assert revenue_check("no_consent", []) == "no_consent" and revenue_check(None, []) is None


def test_the_business_status_is_the_flags_closed_before_suspended() -> None:
    assert business_status([]) is None
    assert business_status([flag("business_suspended")]) == "suspended"
    assert business_status([flag("business_suspended"), flag("business_closed")]) == "closed"


def test_evidence_goes_on_a_flagged_year_with_a_note_and_a_document() -> None:
    flagged = [flag("employees_mismatch", 12, 4)]
    assert evidence_problems(1, flagged, "고용보험 가입 확인서 확인함", 1) == []
    rules = lambda problems: [(p["field"], p["rule"]) for p in problems]  # noqa: E731
    assert rules(evidence_problems(1, [], "확인함", 1)) == [("year", "flagged_year")]
    assert rules(evidence_problems(3, None, "확인함", 1)) == [("year", "flagged_year")]
    assert rules(evidence_problems(1, flagged, "  ", 0)) == [("note", "evidence_note"), ("documents", "evidence_document")]
    assert rules(evidence_problems(1, flagged, "가" * 501, 6)) == [("note", "evidence_note"),
                                                                 ("documents", "evidence_document")]
    assert rules(evidence_problems(1, flagged, "확인\u202e함", 1)) == [("note", "control_character")]
    # Each refusal says it in Korean and in English.
    assert all(" — " in str(p["message"]) for p in evidence_problems(1, [], "", 0))
