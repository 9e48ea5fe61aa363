"""The program call does not end while a selection appeal of one of its applicants waits (patches
tell-call-of-appeals in the lifecycle, call-waits-for-appeals in the call): the waitlist's validity
runs out with two rejections appealed; a dismissal leaves the call open for the other, upheld after
the expiry and scored again, which the call still ranks (the slot a selected startup gave up), then
ends. The call's history is saved for the replay test."""

from datetime import timedelta

from domain.phases import Role
from tests.conftest import Stack, wait_until
from tests.flows import EV, PO, select
from tests.workflows.test_appeal_outcomes import _capture


async def test_the_call_stays_open_until_the_selection_appeals_of_its_applicants_are_decided(stack: Stack) -> None:
    program = await stack.program(slots=1, budget=80_000_000)
    first, second, third = [await stack.apply(program) for _ in range(3)]
    brn = {sid: sid.rsplit(":", 1)[1] for sid in (first, second, third)}
    await select(stack, program, {first: 90, second: 10, third: 5})
    for sid in (second, third):
        await stack.wait_phase(sid, "rejected")
        await stack.act(sid, "file-appeal", stack.as_startup(brn[sid]), {"kind": "selection", "reasons": "평가 자료 누락"})
    await wait_until(lambda: stack.call_status(program.id),
                     lambda c: sorted(c["appeals_pending"]) == sorted([brn[second], brn[third]]), what="appeals heard")
    handle = stack.program_handle(program.id)
    await stack.skipper.fast_forward(handle, timedelta(days=program.policy.waitlist_valid_days + 1))
    expired = await wait_until(lambda: stack.call_status(program.id), lambda c: c["waitlist_expired"],
                               what="the waitlist expired")
    assert expired["over"] is False  # two appeals wait

    panel = stack.as_role(PO, "panel-a")
    await stack.act(third, "decide-appeal", panel, {"decision": "dismiss", "reason": "점수 산정 적정"})
    waiting = await wait_until(lambda: stack.call_status(program.id), lambda c: c["appeals_pending"] == [brn[second]],
                               what="the dismissal heard")
    assert waiting["over"] is False  # the other still waits
    # The selected startup gives up its slot before any money moved: free, with nobody waiting.
    await stack.act(first, "withdraw", stack.as_startup(brn[first]), {"reason": "사업 포기"})
    await stack.act(second, "decide-appeal", panel, {"decision": "uphold", "reason": "자료 누락 확인, 재평가"})
    await wait_until(lambda: stack.call_status(program.id),
                     lambda c: c["returned_to_review"] == [brn[second]] and c["holding_slots"] == [],
                     what="back in review, the slot free")
    await stack.act(second, "score", stack.as_role(EV, "evaluator-2"), {"round": "document", "score": 80})
    selected = await stack.wait_phase(second, "selected")
    assert selected["agreement_due_at"] is not None
    ended = await handle.result()
    assert ended["over"] is True and ended["appeals_pending"] == [] and ended["holding_slots"] == [brn[second]]
    entries = (await stack.call("GET", f"/startups/{second}/history", stack.as_role(Role.AUDITOR)))["entries"]
    assert [e["to_phase"] for e in entries if e["action"] == "selection"] == ["rejected", "selected"]
    await _capture("program-call-appeals-pending", (await handle.fetch_history()).to_json_dict())
    await _capture("lifecycle-appeal-told-call", await stack.call("GET", f"/startups/{second}/history?format=temporal",
                                                                  stack.as_role(Role.AUDITOR)))


async def test_a_rejection_the_call_makes_after_the_expiry_may_be_appealed_and_is_ranked_again(stack: Stack) -> None:
    """Upheld before the expiry, scored again after it with no slot free: rejected again, a new result.
    The call stays open while its window runs; appealed and upheld again, scored into the slot a
    selected startup gave up meanwhile, the application is selected, and the call ends."""
    program = await stack.program(slots=1, budget=80_000_000)
    first, second = await stack.apply(program), await stack.apply(program)
    brn, me = {sid: sid.rsplit(":", 1)[1] for sid in (first, second)}, stack.as_startup(second.rsplit(":", 1)[1])
    await select(stack, program, {first: 90, second: 10})
    await stack.wait_phase(second, "rejected")
    panel = stack.as_role(PO, "panel-a")
    await stack.act(second, "file-appeal", me, {"kind": "selection", "reasons": "평가 자료 누락"})
    await stack.act(second, "decide-appeal", panel, {"decision": "uphold", "reason": "재평가"})
    handle = stack.program_handle(program.id)
    await stack.skipper.fast_forward(handle, timedelta(days=program.policy.waitlist_valid_days + 1))
    await stack.act(second, "score", stack.as_role(EV, "evaluator-2"), {"round": "document", "score": 80})
    await stack.wait_until_state(second, lambda s: s["phase"] == "rejected" and s["appeals"]["appeals"][0]["status"]
                                 == "upheld", "rejected again")
    late = await wait_until(lambda: stack.call_status(program.id), lambda c: c["late_appeals_until"],
                            what="the late result's window")
    assert late["over"] is False and late["waitlist_expired"] is True

    await stack.act(second, "file-appeal", me, {"kind": "selection", "reasons": "재평가 점수 합산 오류"})
    await stack.act(first, "withdraw", stack.as_startup(brn[first]), {"reason": "사업 포기"})
    await stack.act(second, "decide-appeal", panel, {"decision": "uphold", "reason": "합산 오류 확인"})
    await stack.act(second, "score", stack.as_role(EV, "evaluator-3"), {"round": "document", "score": 85})
    await stack.wait_phase(second, "selected")
    await stack.skipper.fast_forward(handle, timedelta(days=program.appeals.window_days + 2))
    ended = await handle.result()
    assert ended["over"] is True and ended["holding_slots"] == [brn[second]]
    assert [r["decision"] for r in ended["reranked"]] == ["rejected", "selected"]
    await _capture("program-call-late-appeal", (await handle.fetch_history()).to_json_dict())
