"""The selection is answered once it is decided, and each lifecycle is told after (patch
selection-answered-first): the officer's answer does not wait for a signal to every applicant,
which with a thousand applicants took longer than the API waits for an Update. Every applicant
still hears its own decision, the selected one with its agreement deadline. The call's history is
saved for the replay test."""

from typing import Any

from tests.conftest import Stack, wait_until
from tests.flows import select
from tests.workflows.test_appeal_outcomes import _capture


def _kinds(history: dict[str, Any]) -> list[str]:
    return [e["eventType"] for e in history["events"]]


async def test_the_selection_answers_before_its_applicants_are_told_and_each_hears_its_decision(
        stack: Stack) -> None:
    program = await stack.program(slots=1, budget=80_000_000)
    first, second, third = [await stack.apply(program) for _ in range(3)]
    result = await select(stack, program, {first: 90, second: 80, third: 10})
    assert (result["selected"], result["waitlisted"], result["rejected"]) == ([first], [second], [third])

    selected = await stack.wait_phase(first, "selected")
    assert selected["agreement_due_at"] is not None
    await stack.wait_phase(second, "waitlisted")
    await stack.wait_phase(third, "rejected")
    status = await wait_until(lambda: stack.call_status(program.id), lambda c: c["to_tell"] == {},
                              what="every decision sent")
    assert status["finalized_at"] is not None and status["holding_slots"] == [first.rsplit(":", 1)[1]]

    history = (await stack.program_handle(program.id).fetch_history()).to_json_dict()
    kinds = _kinds(history)
    # The selection is the call's last Update (the applications came before it); the window may close
    # by its timer or by the time skipping, so no timer event is looked for.
    answered = max(i for i, kind in enumerate(kinds) if kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED")
    told = [i for i, kind in enumerate(kinds) if kind == "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED"]
    # The selection's answer is recorded no later than its first decision is sent: it waits for none.
    assert len(told) == 3 and answered < told[0]
    await _capture("program-call-selection-answered-first", history)
