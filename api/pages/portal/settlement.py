"""The settlement form (정산 보고) of the portal: rows of budget line, amount spent and receipts,
read from the posted form into the action's body, and the API's answers mapped back to the row
the person typed them in (blank rows are left out of the body, so the numbers can differ).

Only for a lifecycle that settles in typed lines: one whose agreement carried a budget plan settles
from its ledger, with no lines, on api/pages/portal/budget_settlement.py's page."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from api.i18n import _
from api.pages.portal.common import Errors, add_error

ROW_FIELD = re.compile(r"^lines\.(\d+)\.(item|amount|receipts)$")
MAX_ROWS = 100
LINE_DETAIL = re.compile(r"^lines\.(\d+)(\..*)?$")


class FormData(Protocol):
    def getlist(self, key: str) -> list[Any]: ...

    def keys(self) -> Any: ...


@dataclass
class Row:
    item: str = ""
    amount: str = ""
    receipts: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.item and not self.amount and not self.receipts


@dataclass
class SettlementForm:
    rows: list[Row]

    @classmethod
    def empty(cls, count: int) -> "SettlementForm":
        return cls([Row() for _ in range(count)])

    def wider(self, more: int) -> "SettlementForm":
        return SettlementForm(self.rows + [Row() for _ in range(min(more, MAX_ROWS - len(self.rows)))])

    def filled(self) -> list[tuple[int, Row]]:
        return [(i, row) for i, row in enumerate(self.rows) if not row.blank]

    def body_lines(self) -> list[dict[str, Any]]:
        return [{"item": row.item, "amount": int(row.amount.replace(",", "")), "receipts": row.receipts}
                for _, row in self.filled()]

    def row_errors(self, errors: Errors) -> Errors:
        """The API's `lines.N...` fields renamed to the form row N came from."""
        rows = [i for i, _ in self.filled()]
        mapped: Errors = {}
        for name, messages in errors.items():
            match = LINE_DETAIL.match(name)
            target = name
            if match and int(match.group(1)) < len(rows):
                target = f"lines.{rows[int(match.group(1))]}{match.group(2) or '.item'}"
            for message in messages:
                add_error(mapped, re.sub(r"\.receipts\[\d+\]$", ".receipts", target), message)
        return mapped


def read_settlement_form(form: FormData | Mapping[str, Any]) -> tuple[SettlementForm, Errors]:
    """Rows as typed (so that a refused form comes back as it was), and the problems the form
    itself can see: an amount that is not a whole number of won, a line without its budget item."""
    count = 0
    for key in form.keys():
        match = ROW_FIELD.match(str(key))
        if match:
            count = max(count, int(match.group(1)) + 1)
    rows = []
    for i in range(min(count, MAX_ROWS)):
        first = form.getlist(f"lines.{i}.item")  # type: ignore[union-attr]
        amount = form.getlist(f"lines.{i}.amount")  # type: ignore[union-attr]
        receipts = [str(r) for r in form.getlist(f"lines.{i}.receipts")]  # type: ignore[union-attr]
        rows.append(Row(item=str(first[0]).strip() if first else "", amount=str(amount[0]).strip() if amount else "",
                        receipts=receipts))
    settlement = SettlementForm(rows or [Row()])
    errors: Errors = {}
    for i, row in settlement.filled():
        if not row.item:
            add_error(errors, f"lines.{i}.item", _("비목을 입력하세요."))
        if not re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", row.amount):
            add_error(errors, f"lines.{i}.amount", _("금액을 원 단위 정수로 입력하세요. 예: 30000000"))
    if not settlement.filled():
        add_error(errors, "lines.0.item", _("사용한 비목을 한 줄 이상 입력하세요."))
    return settlement, errors
