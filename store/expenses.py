"""The execution ledger's read model: written from the transitions that recorded each entry or
cancellation (their details carry the record in full), read by `GET /startups/{id}/expenses`.

Idempotent like the rest of the projection: a transition projected twice changes nothing."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from domain.expense_review import ReviewDecision
from domain.ledger import Cancellation, LedgerEntry, record_sha256
from domain.phases import Action
from domain.state import StartupState, Transition
from store.expense_tables import ExpenseEntry

# A cancellation without a replacement marks the entry with this instead of an entry id.
WITHDRAWN = "-"


def project_expenses(session: Session, state: StartupState, transitions: Sequence[Transition]) -> None:
    for t in transitions:
        if t.action == Action.RECORD_EXPENSE.value:
            _record(session, state, t, LedgerEntry.model_validate(t.details["entry"]))
        elif t.action == Action.CANCEL_EXPENSE.value:
            cancellation = Cancellation.model_validate(t.details["entry"])
            _mark_cancelled(session, state.startup_id, cancellation.cancels, WITHDRAWN, t, cancellation.reason)
        elif t.action == Action.REVIEW_EXPENSE.value:
            _mark_reviewed(session, state.startup_id, t, ReviewDecision.model_validate(t.details["review"]))
        elif t.action == Action.DECIDE_APPEAL.value and t.details.get("accepted_entry"):
            # An upheld appeal of a disallowed expense (이의신청 인용): the entry accepted, as a review would.
            _mark_reviewed(session, state.startup_id, t, ReviewDecision(entry_id=t.details["accepted_entry"],
                                                                        decision="accept"))


def _record(session: Session, state: StartupState, t: Transition, entry: LedgerEntry) -> None:
    if _row(session, state.startup_id, entry.id) is not None:
        return
    session.add(ExpenseEntry(
        startup_id=state.startup_id, program_id=state.program_id, entry_id=entry.id, seq=t.seq, recorded_at=t.at,
        recorded_by=t.actor_id, spent_on=entry.spent_on, category=entry.category, vendor_name=entry.vendor_name,
        vendor_brn=entry.vendor_brn, description=entry.description, supply_amount=entry.supply_amount, vat=entry.vat,
        payment_method=entry.payment_method, evidence=[e.model_dump(mode="json") for e in entry.evidence],
        cancels=entry.cancels, entry_sha256=record_sha256(entry), ledger_sha256=t.details["ledger_sha256"]))
    if entry.cancels is not None:
        session.flush()
        _mark_cancelled(session, state.startup_id, entry.cancels, entry.id, t, t.reason or None)


def _mark_cancelled(session: Session, startup_id: str, entry_id: str, by: str, t: Transition,
                    reason: str | None) -> None:
    row = _row(session, startup_id, entry_id)
    if row is not None and row.cancelled_by is None:
        row.cancelled_by, row.cancelled_at, row.cancel_reason = by, t.at, reason
        session.add(row)


def _mark_reviewed(session: Session, startup_id: str, t: Transition, review: ReviewDecision) -> None:
    """The decision that stands: a later review replaces an earlier one, never the other way round."""
    row = _row(session, startup_id, review.entry_id)
    if row is None or (row.review_seq is not None and row.review_seq >= t.seq):
        return
    row.review, row.disallow_reason, row.review_note = review.decision, review.reason, review.note or None
    row.disallowed_amount = int(t.details.get("disallowed", 0))
    row.reviewed_by, row.reviewed_at, row.review_seq = t.actor_id, t.at, t.seq
    session.add(row)


def _row(session: Session, startup_id: str, entry_id: str) -> ExpenseEntry | None:
    return session.exec(select(ExpenseEntry).where(ExpenseEntry.startup_id == startup_id,
                                                   ExpenseEntry.entry_id == entry_id)).first()


def expenses_of(session: Session, startup_id: str) -> list[ExpenseEntry]:
    """A startup's ledger in the order it was entered (cancelled entries included, marked)."""
    query = select(ExpenseEntry).where(ExpenseEntry.startup_id == startup_id).order_by(col(ExpenseEntry.seq))
    return list(session.exec(query).all())


def program_expenses(session: Session, program_id: str) -> list[ExpenseEntry]:
    """Every entry of a program's startups, startup by startup in order of entry."""
    query = (select(ExpenseEntry).where(ExpenseEntry.program_id == program_id)
             .order_by(col(ExpenseEntry.startup_id), col(ExpenseEntry.seq)))
    return list(session.exec(query).all())


def entry_of(row: ExpenseEntry) -> LedgerEntry:
    """The ledger entry a row holds, as the lifecycle recorded it (its hash is the row's entry_sha256)."""
    return LedgerEntry.model_validate({
        "id": row.entry_id, "spent_on": row.spent_on, "category": row.category, "vendor_name": row.vendor_name,
        "vendor_brn": row.vendor_brn, "description": row.description, "supply_amount": row.supply_amount,
        "vat": row.vat, "payment_method": row.payment_method, "evidence": row.evidence, "cancels": row.cancels})
