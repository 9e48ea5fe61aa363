"""The settlement (정산) as lifecycle actions: typed lines for the older lifecycles, computed from the
ledger for those whose agreement carried a budget plan (patch settlement-from-ledger).

From the ledger the startup types no lines: it submits (with the interest earned on the grant
account, where the program returns it), the statement (정산보고서) is computed from the state's
budget — the current plan version, each category's executed and disallowed totals — and the money
paid. It is provisional at submission (undecided expenses count as accepted) and final at the
finance officer's approval, which every expense must be decided for. Every refusal is here, for the
Update validators (a refused action leaves no history).
"""

from datetime import datetime
from typing import Any

from domain import action_rules
from domain.commands import AcceptAgreementBody, Command, SubmitSettlementBody
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.settlement_statement import SettlementStatement, check_statement_final, statement_from_totals
from domain.state import StartupState
from domain.violation import RuleViolation


def settles_from_ledger(state: StartupState) -> bool:
    """A lifecycle started under the patch whose agreement carried a budget plan (the countersignature
    approved it as version 1). One accepted without a plan keeps the typed settlement."""
    budget = state.budget
    return bool(state.settlement_from_ledger and budget and budget.plans and budget.plans[0].approved_at)


def ledger_statement(state: StartupState, program: ProgramDefinition, interest: int) -> SettlementStatement:
    """The statement from the state's compact ledger and the money paid so far."""
    budget = state.budget
    assert budget is not None and budget.current is not None and program.budget_rules is not None
    counted = {entry_id: mark for entry_id, mark in budget.entries.items() if not mark.cancelled}
    return statement_from_totals(
        budget.current.plan(), program.budget_rules, budget.executed, budget.disallowed, paid=state.paid_total,
        interest=interest, vat_not_grant_expense=sum(m.vat for m in counted.values()),
        undecided=tuple(entry_id for entry_id, mark in counted.items() if mark.review is None))


def _invalid(field: str, rule: str, message: str) -> RuleViolation:
    return RuleViolation("validation_error", message, {"field": field, "rule": rule})


def submit_settlement_rule(state: StartupState, cmd: Command[SubmitSettlementBody], now: datetime,
                           program: ProgramDefinition) -> None:
    if not settles_from_ledger(state):
        if not cmd.body.lines:
            raise _invalid("lines", RuleId.SETTLEMENT_LINES_REQUIRED, "give at least one budget line with what was "
                           "spent on it (정산 내역을 한 줄 이상 적어 주십시오)")
        if cmd.body.interest:
            raise _invalid("interest", RuleId.INTEREST_FROM_LEDGER, "interest is settled only from a budget ledger "
                           "(이자는 비목별 사업비 정산에서만 보고합니다)")
        action_rules.submit_settlement_rule(state, cmd, now, program)
        return
    if state.settlement and state.settlement.approved_at is not None:
        raise RuleViolation("conflict", "the settlement is approved; it cannot be submitted again "
                            "(승인된 정산은 다시 제출할 수 없습니다)", {"rule": RuleId.SETTLEMENT_APPROVED})
    if cmd.body.lines:
        raise _invalid("lines", RuleId.SETTLEMENT_FROM_LEDGER, "this settlement is computed from the execution ledger: "
                       "submit it without lines (집행 내역으로 정산하므로 정산 내역을 적지 않습니다)")
    assert program.budget_rules is not None
    if cmd.body.interest and not program.budget_rules.refund_interest:
        raise _invalid("interest", RuleId.PROGRAM_RETURNS_INTEREST, "this program does not ask for the interest "
                       "earned on the grant account (이 사업은 이자를 반납받지 않습니다)")


def approve_settlement_rule(state: StartupState, cmd: Command[Any], now: datetime,
                            program: ProgramDefinition) -> None:
    action_rules.approve_settlement_rule(state, cmd, now, program)
    if settles_from_ledger(state):
        assert state.settlement is not None  # the rule above requires a submitted settlement
        check_statement_final(ledger_statement(state, program, state.settlement.interest))


def accept_agreement_rule(state: StartupState, cmd: Command[AcceptAgreementBody], now: datetime,
                          program: ProgramDefinition) -> None:
    """Where the program requires it, the agreement the startup accepts carries its budget plan."""
    action_rules.accept_agreement_rule(state, cmd, now, program)
    rules = program.budget_rules
    if (state.budget_ledger and rules is not None and rules.plan_required
            and not (state.budget and state.budget.plans)):
        raise RuleViolation("conflict", "submit the budget plan first: the agreement you accept carries it "
                            "(사업비 계획을 먼저 제출하십시오. 동의하는 협약서에 포함됩니다)",
                            {"rule": RuleId.BUDGET_PLAN_REQUIRED})
