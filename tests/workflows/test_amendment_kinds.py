"""The amendment kinds beyond the first four, in a real lifecycle through the API and the worker:
대표자 변경 (the new representative must be the one the tax register names for the company with its
opening day, asked of the register's 진위확인 before the request is taken) and the budget beyond its
tolerance, asked and decided through the budget's own Updates and kept among the amendments, its
approval the agreement's next version (변경 N) accepted again with the password. Its history is
saved for the replay test."""

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from api.services.company import amended_representative
from domain.phases import Role
from store.db import session_scope
from tests.browser.conftest import PASSWORD, ensure_user
from tests.conftest import Stack, wait_until
from tests.flows import PO, startup_password
from tests.pages.test_console_upload import sign_in
from tests.security.test_company_ownership import PASSWORD as OWNER_PASSWORD
from tests.security.test_company_ownership import outcome, person, prove
from tests.workflows.test_amendments import _document_text, csrf, refusal
from tests.workflows.test_settlement_from_ledger import in_poc_with_an_expense

# Replayed by tests/workflows/test_replay.py: the walk below, captured with AXFLOW_CAPTURE_HISTORIES=1.
SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-amendment-kinds.json"
OPENED_ON = "2021-03-02"


async def test_a_new_representative_is_proven_and_a_budget_move_becomes_an_agreement_version(
        stack: Stack, site: httpx.AsyncClient) -> None:
    program = await stack.program()
    sid = await stack.apply(program)
    brn = sid.rsplit(":", 1)[1]
    me, officer, other = stack.as_startup(brn), stack.as_role(PO, "po-kinds-a"), stack.as_role(PO, "po-kinds-b")
    await in_poc_with_an_expense(stack, program, sid, "AX-K1")
    async with httpx.AsyncClient() as http:  # the register names 김다른 since the change (사업자등록 정정)
        put = await http.put(f"{stack.settings.tax_authority_url}/_businesses/{brn}",
                             json={"status": "active", "opened_on": OPENED_ON, "representative": "김다른"})
        assert put.status_code == 200, put.text

    # 대표자 변경: a name the register does not hold for this company is refused naming the field;
    # nothing is recorded. The register's name is taken, and waits for approval (승인 사항).
    asked = {"kind": "representative", "representative_name": "박아무개", "representative_opened_on": OPENED_ON,
             "reason": "대표이사 변경 등기"}
    wrong = await stack.act(sid, "request-amendment", me, asked, expect=422)
    assert refusal(wrong) == ("validation_error", "representative_name", "register_mismatch")
    assert "진위확인" in wrong["error"]["message"] and "tax register" in wrong["error"]["message"]
    # The same refusal on the portal's agreement page, beside the field it names.
    ensure_user(stack, f"kinds-{brn}", ["startup"], brn)
    form = await site.get("/signin")
    signed_in = await site.post("/signin", data={"login_id": f"kinds-{brn}", "password": PASSWORD,
                                                 "csrf_token": csrf(form.text)})
    assert signed_in.status_code == 303, signed_in.text
    page = await site.get(f"/portal/agreement/{sid}")
    assert 'id="f-representative_name"' in page.text and 'id="f-representative_opened_on"' in page.text
    on_page = await site.post(f"/portal/agreement/{sid}/amendment", data={
        "csrf_token": csrf(page.text), "kind": "representative", "representative_name": "박아무개",
        "representative_opened_on": OPENED_ON, "reason": "대표이사 변경 등기"})
    assert on_page.status_code == 422 and 'id="f-representative_name-error"' in on_page.text, on_page.text[-3000:]
    site.cookies.clear()
    undated = await stack.act(sid, "request-amendment", me, asked | {"representative_opened_on": None}, expect=422)
    assert refusal(undated)[1:] == ("representative_opened_on", "amendment_field_required")
    assert (await stack.state(sid, me))["amendments"]["requests"] == []
    pending = await stack.act(sid, "request-amendment", me, asked | {"representative_name": "김다른"})
    request = pending["amendments"]["requests"][0]
    assert (request["status"], request["type"]) == ("pending", "approval")
    assert request["change"]["register_answer"]["representative"] == "김다른"
    approved = await stack.act(sid, "decide-amendment", officer, {"decision": "approve", "reason": "등기 확인"})
    first = approved["amendments"]["versions"][0]
    assert approved["amendments"]["representative"] == "김다른" and first["kind"] == "representative"
    assert "김다른" in await _document_text(stack, first["document"]["id"])
    # 변경 1 names 김다른: the former representative may not accept it; 김다른 proves themselves on
    # 내 회사 확인 (the company's binding moves to them) and accepts it, and acts for the company after.
    accept_first = {"agreement_sha256": first["document"]["sha256"], "password": startup_password(stack, brn)}
    not_theirs = await stack.act(sid, "accept-agreement", me, accept_first, expect=409)
    assert refusal(not_theirs)[::2] == ("conflict", "new_representative_accepts")
    assert "새 대표자" in not_theirs["error"]["message"] and "new representative" in not_theirs["error"]["message"]
    await wait_until(lambda: _amended(stack, brn), lambda a: a is not None, what="the approved change read")
    async with person(stack, "김다른", brn) as newcomer:
        assert outcome(await prove(newcomer, brn, OPENED_ON, "김다른", verified_as="김다른")) == "moved"
        me = {"x-csrf-token": csrf((await newcomer.get("/portal/company")).text)}
        await _walk_on(stack, site, newcomer, program, sid, me, officer, other, accept_first | {"password": OWNER_PASSWORD})


async def _amended(stack: Stack, brn: str) -> Any:
    with session_scope(stack.engine) as session:
        return amended_representative(session, brn)


async def _walk_on(stack: Stack, site: httpx.AsyncClient, newcomer: httpx.AsyncClient, program: Any, sid: str,
                   me: dict[str, str], officer: dict[str, str], other: dict[str, str],
                   accept_first: dict[str, str]) -> None:
    """The rest of the walk, the company acting through its new representative's browser session."""
    stack = _As(stack, newcomer)
    password = accept_first["password"]
    await stack.act(sid, "accept-agreement", me, accept_first)

    # The budget: never through request-amendment (one path for the money); a move beyond its
    # tolerance is asked with request-budget-change and kept among the amendments as it is decided.
    through_amendment = await stack.act(sid, "request-amendment", me, {"kind": "budget"}, expect=422)
    assert refusal(through_amendment)[1] == "kind"
    move = {"from_category": "materials", "to_category": "equipment", "amount": 1_000_000, "reason": "계측 장비"}
    await stack.act(sid, "request-budget-change", me, move)
    # Waiting for its decision, the move counts as a pending amendment in the program's report.
    await wait_until(lambda: report(stack, program.id), lambda r: r["amendments"]["pending"] == 1,
                     what="the budget move pending in the report")
    rejected = await stack.act(sid, "decide-budget-change", officer, {"decision": "reject", "reason": "견적 부족"})
    budget_request = rejected["amendments"]["requests"][-1]
    assert (budget_request["change"]["kind"], budget_request["status"], budget_request["decision_reason"]) == (
        "budget", "rejected", "견적 부족")
    assert len(rejected["amendments"]["versions"]) == 1
    await stack.act(sid, "request-budget-change", me, move | {"reason": "견적 첨부"})
    moved = await stack.act(sid, "decide-budget-change", other, {"decision": "approve", "reason": "실증 장비 필요"})
    second, plan = moved["amendments"]["versions"][1], moved["budget"]["plans"][-1]
    assert (second["version"], second["kind"], second["approved_by_name"]) == (2, "budget", "po-kinds-b")
    assert second["document"] == plan["document"] and moved["amendments"]["requests"][-1]["version"] == 2
    text = await _document_text(stack, second["document"]["id"])
    assert "변경 2" in text and "1,000,000원 이동" in text and "김다른" in text
    assert "accept-agreement" in (await stack.state(sid, me))["allowed_actions"]
    blocked = await stack.act(sid, "request-amendment", officer, {"kind": "task_content", "task_content": "y"},
                              expect=409)
    assert refusal(blocked)[2] == "one_amendment_at_a_time"
    await stack.act(sid, "accept-agreement", me, {"agreement_sha256": second["document"]["sha256"],
                                                  "password": password})

    async def entries() -> list[dict[str, Any]]:
        return (await stack.call("GET", f"/startups/{sid}/history", stack.as_role(Role.AUDITOR)))["entries"]

    history = await wait_until(entries, lambda es: sum(e["action"] == "accept-agreement" for e in es) == 3,
                               what="both amended versions accepted in the history")
    assert [e["details"].get("label") for e in history if e["action"] == "decide-budget-change"] == [None, "변경 2"]
    # The program's report counts every kind: asked, approved, rejected, waiting, days to decide.
    counted = (await wait_until(lambda: report(stack, program.id), lambda r: r["amendments"]["approved"] == 2,
                                what="the amendments in the report"))["amendments"]
    assert [counted[k] for k in ("requested", "approved", "rejected", "pending", "effective")] == [3, 2, 1, 0, 0]
    assert counted["mean_days_to_decide"] == counted["longest_days_to_decide"] == 0.0  # decided the same hour
    await sign_in(site, stack, "amendment.reader", ["program_officer"])
    dashboard = await site.get(f"/console/programs/{program.id}")
    assert dashboard.status_code == 200 and "협약 변경 처리 현황" in dashboard.text
    # The report's downloads carry the same figures, opened as a spreadsheet and as CSV.
    book = load_workbook(io.BytesIO((await site.get(f"/console/programs/{program.id}/report.xlsx")).content))
    sheet = {(r[0], r[1]): r[3] for r in book["협약 변경·이의신청"].iter_rows(min_row=2, values_only=True)}
    assert {k: sheet[("amendments", k)] for k in counted} == counted
    assert sheet[("appeals", "filed")] == 0
    table = csv.reader(io.StringIO((await site.get(f"/console/programs/{program.id}/report.csv")).text))
    assert ["amendments", "approved", "승인", "2"] in list(table)
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES") and (not SAVED_HISTORY.exists()
                                                       or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite"):
        exported = await stack.call("GET", f"/startups/{sid}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")


class _As:
    """The stack, with the actions sent as the new representative's browser session where `me` is
    their CSRF header (the API takes the session cookie and that header for a write)."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient) -> None:
        self._stack, self._client = stack, client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stack, name)

    async def act(self, startup_id: str, action: str, headers: dict[str, str], body: dict[str, Any] | None = None,
                  expect: int = 200) -> Any:
        if "x-csrf-token" not in headers:
            return await self._stack.act(startup_id, action, headers, body, expect)
        answer = await self._client.post(f"/startups/{startup_id}/actions/{action}", json=body or {}, headers=headers)
        assert answer.status_code == expect, f"{action}: {answer.status_code} {answer.text}"
        return answer.json()

    async def state(self, startup_id: str, headers: dict[str, str] | None = None) -> Any:
        if headers and "x-csrf-token" in headers:
            return (await self._client.get(f"/startups/{startup_id}")).json()
        return await self._stack.state(startup_id, headers)


async def report(stack: Any, program_id: str) -> Any:
    return await stack.call("GET", f"/programs/{program_id}/report", stack.as_role(Role.AUDITOR))
