"""The settlement from the ledger in a real lifecycle, through the API and the worker: a startup whose
agreement carried a budget plan submits its settlement without typed lines, the statement
(정산보고서) is computed per category from its expenses and the finance officer's reviews, the
approval waits until every expense is decided, and the refund (paid − accepted + interest) is
collected as any refund is."""

import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from temporalio.contrib.pydantic import pydantic_data_converter

from axflow.history import projections, transitions
from axflow.replay import load_histories, verify
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.settlement_statement import SettlementStatement
from domain.timeutil import kst_date
from tests.budget_support import AGREED, VENDOR_BRN
from tests.conftest import Stack, new_brn, wait_until
from tests.documents_support import pdf
from tests.flows import EV, FO, MILESTONES, PO, Startup, accept_agreement, match, pass_milestone, pay, select
from tests.workflows.test_budget_lifecycle import plan_body, refusal
from tests.workflows.test_documents_in_actions import upload

# Replayed by tests/workflows/test_replay.py: the walk below, captured with AXFLOW_CAPTURE_HISTORIES=1.
SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-settlement-from-ledger.json"
INTEREST = 41_250



async def in_poc_with_an_expense(stack: Stack, program: ProgramDefinition, startup_id: str,
                                 agreement_no: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An applicant selected, its plan agreed, its advance paid and one expense recorded with its
    tax invoice and transfer receipt: the expense's body (for more entries like it) and the two
    uploaded documents."""
    me = stack.as_startup(startup_id.rsplit(":", 1)[1])
    await select(stack, program, {startup_id: 90})
    await stack.wait_phase(startup_id, "selected")
    await stack.act(startup_id, "submit-budget-plan", me, plan_body(AGREED))
    await accept_agreement(stack, startup_id, await match(stack, startup_id))
    await stack.act(startup_id, "sign-agreement", stack.as_role(PO), {"agreement_no": agreement_no})
    await pay(stack, startup_id, "advance")
    await stack.wait_phase(startup_id, "in_poc")
    invoice = await upload(stack, startup_id, me, pdf(f"세금계산서 {startup_id}"), "세금계산서.pdf", "receipt")
    transfer = await upload(stack, startup_id, me, pdf(f"이체확인증 {startup_id}"), "이체확인증.pdf", "receipt")
    expense = {"spent_on": kst_date(datetime.now(UTC)).isoformat(), "category": "materials",
               "vendor_name": "㈜한빛소재", "vendor_brn": VENDOR_BRN, "description": "시제품 부품",
               "supply_amount": 3_000_000, "vat": 300_000, "payment_method": "account_transfer",
               "evidence": [{"kind": "tax_invoice", "document": invoice["id"]},
                            {"kind": "transfer_receipt", "document": transfer["id"]}]}
    await stack.act(startup_id, "record-expense", me, expense)
    return expense, invoice, transfer

async def test_the_settlement_is_computed_from_the_ledger_and_its_refund_collected(stack: Stack) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    startup = Startup(startup_id, startup_id.rsplit(":", 1)[1], program)
    me, finance = startup.me(stack), stack.as_role(FO)
    expense, invoice, _ = await in_poc_with_an_expense(stack, program, startup_id, "AX-S1")
    # A vendor the tax authority says opened ten days before the payment: flagged new_vendor.
    booth_maker, spent_on = new_brn(), kst_date(datetime.now(UTC))
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.settings.tax_authority_url}/_businesses/{booth_maker}",
                        json={"opened_on": (spent_on - timedelta(days=10)).isoformat()})).raise_for_status()
    await stack.act(startup_id, "record-expense", me, expense | {"category": "marketing", "supply_amount": 2_000_000,
                                                                 "vat": 200_000, "description": "전시회 부스",
                                                                 "vendor_brn": booth_maker})
    await stack.act(startup_id, "record-expense", me, expense | {"supply_amount": 1_000_000, "vat": 0})

    # The finance officer's queue: what waits for a decision, the flagged first (the new vendor, the
    # round amount); a bulk accept checks every entry before it records any, then records each
    # decision on its own.
    queue = await wait_until(lambda: stack.call("GET", f"/programs/{program.id}/expense-review", finance),
                             lambda q: len(q["entries"]) == 3, 30, "the expenses projected")
    assert [(e["id"], [f["rule"] for f in e["flags"]]) for e in queue["entries"]] == [
        ("E0002", ["new_vendor"]), ("E0003", ["round_amount"]), ("E0001", [])]
    assert f"opened on {spent_on - timedelta(days=10)}, 10 days before" in queue["entries"][0]["flags"][0]["message"]
    accept = f"/startups/{startup_id}/expenses/accept"
    twice = await stack.call("POST", accept, finance, {"entries": ["E0001", "E0001"]}, expect=422)
    assert refusal(twice)[1:] == ("entries", "distinct_entries")
    unknown = await stack.call("POST", accept, finance, {"entries": ["E0001", "E0009"]}, expect=404)
    assert refusal(unknown)[1:] == ("entries[1]", "review_active_entry")
    await stack.call("POST", accept, me, {"entries": ["E0001"]}, expect=403)
    accepted = await stack.call("POST", accept, finance, {"entries": ["E0001", "E0003"], "reason": "증빙 확인"})
    assert accepted["accepted"] == ["E0001", "E0003"]
    assert [accepted["startup"]["budget"]["entries"][e]["review"] for e in ("E0001", "E0002", "E0003")] == \
        ["accept", None, "accept"]
    again = await stack.call("POST", accept, finance, {"entries": ["E0003"]}, expect=409)
    assert refusal(again)[1:] == ("entries[0]", "entry_undecided")
    for key in MILESTONES:
        await pass_milestone(stack, startup, key)
    await stack.act(startup_id, "final-evaluation", stack.as_role(EV), {"score": 92, "grade": "A"})

    # No typed lines: the statement is computed, provisional while an expense is undecided.
    typed = await stack.act(startup_id, "submit-settlement", me, {"lines": [{"item": "재료비", "amount": 1}]},
                            expect=422)
    assert refusal(typed)[1:] == ("lines", "settlement_from_ledger")
    submitted = await stack.act(startup_id, "submit-settlement", me, {"interest": INTEREST})
    statement = submitted["settlement"]["statement"]
    assert statement["undecided"] == ["E0002"] and statement["accepted"] == 6_000_000
    provisional = await stack.call("GET", f"/startups/{startup_id}/settlement-statement", me)
    assert not provisional["final"] and provisional["statement"] == statement
    undecided = await stack.act(startup_id, "approve-settlement", finance, {}, expect=409)
    assert refusal(undecided)[2] == "review_every_expense"

    # The last expense disallowed in part (불인정); the approval fixes the statement and the refund.
    await stack.act(startup_id, "review-expense", finance, {
        "entry_id": "E0002", "decision": "disallow", "disallow_reason": "outside_purpose",
        "disallowed_amount": 500_000, "reason": "부스 외 비용"})
    approved = await stack.act(startup_id, "approve-settlement", finance, {})
    final = approved["settlement"]["statement"]
    paid = 56_000_000
    line = {x["category"]: x for x in final["lines"]}
    assert (line["marketing"]["executed"], line["marketing"]["disallowed"], line["marketing"]["accepted"]) == \
        (2_000_000, 500_000, 1_500_000)
    assert (final["paid"], final["accepted"], final["interest"]) == (paid, 5_500_000, INTEREST)
    assert final["refund"] == approved["settlement"]["refund_due"] == paid - 5_500_000 + INTEREST
    assert final["vat_not_grant_expense"] == 500_000 and final["undecided"] == []
    assert all(x["paid"] == x["accepted"] + x["refund"] for x in final["lines"])

    # The read model holds each decision that stands: the startup's ledger and the auditor's listing.
    def reviewed(answer: dict[str, Any]) -> bool:
        return all(e["review"] for e in answer["entries"])

    ledger = await wait_until(lambda: stack.call("GET", f"/startups/{startup_id}/expenses", me, expect=200),
                              reviewed, 30, "the reviews projected")
    assert ledger["disallowed_by_category"] == {"marketing": 500_000}
    one, two, _ = ledger["entries"]
    assert (one["review"]["decision"], one["review"]["reviewed_by"]) == ("accept", approved["settlement"]["approved_by"])
    assert (two["review"]["disallow_reason_name"], two["review"]["disallowed_amount"]) == ("목적 외 사용", 500_000)
    listing = await stack.call("GET", f"/programs/{program.id}/expenses", stack.as_role(Role.AUDITOR), expect=200)
    assert [(e["startup_id"], e["id"], e["review"]["decision"]) for e in listing["entries"]] == [
        (startup_id, "E0001", "accept"), (startup_id, "E0002", "disallow"), (startup_id, "E0003", "accept")]
    assert listing["entries"][0]["evidence"][0]["sha256"] == invoice["sha256"]
    across = await wait_until(lambda: stack.call("GET", f"/programs/{program.id}/budget", stack.as_role(PO)),
                              lambda b: b["startups"] == 1 and any(c["disallowed"] for c in b["categories"]), 30,
                              "the program's budget by category")
    by_category = {c["category"]: (c["budget"], c["executed"], c["disallowed"]) for c in across["categories"]}
    assert by_category["marketing"] == (5_000_000, 2_000_000, 500_000)
    assert by_category["materials"] == (AGREED["materials"], 4_000_000, 0) and len(by_category) == len(AGREED)

    # The statement as the approval pinned it, as JSON and as the spreadsheet in Korean.
    pinned = await stack.call("GET", f"/startups/{startup_id}/settlement-statement", stack.as_role(Role.AUDITOR))
    assert pinned["final"] and pinned["statement"] == final
    response = await stack.http.get(f"/startups/{startup_id}/settlement-statement?format=xlsx", headers=me)
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["합계"][5] == 5_500_000 and rows["반납액 합계"][2] == final["refund"]
    assert rows["marketing"][1:6] == ("광고선전비", 5_000_000, 2_000_000, 500_000, 1_500_000)
    assert rows["정산보고서 해시"][2] == pinned["statement_sha256"] and rows["상태"][1] == "확정 (승인)"
    done = await stack.wait_phase(startup_id, "completed")
    assert done["collections"][0]["amount"] == final["refund"] and done["collections"][0]["status"] == "received"
    await _capture(stack, startup_id)


async def _capture(stack: Stack, startup_id: str) -> None:
    capture: Any = os.environ.get("AXFLOW_CAPTURE_HISTORIES")
    if capture and (not SAVED_HISTORY.exists() or capture == "overwrite"):
        exported = await stack.call("GET", f"/startups/{startup_id}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")


async def test_a_settlement_from_the_ledger_replays_and_pins_its_statement() -> None:
    """The walk above, saved: under patch settlement-from-ledger the submission and the approval pin
    the statement, its hash and the ledger it came from; the refund asked for is the statement's.
    Lifecycles from before the patch (lifecycle-budget-ledger, lifecycle-promoted) replay with the
    same code and keep their typed settlement (tests/workflows/test_replay.py)."""
    report = await verify(SAVED_HISTORY)
    assert report.deterministic, report.error
    recorded = await projections(pydantic_data_converter, load_histories(SAVED_HISTORY))
    trail = transitions(recorded)
    submitted, approved = (next(t for t in trail if t.action == action)
                           for action in ("submit-settlement", "approve-settlement"))
    assert submitted.details["statement"]["undecided"] == ["E0002"]
    final = SettlementStatement.model_validate(approved.details["statement"])
    assert final.sha256() == approved.details["statement_sha256"] and not final.undecided
    assert approved.details["refund_due"] == final.refund == 56_000_000 - final.accepted + INTEREST
    last = recorded[-1].state
    assert last.settlement_from_ledger and last.budget is not None
    assert approved.details["ledger_sha256"] == last.budget.ledger_sha256
    assert last.settlement is not None and last.settlement.statement == final
