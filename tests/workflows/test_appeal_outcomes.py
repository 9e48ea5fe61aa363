"""What an upheld appeal changes after the decision, in real lifecycles and a real program call:
an application re-scored after its selection appeal is ranked again by the program call (a free
slot offered to it with the selection notice, else its place on the waitlist by score). The
program call's history of the walk is saved for the replay test."""

import json
import os
from pathlib import Path
from typing import Any

from domain.phases import Role
from tests.conftest import Stack, wait_until
from tests.flows import EV, PO, select

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
