"""The execution ledger (집행 내역) in full, one row per entry, written by the lifecycle's projection
from the transitions that recorded them (the workflow state keeps only a compact map and the
ledger's running hash). An entry is never edited: a correction or a cancellation only marks it."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class ExpenseEntry(SQLModel, table=True):
    __tablename__ = "expense_entry"
    __table_args__ = (UniqueConstraint("startup_id", "entry_id", name="uq_expense_entry_startup_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    startup_id: str = Field(index=True, max_length=200)
    program_id: str = Field(index=True, max_length=64)
    entry_id: str = Field(max_length=64)
    # The transition that recorded it (its place in the startup's audit trail) and when.
    seq: int
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    recorded_by: str = Field(max_length=200)
    spent_on: date
    category: str = Field(max_length=32)
    vendor_name: str = Field(max_length=200)
    vendor_brn: str = Field(max_length=10, index=True)
    description: str = Field(max_length=200)
    supply_amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    vat: int = Field(sa_column=Column(BigInteger, nullable=False))
    payment_method: str = Field(max_length=32)
    # Each piece of evidence: its kind and the kept document (id, SHA-256, kind, filename).
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cancels: str | None = Field(default=None, max_length=64)
    entry_sha256: str = Field(max_length=64)
    # The ledger's running hash after this entry, as the workflow state and the history hold it.
    ledger_sha256: str = Field(max_length=64)
    # Set when a later entry corrects it (that entry's id) or a cancellation withdraws it ("-").
    cancelled_by: str | None = Field(default=None, max_length=64)
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    cancel_reason: str | None = Field(default=None, max_length=2000)
    # The finance officer's decision that stands (집행 검토): accept or disallow, the reason from the
    # list (domain.expense_review), the won disallowed, a note, who decided, when, in which transition.
    review: str | None = Field(default=None, max_length=16)
    disallow_reason: str | None = Field(default=None, max_length=32)
    disallowed_amount: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    review_note: str | None = Field(default=None, max_length=2000)
    reviewed_by: str | None = Field(default=None, max_length=200)
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    review_seq: int | None = None
