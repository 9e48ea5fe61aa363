"""The settlement statement (정산보고서) of a startup whose settlement comes from the ledger:
`GET /startups/{startup_id}/settlement-statement`, as JSON or (`?format=xlsx`) as a spreadsheet in
Korean, written by the same XLSX writer as the program report.

Once the finance officer has approved the settlement, the statement is the one the approval pinned
(final); before, it is computed now from the lifecycle's state (provisional: undecided expenses
count as accepted, the money paid is what was paid so far).
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError
from api.pages.console.exports import download, table_xlsx
from api.policy import Authorized
from api.scope import check_scope
from api.services.ledger import statement_of
from api.services.startups import live_state
from domain.settlement_statement import SettlementStatement

router = APIRouter(prefix="/startups", tags=["expenses"], responses=ERROR_RESPONSES)

HEADERS = ("비목", "비목명", "예산", "집행액", "불인정액", "인정액", "지급액 초과 인정", "지급 배분액", "반납액")


class StatementAnswer(BaseModel):
    startup_id: str
    company_name: str
    final: bool  # approved by the finance officer; otherwise provisional
    ledger_sha256: str
    statement_sha256: str
    statement: SettlementStatement


@router.get("/{startup_id}/settlement-statement", response_model=StatementAnswer,
            description="The settlement statement (정산보고서) computed from the ledger: per category the budget, the "
                        "executed, the disallowed, the accepted and the refund; final once approved, provisional "
                        "before. format=xlsx answers it as a spreadsheet in Korean.")
async def settlement_statement_of(startup_id: str, session: SessionDep, temporal: TemporalDep, actor: Authorized,
                                  format: Annotated[Literal["json", "xlsx"], Query()] = "json") -> Any:
    check_scope(startup_id, actor)  # another company's startup: 404
    state = await live_state(temporal, session, startup_id)
    found = statement_of(session, state)
    if found is None:
        raise ApiError("conflict", "this lifecycle's settlement is typed lines, not a statement from the ledger "
                       "(이 협약은 집행 내역으로 정산하지 않습니다)", {"rule": "settlement_from_ledger"})
    answer = StatementAnswer(startup_id=startup_id, company_name=state.company_name, final=found.final,
                             ledger_sha256=found.ledger_sha256, statement_sha256=found.statement.sha256(),
                             statement=found.statement)
    if format == "json":
        return answer
    return download(statement_xlsx(answer), f"정산보고서-{state.company_name}.xlsx", "xlsx")


def statement_xlsx(answer: StatementAnswer) -> bytes:
    s = answer.statement
    rows: list[list[Any]] = [[x.category, x.name, x.budget, x.executed, x.disallowed, x.accepted, x.beyond_paid,
                              x.paid, x.refund] for x in s.lines]
    rows.append(["합계", "", sum(x.budget for x in s.lines), s.executed, s.disallowed, s.accepted,
                 sum(x.beyond_paid for x in s.lines), s.paid, s.refund - s.interest])
    rows += [[], ["이자 (반납)", "", s.interest], ["반납액 합계", "", s.refund],
             ["환급 대상 부가가치세 (인정 제외)", "", s.vat_not_grant_expense],
             ["상태", "확정 (승인)" if answer.final else f"잠정 (미검토 {len(s.undecided)}건)"],
             ["기업", answer.company_name], ["사업비 계획", f"제{s.plan_version}판", s.plan_sha256],
             ["집행 내역 해시", "", answer.ledger_sha256], ["정산보고서 해시", "", answer.statement_sha256]]
    return table_xlsx("정산보고서", HEADERS, rows)
