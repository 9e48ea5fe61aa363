"""Reconciliation: every difference between axflow's ledger and the finance system's records.

Compared per business key: each tranche paid in the ledger against the payment the finance system
made, and each refund or clawback received against the collection it recorded.
"""

from dataclasses import dataclass

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from domain.formatting import won
from store.db import session_scope
from store.tables import LedgerEntry

RECEIVED_KINDS = {"refunded": "refund", "clawed_back": "clawback"}


@dataclass(frozen=True)
class Difference:
    key: str
    ledger: int | None
    finance: int | None

    def __str__(self) -> str:
        return f"{self.key}: ledger {won(self.ledger, absent='nothing')}, finance system {won(self.finance, absent='nothing')}"


def ledger_view(engine: Engine, program_id: str | None) -> dict[str, int]:
    with session_scope(engine) as session:
        query = select(LedgerEntry).where(LedgerEntry.kind.in_(["paid", *RECEIVED_KINDS]))  # type: ignore[attr-defined]
        if program_id:
            query = query.where(LedgerEntry.program_id == program_id)
        entries = session.exec(query).all()
    view: dict[str, int] = {}
    for e in entries:
        suffix = e.tranche if e.kind == "paid" else RECEIVED_KINDS[e.kind]
        key = f"{e.program_id}:{e.brn}:{suffix}"
        view[key] = view.get(key, 0) + e.amount
    return view


class FinanceUnreachable(Exception):
    """The finance system did not answer (or answered with an error): nothing can be compared."""

    def __init__(self, finance_url: str, cause: Exception) -> None:
        reason = f"HTTP {cause.response.status_code}" if isinstance(cause, httpx.HTTPStatusError) \
            else type(cause).__name__
        super().__init__(f"재무 시스템에 연결할 수 없어 대사를 하지 못했습니다 / cannot reconcile: the finance "
                         f"system at {finance_url} did not answer ({reason}); check AXFLOW_FINANCE_URL")


def finance_view(finance_url: str, program_id: str | None) -> dict[str, int]:
    try:
        with httpx.Client(base_url=finance_url, timeout=30) as http:
            payments = http.get("/payments").raise_for_status().json()
            collections = http.get("/collections").raise_for_status().json()
    except httpx.HTTPError as err:
        raise FinanceUnreachable(finance_url, err) from err
    view = {p["idempotency_key"]: p["amount"] for p in payments if p["status"] == "paid"}
    view |= {c["idempotency_key"]: c["amount"] for c in collections if c["status"] == "received"}
    return {k: v for k, v in view.items() if program_id is None or k.startswith(f"{program_id}:")}


def differences(engine: Engine, finance_url: str, program_id: str | None = None) -> list[Difference]:
    ours, theirs = ledger_view(engine, program_id), finance_view(finance_url, program_id)
    return [Difference(key, ours.get(key), theirs.get(key))
            for key in sorted(ours.keys() | theirs.keys()) if ours.get(key) != theirs.get(key)]
