"""The finance desk's items as pure functions of stored rows: what each approval is (its amount,
who asked for it and whether that was me), the action and body that approve it, and the money
that failed to move. The page reads the rows; these decide what they mean (unit-tested in
tests/pages/test_desks.py)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.i18n import N_, _
from domain.phases import Action
from domain.state import StartupState

# Work item kinds a finance officer approves, and the action that approves each one.
APPROVALS = {
    "approve_disbursement": Action.APPROVE_DISBURSEMENT,
    "approve_settlement": Action.APPROVE_SETTLEMENT,
    "decide_waiver": Action.WAIVE_CLAWBACK,
}
SEPARATOR = "|"
# A clawback waiver as the desk names it, by the termination's cause (one sentence each).
WAIVERS = {
    "fraud": N_("성실실패 환수 면제 (해지 사유: 부정행위)"),
    "misuse": N_("성실실패 환수 면제 (해지 사유: 목적외 사용)"),
    "abandonment": N_("성실실패 환수 면제 (해지 사유: 사업 포기)"),
    "non_performance": N_("성실실패 환수 면제 (해지 사유: 수행 불량)"),
}


@dataclass(frozen=True)
class Approval:
    startup_id: str
    company_name: str
    program_id: str
    kind: str
    subject: str
    amount: int | None
    asked_by: str | None  # the user id of whoever asked (requested, submitted, terminated)
    asked_at: datetime | None
    detail: str

    @property
    def key(self) -> str:
        """The checkbox value naming this item in the bulk form."""
        return item_key(self.startup_id, self.kind, self.subject)


def item_key(startup_id: str, kind: str, subject: str) -> str:
    return SEPARATOR.join((startup_id, kind, subject))


def parse_item_key(key: str) -> tuple[str, str, str] | None:
    """(startup_id, kind, subject) of a checkbox value, or None for one no approval has."""
    parts = key.split(SEPARATOR)
    if len(parts) != 3 or parts[1] not in APPROVALS or not parts[0]:
        return None
    return parts[0], parts[1], parts[2]


def approval_command(kind: str, subject: str, reason: str) -> tuple[Action, dict[str, Any]]:
    """The action and body that approve one item (a waiver is approved by deciding "approve")."""
    action = APPROVALS[kind]
    body: dict[str, Any] = {"reason": reason}
    if action is Action.APPROVE_DISBURSEMENT:
        body["tranche"] = subject
    elif action is Action.WAIVE_CLAWBACK:
        body["decision"] = "approve"
    return action, body


def approval_of(state: StartupState, kind: str, subject: str) -> Approval:
    """What one waiting approval is, from the startup's projected state."""
    amount, asked_by, asked_at, detail = None, None, None, ""
    if kind == "approve_disbursement" and (tranche := state.tranche(subject)) is not None:
        amount, asked_by, asked_at = tranche.amount, tranche.requested_by, tranche.requested_at
        detail = f"{tranche.label} ({tranche.key})"
    elif kind == "approve_settlement" and state.settlement is not None:
        st = state.settlement
        amount, asked_by, asked_at = st.spent, st.submitted_by, st.submitted_at
        detail = _("집행 %(spent)s원, 반납 예정 %(refund)s원") % {
            "spent": f"{st.spent:,}", "refund": f"{max(state.paid_total - st.spent, 0):,}"}
    elif kind == "decide_waiver" and (owed := state.collection(subject or "clawback")) is not None:
        amount, asked_by = owed.amount, owed.opened_by
        asked_at = state.termination.at if state.termination else None
        cause = state.termination.cause if state.termination else ""
        detail = _(WAIVERS[cause]) if cause in WAIVERS else _("성실실패 환수 면제 (해지 사유: %(cause)s)") % {
            "cause": cause or "—"}
    return Approval(state.startup_id, state.company_name, state.program_id, kind, subject, amount, asked_by,
                    asked_at, detail)


@dataclass(frozen=True)
class FailedMoney:
    startup_id: str
    company_name: str
    program_id: str
    kind: str  # "tranche" (a payment the bank refused) or "refund" / "clawback" (a refused collection)
    subject: str  # the tranche key or the collection kind
    amount: int
    failure: str
    account: str | None


def failed_payments(state: StartupState) -> list[FailedMoney]:
    """Tranches the finance system refused to pay (retried with a corrected account)."""
    return [FailedMoney(state.startup_id, state.company_name, state.program_id, "tranche", t.key, t.amount,
                        t.failure or "", state.bank_account)
            for t in state.tranches if t.status == "payment_failed"]


def failed_collections(startup_id: str, company_name: str, program_id: str,
                       collections: list[dict[str, Any]]) -> list[FailedMoney]:
    """Refunds and clawbacks the finance system refused to request (as stored in the state)."""
    return [FailedMoney(startup_id, company_name, program_id, str(c["kind"]), str(c["kind"]), int(c["amount"]),
                        str(c.get("failure") or ""), None)
            for c in collections if c.get("status") == "failed"]
