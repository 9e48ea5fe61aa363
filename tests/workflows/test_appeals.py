"""Appeals (이의신청) in a real lifecycle, through the API and the worker: a rejected applicant's
lifecycle stays open for the appeal window; the startup appeals with its reasons and a document
(pinned by hash); a panel member who scored the application is refused, whatever role they act in
now; a decision gives its reason; upheld, the application returns to review, where only evaluators
who did not score it before may score it. One walk; its history is saved for the replay test."""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from domain.phases import Role
from domain.timeutil import kst_date
from tests.budget_support import AGREED, VENDOR_BRN
from tests.conftest import Stack, wait_until
from tests.documents_support import pdf
from tests.flows import EV, FO, PO, accept_agreement, drive, match, pay, select
from tests.pages.test_console_upload import csrf, sign_in
from tests.workflows.test_amendments import refusal
from tests.workflows.test_budget_lifecycle import plan_body
from tests.workflows.test_documents_in_actions import upload

# Replayed by tests/workflows/test_replay.py (every saved history): the walk below, captured with AXFLOW_CAPTURE_HISTORIES=1.
SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-appeals.json"


async def portal_as_startup(site: httpx.AsyncClient, stack: Stack, brn: str) -> None:
    """A person of the company, signed in to the portal (whoever was signed in before, signed out)."""
    site.cookies.clear()
    await sign_in(site, stack, f"appeal-{brn}", ["startup"], brn)


async def test_a_rejection_appealed_upheld_and_rescored_by_other_evaluators(stack: Stack,
                                                                            site: httpx.AsyncClient) -> None:
    startup = await drive(stack, "rejected")
    sid, me = startup.id, startup.me(stack)
    rejected = await stack.state(sid, me)
    # Held open for the window, the rejection is the one result to appeal.
    assert rejected["closed_at"] is None and rejected["appeals"]["results"][0]["outcome"] == "rejected"
    assert "file-appeal" in rejected["allowed_actions"]
    scorer = stack.user_id("evaluator")
    # Made by its scorer and the officer who finalized the selection.
    assert rejected["appeals"]["results"][0]["actors"] == sorted([scorer, stack.user_id("program_officer")])
    wrong = await stack.act(sid, "file-appeal", me, {"kind": "final_evaluation", "reasons": "x"}, expect=409)
    assert refusal(wrong)[1:] == ("kind", "appealable_result")
    nothing = await stack.act(sid, "decide-appeal", stack.as_role(PO, "panel-a"),
                              {"decision": "dismiss", "reason": "x"}, expect=409)
    assert refusal(nothing)[2] == "appeal_pending"

    # The portal offers the form on the startup's page, with the documents uploaded for it to choose;
    # a refusal is shown beside its field.
    document = await upload(stack, sid, me, pdf("이의신청 근거"), "appeal-evidence.pdf", "other")
    await portal_as_startup(site, stack, startup.brn)
    page = await site.get(f"/portal/my/{sid}")
    assert f'action="/portal/my/{sid}/appeal"' in page.text and 'for="f-reasons"' in page.text
    assert f'name="documents" value="{document["id"]}"' in page.text and 'value="other"' in page.text
    empty = await site.post(f"/portal/my/{sid}/appeal", data={"csrf_token": csrf(page.text), "kind": "selection",
                                                             "reasons": ""})
    assert empty.status_code == 422 and 'id="f-reasons-error"' in empty.text, empty.text[-2000:]
    sent = await site.post(f"/portal/my/{sid}/appeal", data={
        "csrf_token": csrf(page.text), "kind": "selection", "reasons": "실증 실적이 점수에 반영되지 않았습니다",
        "documents": document["id"]})
    assert sent.status_code == 303 and sent.headers["location"].endswith("#appeals"), sent.text[-2000:]
    assert "이의신청을 접수했습니다" in (await site.get(sent.headers["location"])).text
    filed = await stack.state(sid, me)
    appeal = filed["appeals"]["appeals"][0]
    assert appeal["status"] == "pending" and appeal["documents"][0]["sha256"] == document["sha256"]
    twice = await stack.act(sid, "file-appeal", me, {"kind": "selection", "reasons": "다시"}, expect=409)
    assert refusal(twice)[2] == "one_appeal_per_result"
    # The panel reads the appeal on the console's startup page; its decision form is the registry's.
    site.cookies.clear()  # signed out of the portal
    await sign_in(site, stack, "appeal.reader", ["program_officer"])
    await stack.wait_until_state(sid, lambda s: bool(s["appeals"]["appeals"]), "the appeal readable")
    console = await site.get(f"/console/startups/{sid}")
    assert console.status_code == 200 and "실증 실적이 점수에 반영되지 않았습니다" in console.text
    assert document["sha256"][:12] in console.text
    form = await site.get(f"/console/startups/{sid}/actions/decide-appeal")
    assert form.status_code == 200 and all(words in form.text for words in (
        'for="f-decision"', 'for="f-appeal"', "이의신청 번호", ">인용<", ">기각<", "반드시 적습니다"))

    # It waits in the officers' inbox, never in the inbox of the person who made the result.
    inbox = await wait_until(lambda: stack.call("GET", f"/me/inbox?program_id={startup.program.id}",
                                                        stack.as_role(PO, "panel-a")),
                             lambda answer: any(i["kind"] == "decide_appeal" and i["startup_id"] == sid
                                                for i in answer["items"]), what="the appeal in the panel's inbox")
    assert [i["subject"] for i in inbox["items"] if i["kind"] == "decide_appeal" and i["startup_id"] == sid] == ["1"]
    scorers_inbox = await stack.call("GET", f"/me/inbox?program_id={startup.program.id}",
                                     stack.as_role(PO, "evaluator"))
    assert not [i for i in scorers_inbox["items"] if i["kind"] == "decide_appeal" and i["startup_id"] == sid]
    # The panel took no part: the person who scored is refused even as a program officer.
    took_part = await stack.act(sid, "decide-appeal", stack.as_role(PO, "evaluator"),
                                {"decision": "uphold", "reason": "재평가"}, expect=403)
    assert refusal(took_part)[2] == "panel_took_no_part"
    panel = stack.as_role(PO, "panel-a")
    bare = await stack.act(sid, "decide-appeal", panel, {"decision": "uphold"}, expect=422)
    assert refusal(bare)[1:] == ("reason", "appeal_decision_reason")
    upheld = await stack.act(sid, "decide-appeal", panel, {"decision": "uphold", "reason": "서면평가 자료 누락 확인"})
    decided = upheld["appeals"]["appeals"][0]
    assert (decided["status"], decided["decision_reason"], decided["decided_by_name"]) == (
        "upheld", "서면평가 자료 누락 확인", "panel-a")
    assert upheld["phase"] == "under_review" and upheld["scores"] == [] and decided["earlier_scorers"] == [scorer]

    # Re-scored by evaluators who did not score the first time.
    again = await stack.act(sid, "score", stack.as_role(EV), {"round": "document", "score": 88}, expect=403)
    assert refusal(again)[2] == "rescore_by_others"
    rescored = await stack.act(sid, "score", stack.as_role(EV, "evaluator-2"), {"round": "document", "score": 88})
    assert rescored["average_score"] == 88
    # The startup reads the decision and its reason on its own page of the portal's 마이페이지.
    # Scored again, the program call ranks it again: the one slot is held, so its place on the waitlist.
    await stack.wait_until_state(sid, lambda s: s["phase"] == "waitlisted", "ranked again after re-scoring")
    await portal_as_startup(site, stack, startup.brn)
    portal = await site.get(f"/portal/my/{sid}")
    assert "서면평가 자료 누락 확인" in portal.text and "인용" in portal.text and document["sha256"] in portal.text

    # The program's report counts it: filed, upheld, dismissed, days to decide (a table on its dashboard).
    program_id = startup.program.id
    report = await wait_until(lambda: stack.call("GET", f"/programs/{program_id}/report", stack.as_role(Role.AUDITOR)),
                              lambda r: r["appeals"]["upheld"] == 1, what="the appeal in the report")
    appeals = report["appeals"]
    assert [appeals[k] for k in ("filed", "upheld", "dismissed", "pending")] == [1, 1, 0, 0]
    assert appeals["mean_days_to_decide"] == appeals["longest_days_to_decide"] == 0.0  # decided the same hour
    site.cookies.clear()
    await sign_in(site, stack, "appeal.reader", ["program_officer"])
    dashboard = await site.get(f"/console/programs/{program_id}")
    assert dashboard.status_code == 200 and "이의신청 처리 현황" in dashboard.text

    async def entries() -> list[dict[str, Any]]:
        return (await stack.call("GET", f"/startups/{sid}/history", stack.as_role(Role.AUDITOR)))["entries"]

    # Each side is told: the officers of the filing, the startup of the decision with its reason.
    told = [(n["kind"], n["to"], n["data"].get("decision"), n["data"].get("reason")) for n in
            await stack.notifications(sid) if n["kind"].startswith("appeal_")]
    assert told == [("appeal_filed", "program_officer", None, "실증 실적이 점수에 반영되지 않았습니다"),
                    ("appeal_decided", "startup", "upheld", "서면평가 자료 누락 확인")]
    history = await wait_until(entries, lambda es: any(e["action"] == "score" and e["actor_name"] == "evaluator-2"
                                                       for e in es), what="the new score in the history")
    filed_entry = next(e for e in history if e["action"] == "file-appeal")
    assert filed_entry["details"]["documents"][0]["sha256"] == document["sha256"]
    decision = next(e for e in history if e["action"] == "decide-appeal")
    assert (decision["actor_name"], decision["details"]["decision"], decision["to_phase"]) == (
        "panel-a", "upheld", "under_review")
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES") and (not SAVED_HISTORY.exists()
                                                       or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite"):
        exported = await stack.call("GET", f"/startups/{sid}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")


async def test_a_disallowed_expense_appealed_and_accepted_and_a_rejection_closes_after_its_window(
        stack: Stack) -> None:
    """The finance officer who disallowed an expense never decides its appeal; upheld, the entry is
    accepted in the state and in the ledger's read model. A rejection nobody appeals ends its
    lifecycle once the window has closed; an appeal after that is refused."""
    program = await stack.program()
    startup_id = await stack.apply(program)
    me, finance = stack.as_startup(startup_id.rsplit(":", 1)[1]), stack.as_role(FO, "appeal-finance")
    await select(stack, program, {startup_id: 90})
    await stack.wait_phase(startup_id, "selected")
    await stack.act(startup_id, "submit-budget-plan", me, plan_body(AGREED))
    await accept_agreement(stack, startup_id, await match(stack, startup_id))
    await stack.act(startup_id, "sign-agreement", stack.as_role(PO), {"agreement_no": "AX-AP1"})
    await pay(stack, startup_id, "advance")
    await stack.wait_phase(startup_id, "in_poc")
    receipts = [await upload(stack, startup_id, me, pdf(f"{name} {startup_id}"), f"{name}.pdf", "receipt")
                for name in ("세금계산서", "이체확인증")]
    await stack.act(startup_id, "record-expense", me, {
        "spent_on": kst_date(datetime.now(UTC)).isoformat(), "category": "materials", "vendor_name": "㈜한빛소재",
        "vendor_brn": VENDOR_BRN, "description": "시제품 부품", "supply_amount": 3_000_000, "vat": 300_000,
        "payment_method": "account_transfer", "evidence": [{"kind": "tax_invoice", "document": receipts[0]["id"]},
                                                           {"kind": "transfer_receipt", "document": receipts[1]["id"]}]})
    disallowed = await stack.act(startup_id, "review-expense", finance, {
        "entry_id": "E0001", "decision": "disallow", "disallow_reason": "insufficient_evidence", "reason": "검수조서 누락"})
    assert disallowed["budget"]["disallowed"] == {"materials": 3_000_000}
    await stack.act(startup_id, "file-appeal", me, {"kind": "expense", "entry_id": "E0001",
                                                    "reasons": "검수조서를 첨부합니다"})
    reviewer = await stack.act(startup_id, "decide-appeal", stack.as_role(PO, "appeal-finance"),
                               {"decision": "uphold", "reason": "증빙 보완"}, expect=403)
    assert refusal(reviewer)[2] == "panel_took_no_part"
    upheld = await stack.act(startup_id, "decide-appeal", stack.as_role(PO, "panel-b"),
                             {"decision": "uphold", "reason": "검수조서 보완 확인"})
    assert upheld["budget"]["entries"]["E0001"]["review"] == "accept" and upheld["budget"]["disallowed"] == {
        "materials": 0}
    ledger = await wait_until(lambda: stack.call("GET", f"/startups/{startup_id}/expenses", me),
                              lambda answer: answer["entries"][0]["review"]["decision"] == "accept",
                              what="the accepted expense in the ledger's read model")
    assert ledger["disallowed_by_category"].get("materials", 0) == 0

    rejected = await drive(stack, "rejected")
    handle = stack.client.get_workflow_handle(rejected.id)
    await stack.skipper.fast_forward(handle, timedelta(days=program.appeals.window_days + 1))
    closed = await stack.wait_until_state(rejected.id, lambda s: s["closed_at"] is not None, "closed after its window")
    assert closed["phase"] == "rejected" and "file-appeal" not in closed["allowed_actions"]
    late = await stack.call("POST", f"/startups/{rejected.id}/actions/file-appeal", rejected.me(stack),
                            {"kind": "selection", "reasons": "늦은 이의신청"}, expect=None)
    assert late["error"]["code"] in ("conflict", "invalid_transition"), late
