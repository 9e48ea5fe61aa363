"""The execution ledger (집행 내역) of one startup, with the finance officer's review of each entry:
`GET /startups/{startup_id}/expenses`.

Read from the read model, where the projection writes each entry in full from the transition that
recorded it; the workflow state keeps only the totals and the running hash (`budget` in the
startup's state), which each entry's `ledger_sha256` lets a reader check against."""

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from api.policy import Authorized
from api.scope import check_scope
from api.services.ledger import ledger_of
from domain.expense_review import DISALLOW_REASONS
from store.db import as_utc
from store.expense_tables import ExpenseEntry

router = APIRouter(prefix="/startups", tags=["expenses"], responses=ERROR_RESPONSES)


class EvidenceOut(BaseModel):
    kind: str
    document_id: str
    sha256: str
    filename: str


class ReviewOut(BaseModel):
    """The finance officer's decision that stands on an entry (집행 검토)."""

    decision: str  # accept | disallow
    disallow_reason: str | None  # from the list (domain/expense_review.py), for a disallowance
    disallow_reason_name: str | None  # its Korean name: 증빙 미비, 목적 외 사용 …
    disallowed_amount: int
    note: str | None
    reviewed_by: str
    reviewed_at: datetime


class ExpenseOut(BaseModel):
    id: str
    seq: int
    recorded_at: datetime
    recorded_by: str
    spent_on: date
    category: str
    vendor_name: str
    vendor_brn: str
    description: str
    supply_amount: int
    vat: int
    payment_method: str
    evidence: list[EvidenceOut]
    cancels: str | None
    entry_sha256: str
    ledger_sha256: str
    # The entry that corrected it, or "-" when it was withdrawn without a replacement.
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    review: ReviewOut | None


class ExpenseLedger(BaseModel):
    startup_id: str
    entries: list[ExpenseOut]
    # Per category, the supply amounts of the entries still counting (not cancelled), integer won.
    supply_by_category: dict[str, int]
    # Per category, the won disallowed (불인정) of the entries still counting.
    disallowed_by_category: dict[str, int]


def expense_out(row: ExpenseEntry) -> ExpenseOut:
    review = None
    if row.review is not None and row.reviewed_by is not None and row.reviewed_at is not None:
        review = ReviewOut(decision=row.review, disallow_reason=row.disallow_reason,
                           disallow_reason_name=DISALLOW_REASONS.get(row.disallow_reason or ""),
                           disallowed_amount=row.disallowed_amount, note=row.review_note,
                           reviewed_by=row.reviewed_by, reviewed_at=as_utc(row.reviewed_at))
    return ExpenseOut(
        id=row.entry_id, seq=row.seq, recorded_at=as_utc(row.recorded_at), recorded_by=row.recorded_by,
        spent_on=row.spent_on, category=row.category, vendor_name=row.vendor_name, vendor_brn=row.vendor_brn,
        description=row.description, supply_amount=row.supply_amount, vat=row.vat, payment_method=row.payment_method,
        evidence=[EvidenceOut(kind=e["kind"], document_id=e["document"]["id"], sha256=e["document"]["sha256"],
                              filename=e["document"]["filename"]) for e in row.evidence],
        cancels=row.cancels, entry_sha256=row.entry_sha256, ledger_sha256=row.ledger_sha256,
        cancelled_by=row.cancelled_by, cancelled_at=as_utc(row.cancelled_at) if row.cancelled_at else None,
        cancel_reason=row.cancel_reason, review=review)


@router.get("/{startup_id}/expenses", response_model=ExpenseLedger,
            description="The startup's execution ledger in the order it was entered, cancelled entries included "
                        "(marked), each with its evidence pinned by SHA-256.")
async def list_expenses(startup_id: str, session: SessionDep, actor: Authorized) -> ExpenseLedger:
    check_scope(startup_id, actor)  # another company's startup: 404
    ledger = ledger_of(session, startup_id)
    return ExpenseLedger(startup_id=startup_id, entries=[expense_out(row) for row in ledger.entries],
                         supply_by_category=ledger.supply_by_category,
                         disallowed_by_category=ledger.disallowed_by_category)
