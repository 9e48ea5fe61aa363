"""The budget plan by 비목 and the execution ledger in a real lifecycle, through the API and the
worker: the plan enters the agreement the startup accepts (its hash inside the document), the
countersignature approves it, and during the PoC each expense is checked, recorded compactly in
the state (totals, the running hash) and in full in the read model (`GET .../expenses`)."""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter

from axflow.history import projections, transitions
from axflow.replay import load_histories, verify
from domain.ledger import LEDGER_GENESIS, Cancellation, LedgerEntry, chain_ledger
from domain.phases import Role
from domain.timeutil import kst_date
from tests.budget_support import AGREED, VENDOR_BRN
from tests.conftest import Stack, new_brn, wait_until
from tests.documents_support import pdf
from tests.flows import FO, PO, accept_agreement, match, pay, select, startup_password
from tests.workflows.test_documents_in_actions import upload

# Replayed by tests/workflows/test_replay.py: the walk below, captured with AXFLOW_CAPTURE_HISTORIES=1.
# (lifecycle-budget-ledger.json is the same walk from before patch budget-version-document: kept, it
# proves a lifecycle open since then replays; lifecycle-budget-versions.json is the walk as it runs now.)
SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-budget-versions.json"


def plan_body(amounts: dict[str, int]) -> dict[str, Any]:
    return {"lines": [{"category": key, "amount": amount} for key, amount in amounts.items()]}


def refusal(answer: dict[str, Any]) -> tuple[str, str, str]:
    """(code, the field named, the rule named) of a refused action."""
    error = answer["error"]
    details = error["details"]
    first = details[0] if isinstance(details, list) else details
    return error["code"], first.get("field", ""), first["rule"]


async def test_the_plan_is_in_the_agreement_and_the_ledger_keeps_each_expense(stack: Stack) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    brn = startup_id.rsplit(":", 1)[1]
    me, officer = stack.as_startup(brn), stack.as_role(PO)
    await select(stack, program, {startup_id: 90})
    await stack.wait_phase(startup_id, "selected")

    # The plan: refused naming the line and the rule, then kept as version 1 with its hash.
    over_cap = await stack.act(startup_id, "submit-budget-plan", me,
                               plan_body(AGREED | {"personnel": 41_000_000}), expect=422)
    assert refusal(over_cap) == ("validation_error", "lines[0].amount", "category_cap")
    short = await stack.act(startup_id, "submit-budget-plan", me, plan_body(AGREED | {"fees": 1_000_000}), expect=422)
    assert refusal(short)[1:] == ("lines", "plan_adds_up_to_grant")
    planned = await stack.act(startup_id, "submit-budget-plan", me, plan_body(AGREED))
    assert [p["version"] for p in planned["budget"]["plans"]] == [1]

    # Matched: the agreement shows the plan (its hash is in the document). A new plan before the
    # acceptance makes the agreement again; the old one can no longer be accepted.
    matched = await match(stack, startup_id)
    first_document = matched["agreement_document"]
    text = await _document_text(stack, first_document["id"])
    assert planned["budget"]["plans"][0]["sha256"] in text and "사업비" in text
    moved = AGREED | {"materials": 7_000_000, "fees": 3_000_000}
    replanned = await stack.act(startup_id, "submit-budget-plan", me, plan_body(moved))
    second_document = replanned["agreement_document"]
    assert second_document["sha256"] != first_document["sha256"]
    assert replanned["budget"]["plans"][0]["sha256"] in await _document_text(stack, second_document["id"])
    await stack.act(startup_id, "accept-agreement", me, {"agreement_sha256": first_document["sha256"],
                                                         "password": startup_password(stack, brn)}, expect=409)
    await accept_agreement(stack, startup_id, replanned)
    signed = await stack.act(startup_id, "sign-agreement", officer, {"agreement_no": "AX-B1"})
    agreed = signed["budget"]["plans"][0]
    assert agreed["approved_by"] and agreed["approved_at"] and agreed["lines"] == plan_body(moved)["lines"]
    assert "submit-budget-plan" not in signed["allowed_actions"]
    await pay(stack, startup_id, "advance")
    await stack.wait_phase(startup_id, "in_poc")

    # The ledger: each rule refused with the field and the rule named, then an entry, its correction
    # and its withdrawal; nothing edited in place.
    invoice = await upload(stack, startup_id, me, pdf(f"세금계산서 {startup_id}"), "세금계산서.pdf", "receipt")
    transfer = await upload(stack, startup_id, me, pdf(f"이체확인증 {startup_id}"), "이체확인증.pdf", "receipt")
    today = kst_date(datetime.now(UTC))
    expense = {"spent_on": today.isoformat(), "category": "materials", "vendor_name": "㈜한빛소재",
               "vendor_brn": VENDOR_BRN, "description": "시제품 부품", "supply_amount": 1_000_000, "vat": 100_000,
               "payment_method": "account_transfer",
               "evidence": [{"kind": "tax_invoice", "document": invoice["id"]},
                            {"kind": "transfer_receipt", "document": transfer["id"]}]}
    partner_brn = replanned["partners"][0]["brn"]
    for change, field, rule in (
            ({"spent_on": (today - timedelta(days=1)).isoformat()}, "spent_on", "within_agreement_period"),
            ({"vendor_brn": brn}, "vendor_brn", "vendor_not_self"),
            ({"vendor_brn": partner_brn}, "vendor_brn", "vendor_not_partner"),
            ({"evidence": expense["evidence"][:1]}, "evidence", "evidence_required"),
            ({"supply_amount": 7_000_001}, "supply_amount", "within_category_line"),
            ({"payment_method": "cash"}, "payment_method", "payment_method_accepted"),
            ({"evidence": [{"kind": "tax_invoice", "document": "nope"}]}, "evidence[0]", "unknown_document")):
        answer = await stack.act(startup_id, "record-expense", me, expense | change, expect=422)
        assert refusal(answer)[1:] == (field, rule), (change, answer)
    first = await stack.act(startup_id, "record-expense", me, expense)
    assert first["budget"]["executed"] == {"materials": 1_000_000}
    corrected = await stack.act(startup_id, "record-expense", me, expense | {"supply_amount": 900_000,
                                                                           "cancels": "E0001"})
    assert corrected["budget"]["executed"] == {"materials": 900_000}
    withdrawn = await stack.act(startup_id, "cancel-expense", me, {"entry": "E0002", "reason": "거래처 환불"})
    assert withdrawn["budget"]["executed"] == {"materials": 0}
    twice = await stack.act(startup_id, "cancel-expense", me, {"entry": "E0002", "reason": "다시"}, expect=409)
    assert refusal(twice)[1:] == ("entry", "cancel_once")
    assert (await stack.act(startup_id, "record-expense", officer, expense, expect=403))["error"]["code"] == "forbidden"

    # 비목 변경: within the tolerance of the agreed plan a notice (a new version at once); into a
    # category needing prior approval a request the officer decides; what no approval allows refused.
    notice = await stack.act(startup_id, "request-budget-change", me,
                             {"from_category": "materials", "to_category": "fees", "amount": 500_000})
    assert [(p["version"], p["basis"]) for p in notice["budget"]["plans"]] == [(1, "agreement"), (2, "notice")]
    assert notice["budget"]["pending_change"] is None
    over_cap = await stack.act(startup_id, "request-budget-change", me,
                               {"from_category": "outsourcing", "to_category": "personnel", "amount": 10_000_001},
                               expect=422)
    assert refusal(over_cap)[1:] == ("amount", "category_cap")
    asked = await stack.act(startup_id, "request-budget-change", me, {
        "from_category": "materials", "to_category": "equipment", "amount": 1_000_000, "reason": "계측 장비"})
    assert asked["budget"]["pending_change"]["amount"] == 1_000_000 and len(asked["budget"]["plans"]) == 2
    assert "decide-budget-change" in (await stack.state(startup_id, officer))["allowed_actions"]
    again = await stack.act(startup_id, "request-budget-change", me,
                            {"from_category": "materials", "to_category": "fees", "amount": 1}, expect=409)
    assert refusal(again)[2] == "one_change_at_a_time"
    bare = await stack.act(startup_id, "decide-budget-change", officer, {"decision": "reject"}, expect=422)
    assert refusal(bare)[1:] == ("reason", "reason_for_rejection")
    await stack.act(startup_id, "decide-budget-change", me, {"decision": "approve"}, expect=403)
    approved = await stack.act(startup_id, "decide-budget-change", officer, {"decision": "approve",
                                                                            "reason": "실증 장비 필요"})
    latest = approved["budget"]["plans"][-1]
    assert (latest["version"], latest["basis"], latest["approved_by"]) == (3, "approval", agreed["approved_by"])
    amounts = {line["category"]: line["amount"] for line in latest["lines"]}
    assert (amounts["materials"], amounts["fees"], amounts["equipment"]) == (5_500_000, 3_500_000, 11_000_000)
    assert len({p["sha256"] for p in approved["budget"]["plans"]}) == 3
    # The approved version makes the agreement again with its table (제3판): its own document and
    # hash, while the agreement the startup accepted stays what it was.
    remade = latest["document"]
    assert remade["sha256"] != second_document["sha256"] == approved["agreement_document"]["sha256"]
    remade_text = await _document_text(stack, remade["id"])
    assert "제3판" in remade_text and latest["sha256"] in remade_text

    # 집행 검토: the finance officer accepts or disallows (불인정) an entry that still counts.
    finance = stack.as_role(FO)
    third = await stack.act(startup_id, "record-expense", me, expense)
    assert "review-expense" in (await stack.state(startup_id, finance))["allowed_actions"]
    gone = await stack.act(startup_id, "review-expense", finance, {"entry_id": "E0001", "decision": "accept"},
                           expect=409)
    assert refusal(gone)[1:] == ("entry_id", "review_active_entry")
    unexplained = await stack.act(startup_id, "review-expense", finance, {"entry_id": "E0003", "decision": "disallow"},
                                  expect=422)
    assert refusal(unexplained)[1:] == ("disallow_reason", "disallow_reason_required")
    await stack.act(startup_id, "review-expense", me, {"entry_id": "E0003", "decision": "accept"}, expect=403)
    reviewed = await stack.act(startup_id, "review-expense", finance, {
        "entry_id": "E0003", "decision": "disallow", "disallow_reason": "insufficient_evidence",
        "disallowed_amount": 200_000, "reason": "거래명세서 누락"})
    assert third["budget"]["executed"] == reviewed["budget"]["executed"] == {"materials": 1_000_000}
    assert reviewed["budget"]["disallowed"] == {"materials": 200_000}
    assert reviewed["budget"]["entries"]["E0003"] == {"category": "materials", "amount": 1_000_000, "vat": 100_000,
                                                      "cancelled": False, "review": "disallow", "disallowed": 200_000}
    assert "review-expense" not in reviewed["allowed_actions"]

    # The read model holds the entries in full, the review included; their hashes chain to the
    # state's running hash.
    def ledger_complete(answer: dict[str, Any]) -> bool:
        return ([e["cancelled_by"] for e in answer["entries"]] == ["E0002", "-", None]
                and answer["disallowed_by_category"] == {"materials": 200_000})

    ledger = await wait_until(lambda: stack.call("GET", f"/startups/{startup_id}/expenses", me, expect=200),
                              ledger_complete, 30, "the ledger projected")
    assert ledger["supply_by_category"] == {"materials": 1_000_000}
    one, two, _ = ledger["entries"]
    assert [e["document_id"] for e in one["evidence"]] == [invoice["id"], transfer["id"]]
    assert one["evidence"][0]["sha256"] == invoice["sha256"] and two["cancels"] == "E0001"
    head = LEDGER_GENESIS
    for row in (one, two):
        entry = LedgerEntry.model_validate({
            "id": row["id"], "spent_on": row["spent_on"], "category": row["category"],
            "vendor_name": row["vendor_name"], "vendor_brn": row["vendor_brn"], "description": row["description"],
            "supply_amount": row["supply_amount"], "vat": row["vat"], "payment_method": row["payment_method"],
            "cancels": row["cancels"], "evidence": [{"kind": e["kind"], "document": {
                "id": e["document_id"], "sha256": e["sha256"], "kind": "receipt", "filename": e["filename"]}}
                for e in row["evidence"]]})
        head = chain_ledger(head, entry)
        assert head == row["ledger_sha256"]
    head = chain_ledger(head, Cancellation(cancels="E0002", reason=two["cancel_reason"]))
    assert head == withdrawn["budget"]["ledger_sha256"]
    auditor_view = await stack.call("GET", f"/startups/{startup_id}/expenses", stack.as_role(Role.AUDITOR), expect=200)
    assert auditor_view == ledger
    await stack.call("GET", f"/startups/{startup_id}/expenses", stack.as_startup(new_brn()), expect=404)
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES") and (not SAVED_HISTORY.exists()
                                                       or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite"):
        exported = await stack.call("GET", f"/startups/{startup_id}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")


async def _document_text(stack: Stack, document_id: str) -> str:
    response = await stack.http.get(f"/documents/{document_id}", headers=stack.as_role(Role.AUDITOR))
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8")


async def test_an_approved_budget_change_replays_with_its_agreement_version() -> None:
    """Under patch budget-version-document the approval's transition pins the agreement made again
    with the new table, the version keeps it, and the accepted agreement is unchanged."""
    report = await verify(SAVED_HISTORY)
    assert report.deterministic, report.error
    recorded = await projections(pydantic_data_converter, load_histories(SAVED_HISTORY))
    approval = next(t for t in transitions(recorded) if t.action == "decide-budget-change")
    last = recorded[-1].state
    assert last.budget is not None and last.budget.plans[-1].document is not None
    assert approval.details["agreement"]["sha256"] == last.budget.plans[-1].document.sha256
    assert last.agreement_document is not None and last.agreement_document.sha256 != approval.details["agreement"]["sha256"]
