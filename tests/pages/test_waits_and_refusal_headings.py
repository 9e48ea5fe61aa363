"""The pure parts of what issue 25 made readable: what waits on whom (a final evaluation on
evaluators too, a refused collection on finance) and why 선정 확정 cannot work yet."""

from datetime import UTC, date, datetime, timedelta

from api.i18n import ENGLISH, language
from api.pages.console.program_actions import finalize_blockers
from axflow.programs import sample_definitions
from domain.phases import Phase, Role, Stage
from domain.state import CollectionState, StartupState
from store.work_items import items_of
from workflows.program_call import Applicant, CallState

AT = datetime(2025, 9, 1, 3, 0, tzinfo=UTC)


def _state(phase: Phase, **fields: object) -> StartupState:
    return StartupState(startup_id="startup:p1:1248100998", program_id="p1", program_name="P", stage=Stage.MICRO,
                        brn="1248100998", company_name="AI", founded_on=date(2020, 1, 1), task_id="SF-01",
                        sector="smart_factory", region="경북", grant_amount=80_000_000, phase=phase, applied_at=AT,
                        **fields)


def test_a_final_evaluation_waits_on_evaluators_and_officers_and_a_refused_collection_on_finance() -> None:
    waiting = {(i.audience, i.kind) for i in items_of(_state(Phase.FINAL_REVIEW))}
    assert {(Role.EVALUATOR, "evaluate_final"), (Role.PROGRAM_OFFICER, "final_evaluation")} <= waiting
    refused = CollectionState(kind="refund", amount=1_000_000, status="failed", due_at=AT, opened_by="u-1")
    items = items_of(_state(Phase.SETTLEMENT, collections=[refused]))
    assert [(i.audience, i.kind, i.subject) for i in items] == [(Role.FINANCE_OFFICER, "retry_collection", "refund")]


def test_the_selection_button_says_why_it_cannot_work_yet() -> None:
    program = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    closes = program.application_closes_at
    assert closes is not None
    applied = Applicant(brn="1248100998", startup_id="startup:p1:1248100998", company_name="AI", task_id="SF-01",
                        applied_at=AT, phase=Phase.APPLIED)
    call = CallState(program_id=program.id, window="open", applicants={applied.brn: applied})
    why = finalize_blockers(call, program, closes - timedelta(hours=1))
    assert len(why) == 2 and why[0].startswith("접수가 마감된 뒤에") and "자격 검토" in why[1]
    scored = applied.model_copy(update={"phase": Phase.UNDER_REVIEW, "score_count": program.evaluators_required})
    closed = CallState(program_id=program.id, window="closed", applicants={scored.brn: scored})
    assert finalize_blockers(closed, program, closes + timedelta(hours=1)) == []
    with language(ENGLISH):
        assert finalize_blockers(call, program, closes - timedelta(hours=1))[0].startswith(
            "The selection can be finalized only after applications close.")


def test_the_portal_heads_a_rule_refusal_as_the_console_does_and_a_typing_mistake_not() -> None:
    from api.errors import ApiError
    from api.pages.portal.my import refusal_errors

    settled = ApiError("conflict", "승인된 정산은 다시 제출할 수 없습니다 — settlement approved",
                       {"rule": "settlement_approved"})
    [words] = refusal_errors(settled)[""]
    assert words == "승인된 정산은 다시 제출할 수 없습니다." and words.heading == "지금은 할 수 없는 작업입니다"
    typed = ApiError("validation_error", "bad", [{"field": "amount", "rule": "int_parsing", "message": "bad"}])
    assert not hasattr(refusal_errors(typed)["amount"][0], "heading")
    with language(ENGLISH):
        [english] = refusal_errors(settled)[""]
        assert english.heading == "This cannot be done now" and "정산" not in english


def test_the_agreement_page_heads_a_workflow_rule_as_a_rule_and_a_wrong_password_not() -> None:
    from api.errors import ApiError
    from api.pages.portal.agreement import errors_of

    [early] = errors_of(ApiError("conflict", "not yet", {"rule": "agreement_ready"}))[""]
    assert early.startswith("협약서를 만드는 중입니다") and early.heading == "지금은 할 수 없는 작업입니다"
    wrong = ApiError("validation_error", "bad", [{"field": "password", "rule": "password_mismatch", "message": "x"}])
    assert not hasattr(errors_of(wrong)["password"][0], "heading")
