"""Shared makings of the budget and ledger tests: the sample program's rules, an agreed plan for its
₩80,000,000 grant, and expenses with their evidence."""

import hashlib
from datetime import date
from functools import cache
from typing import Any

from axflow.programs import sample_definitions
from domain.budget import BudgetPlan, PlanLine
from domain.budget_rules import BudgetRules
from domain.documents import DocumentKind, DocumentRef
from domain.ledger import EvidenceRef, LedgerContext, LedgerEntry

GRANT = 80_000_000
STARTUP_BRN = "1248100998"
PARTNER_BRN = "2208100001"
VENDOR_BRN = "1058700005"
OTHER_VENDOR_BRN = "2118600002"
PERIOD = (date(2025, 9, 1), date(2026, 2, 27))
AGREED = {"personnel": 30_000_000, "equipment": 10_000_000, "outsourcing": 20_000_000, "materials": 8_000_000,
          "marketing": 5_000_000, "travel": 2_000_000, "founder_activity": 3_000_000, "fees": 2_000_000}


@cache
def rules() -> BudgetRules:
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    assert sample.budget_rules is not None
    return sample.budget_rules


def plan(amounts: dict[str, int] | None = None, version: int = 1) -> BudgetPlan:
    return BudgetPlan(version=version, lines=[PlanLine(category=k, amount=v) for k, v in (amounts or AGREED).items()])


def evidence(*kinds: str) -> list[EvidenceRef]:
    return [EvidenceRef.model_validate({"kind": kind, "document": DocumentRef(
        id=f"doc-{kind}", sha256=hashlib.sha256(kind.encode()).hexdigest(), kind=DocumentKind.RECEIPT,
        filename=f"{kind}.pdf")}) for kind in kinds]


def entry(id: str, category: str = "materials", supply: int = 1_234_000, **fields: Any) -> LedgerEntry:
    values: dict[str, Any] = {
        "id": id, "spent_on": date(2025, 10, 14), "category": category, "vendor_name": "㈜한빛소재",
        "vendor_brn": VENDOR_BRN, "description": "시제품 부품", "supply_amount": supply, "vat": supply // 10,
        "payment_method": "account_transfer", "evidence": evidence("tax_invoice", "transfer_receipt")}
    return LedgerEntry.model_validate(values | fields)


def context(entries: tuple[LedgerEntry, ...] = (), **fields: Any) -> LedgerContext:
    values: dict[str, Any] = {"rules": rules(), "plan": plan(), "period_start": PERIOD[0], "period_end": PERIOD[1],
                              "startup_brn": STARTUP_BRN, "partner_brns": frozenset({PARTNER_BRN}),
                              "entries": entries}
    return LedgerContext(**(values | fields))
