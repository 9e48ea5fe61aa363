"""What an upheld appeal changes after the decision, in real lifecycles and a real program call:
an application re-scored after its selection appeal is ranked again by the program call (a free
slot offered to it with the selection notice, else its place on the waitlist by score); a final
evaluation appealed to the panel the program names is made again by someone else, and the
settlement follows the new one alone; a waitlisted startup selected while its appeal waits has the
appeal closed as moot. The program call's and that lifecycle's histories are saved for the replay
test."""

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from domain.appeals import AppealPolicy
from domain.phases import Role
from tests.conftest import Stack, wait_until
from tests.flows import EV, FO, PO, drive, select
from tests.pages.test_console_upload import sign_in
from tests.workflows.test_amendments import refusal

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


async def _capture(name: str, data: Any) -> None:
    """Saved with AXFLOW_CAPTURE_HISTORIES=1 (kept unless it says overwrite), replayed by test_replay."""
    path = HISTORIES / f"{name}.json"
    capture = os.environ.get("AXFLOW_CAPTURE_HISTORIES")
    if capture and (not path.exists() or capture == "overwrite"):
        path.write_text(json.dumps(data, indent=1) + "\n")


async def _appeal_upheld_and_rescored(stack: Stack, startup_id: str, score: int) -> None:
    """The startup appeals its selection result, another officer upholds it, and an evaluator who
    did not score it the first time scores it again."""
    me = stack.as_startup(startup_id.rsplit(":", 1)[1])
    await stack.act(startup_id, "file-appeal", me, {"kind": "selection", "reasons": "평가 자료 누락"})
    # The officer who finalized the selection took part in it, as its scorers did.
    finalizer = await stack.act(startup_id, "decide-appeal", stack.as_role(PO),
                                {"decision": "uphold", "reason": "재평가"}, expect=403)
    assert refusal(finalizer)[2] == "panel_took_no_part"
    upheld = await stack.act(startup_id, "decide-appeal", stack.as_role(PO, "panel-a"),
                             {"decision": "uphold", "reason": "자료 누락 확인, 재평가"})
    assert upheld["phase"] == "under_review"
    await stack.act(startup_id, "score", stack.as_role(EV, "evaluator-2"), {"round": "document", "score": score})


async def test_an_application_rescored_after_its_appeal_takes_a_free_slot_or_its_place_on_the_waitlist(
        stack: Stack) -> None:
    program = await stack.program(slots=2, budget=160_000_000)
    first, second, third, fourth = [await stack.apply(program) for _ in range(4)]
    brn = {sid: sid.rsplit(":", 1)[1] for sid in (first, second, third, fourth)}
    await select(stack, program, {first: 90, second: 75, third: 20, fourth: 10})
    for sid, phase in ((first, "selected"), (second, "selected"), (third, "rejected"), (fourth, "rejected")):
        await stack.wait_phase(sid, phase)
    # A slot frees when a selected startup gives it up before any money moved (nobody waits for it).
    await stack.act(second, "withdraw", stack.as_startup(brn[second]), {"reason": "사업 포기"})
    await wait_until(lambda: stack.call_status(program.id), lambda c: c["holding_slots"] == [brn[first]],
                     what="the slot freed")

    # Re-scored above everyone waiting with a slot free: offered at once, and told so.
    await _appeal_upheld_and_rescored(stack, third, 85)
    offered = await stack.wait_phase(third, "selected")
    assert offered["agreement_due_at"] is not None
    await wait_until(lambda: stack.notifications(third, "selection_selected"),
                     lambda told: [n["to"] for n in told] == ["startup"], what="the selection notice")
    # Re-scored with every slot held: its place on the waitlist, told so.
    await _appeal_upheld_and_rescored(stack, fourth, 72)
    await stack.wait_phase(fourth, "waitlisted")
    call = await stack.call_status(program.id)
    assert sorted(call["holding_slots"]) == sorted([brn[first], brn[third]]) and call["waitlist"] == [brn[fourth]]
    assert [(r["brn"], r["decision"]) for r in call["reranked"]] == [(brn[third], "selected"),
                                                                     (brn[fourth], "waitlisted")]
    assert call["returned_to_review"] == []
    await wait_until(lambda: stack.notifications(fourth, "selection_waitlisted"),
                     lambda told: [n["to"] for n in told] == ["startup"], what="the waitlist notice")
    history = (await stack.call("GET", f"/startups/{third}/history", stack.as_role(Role.AUDITOR)))["entries"]
    assert [e["to_phase"] for e in history if e["action"] == "selection"] == ["rejected", "selected"]
    await _capture("program-call-after-appeal", (await stack.program_handle(program.id).fetch_history()).to_json_dict())
    await _capture("lifecycle-appeal-reranked", await stack.call("GET", f"/startups/{third}/history?format=temporal",
                                                                 stack.as_role(Role.AUDITOR)))


async def test_an_upheld_final_evaluation_is_made_again_and_the_settlement_follows_the_new_one(stack: Stack) -> None:
    """Graded B (no promotion), the startup appeals; only the panel the program names decides; upheld,
    another evaluator grades it A a few days later: the settlement is the new one's (due from the new
    evaluation), settles the money paid once, and the new grade is the one promotion reads."""
    stack.as_role(PO, "named-panel")  # the user exists once its token does
    program = await stack.program(appeals=AppealPolicy(panel=[stack.user_id("named-panel")]))
    startup = await drive(stack, "final_review", program)
    sid, me = startup.id, startup.me(stack)
    first = await stack.act(sid, "final-evaluation", stack.as_role(EV), {"score": 68, "grade": "B"})
    first_due = datetime.fromisoformat(first["settlement"]["due_at"])
    await stack.act(sid, "file-appeal", me, {"kind": "final_evaluation", "reasons": "최종보고서 부록이 평가에서 빠졌습니다"})
    # It waits in the named members' inbox only.
    def inbox_of(name: str) -> Any:
        return stack.call("GET", f"/me/inbox?program_id={program.id}", stack.as_role(PO, name))

    def appeal_waits(answer: Any) -> bool:
        return any(i["kind"] == "decide_appeal" and i["startup_id"] == sid for i in answer["items"])

    await wait_until(lambda: inbox_of("named-panel"), appeal_waits, what="the appeal in the panel's inbox")
    assert not appeal_waits(await inbox_of("not-on-the-panel"))
    outsider = await stack.act(sid, "decide-appeal", stack.as_role(PO, "not-on-the-panel"),
                               {"decision": "uphold", "reason": "재평가"}, expect=403)
    assert refusal(outsider)[2] == "named_panel"
    upheld = await stack.act(sid, "decide-appeal", stack.as_role(PO, "named-panel"),
                             {"decision": "uphold", "reason": "부록 누락 확인, 재평가"})
    assert (upheld["phase"], upheld["final_grade"], upheld["settlement"]) == ("final_review", None, None)

    await stack.skipper.fast_forward(stack.client.get_workflow_handle(sid), timedelta(days=3))
    again = await stack.act(sid, "final-evaluation", stack.as_role(EV), {"score": 91, "grade": "A"}, expect=403)
    assert refusal(again)[2] == "rescore_by_others"
    redone = await stack.act(sid, "final-evaluation", stack.as_role(EV, "evaluator-2"), {"score": 91, "grade": "A"})
    assert (redone["phase"], redone["final_score"], redone["final_grade"]) == ("settlement", 91, "A")
    assert datetime.fromisoformat(redone["settlement"]["due_at"]) - first_due >= timedelta(days=3)

    await stack.act(sid, "submit-settlement", me, {"lines": [{"item": "인건비", "amount": 50_000_000}]})
    approved = await stack.act(sid, "approve-settlement", stack.as_role(FO))
    report = approved["settlement"]
    paid = sum(t["amount"] for t in approved["tranches"] if t["status"] == "paid")
    assert (paid, report["spent"], report["refund_due"]) == (56_000_000, 50_000_000, 6_000_000)
    done = await stack.wait_phase(sid, "completed")
    assert "promote" in done["allowed_actions"]  # grade A: the first evaluation's B no longer stands
    entries = (await stack.call("GET", f"/startups/{sid}/history", stack.as_role(Role.AUDITOR)))["entries"]
    assert [(e["details"]["grade"], e["actor_name"]) for e in entries if e["action"] == "final-evaluation"] == [
        ("B", "evaluator"), ("A", "evaluator-2")]
    assert [e["action"] for e in entries if "settlement" in e["action"]] == ["submit-settlement", "approve-settlement"]


async def test_a_waitlisted_startup_selected_while_its_appeal_waits_has_the_appeal_closed_as_moot(
        stack: Stack, site: httpx.AsyncClient) -> None:
    program = await stack.program(slots=1, budget=80_000_000)
    first, second = await stack.apply(program), await stack.apply(program)
    await select(stack, program, {first: 90, second: 80})
    await stack.wait_phase(second, "waitlisted")
    await stack.act(second, "file-appeal", stack.as_startup(second.rsplit(":", 1)[1]),
                    {"kind": "selection", "reasons": "발표평가 점수 합산 오류"})
    # The selected startup gives up its slot: the waitlisted one is offered it while its appeal waits.
    await stack.act(first, "withdraw", stack.as_startup(first.rsplit(":", 1)[1]), {"reason": "사업 포기"})
    selected = await stack.wait_until_state(
        second, lambda s: s["phase"] == "selected" and s["appeals"]["appeals"][0]["status"] == "moot", "appeal moot")
    assert "decide-appeal" not in selected["allowed_actions"] and selected["appeals"]["appeals"][0]["decided_at"]
    # No longer waits on the panel: the inbox is the read model's, which the projection after the
    # change writes (the live state above is the workflow's own, so it may be ahead by that write).
    await wait_until(lambda: stack.call("GET", f"/me/inbox?program_id={program.id}", stack.as_role(PO, "panel-a")),
                     lambda inbox: not [i for i in inbox["items"] if i["kind"] == "decide_appeal"],
                     what="the panel's appeal work item gone from the inbox")
    entries = (await stack.call("GET", f"/startups/{second}/history", stack.as_role(Role.AUDITOR)))["entries"]
    moot = next(e for e in entries if e["action"] == "appeal_moot")
    assert (moot["actor_name"], moot["reason"], moot["details"]["appeal"]) == (
        "program call", "selected from the waitlist while the appeal waited", 1)
    report = await stack.call("GET", f"/programs/{program.id}/report", stack.as_role(Role.AUDITOR))
    assert [report["appeals"][k] for k in ("filed", "upheld", "dismissed", "pending", "moot")] == [1, 0, 0, 0, 1]
    assert report["appeals"]["mean_days_to_decide"] is None  # closed, not decided
    await sign_in(site, stack, "moot.reader", ["program_officer"])
    page = await site.get(f"/console/startups/{second}")
    assert "종결 (선정)" in page.text and "예비 후보에서 선정되어 심의하지 않고 종결했습니다." in page.text
    await _capture("lifecycle-appeal-moot", await stack.call("GET", f"/startups/{second}/history?format=temporal",
                                                             stack.as_role(Role.AUDITOR)))


async def test_the_call_waits_past_the_waitlist_for_an_application_scored_again(stack: Stack) -> None:
    """The waitlist's validity runs out while an upheld appeal's application is scored again: the call
    stays until it is ranked (no waitlist left: rejected when no slot is free), then ends."""
    program = await stack.program(slots=1, budget=80_000_000)
    first, second = await stack.apply(program), await stack.apply(program)
    await select(stack, program, {first: 90, second: 10})
    await stack.wait_phase(second, "rejected")
    me = stack.as_startup(second.rsplit(":", 1)[1])
    await stack.act(second, "file-appeal", me, {"kind": "selection", "reasons": "평가 자료 누락"})
    await stack.act(second, "decide-appeal", stack.as_role(PO, "panel-a"), {"decision": "uphold", "reason": "재평가"})
    await wait_until(lambda: stack.call_status(program.id), lambda c: c["returned_to_review"], what="back in review")
    handle = stack.program_handle(program.id)
    await stack.skipper.fast_forward(handle, timedelta(days=program.policy.waitlist_valid_days + 1))
    waiting = await wait_until(lambda: stack.call_status(program.id), lambda c: c["waitlist_expired"],
                               what="the waitlist expired")
    assert waiting["over"] is False
    await stack.act(second, "score", stack.as_role(EV, "evaluator-2"), {"round": "document", "score": 80})
    rejected = await stack.wait_phase(second, "rejected")
    assert rejected["appeals"]["appeals"][0]["status"] == "upheld"
    entries = (await stack.call("GET", f"/startups/{second}/history", stack.as_role(Role.AUDITOR)))["entries"]
    assert [e["reason"] for e in entries if e["action"] == "selection"][-1] == "waitlist expired"
    # That rejection is a new result: the call ends once its appeal window has closed unappealed.
    assert (await stack.call_status(program.id))["over"] is False
    await stack.skipper.fast_forward(handle, timedelta(days=program.appeals.window_days + 2))
    ended = await handle.result()
    assert ended["over"] is True and ended["returned_to_review"] == []
