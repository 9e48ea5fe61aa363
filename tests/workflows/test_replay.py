"""Replay: saved histories of complete lifecycles (captured from real runs) must replay against the
current code, an exported history verifies with `axflow audit verify`, and a non-deterministic
change to the workflow is caught.

To capture fresh histories after a deliberate, patched change: AXFLOW_CAPTURE_HISTORIES=1 make test.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.contrib.pydantic import pydantic_data_converter

from axflow.history import projections, transitions
from axflow.replay import load_histories, verify
from domain.io import LifecycleInput
from domain.phases import Role
from domain.program import DeadlinePolicy
from domain.state import StartupState
from tests.conftest import Stack, wait_until
from tests.flows import PO, drive, match, pay, select, sign
from workflows.lifecycle import StartupLifecycle
from workflows.program_call import ProgramCall

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
SAVED = sorted(HISTORIES.glob("*.json"))


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
async def test_saved_histories_replay_with_the_current_code(path: Path) -> None:
    report = await verify(path)
    assert report.deterministic, report.error
    assert report.final_phase is not None or path.stem.startswith(("program", "followup"))


def test_there_are_saved_histories_of_every_kind() -> None:
    assert {"lifecycle-promoted", "lifecycle-lapsed", "lifecycle-suspended", "lifecycle-business-clocks",
            "lifecycle-agreement-two-step", "lifecycle-notified", "lifecycle-audit-anchored",
            "program-call", "followup-two-years", "lifecycle-budget-ledger",
            "lifecycle-notify-outbox", "lifecycle-settlement-from-ledger", "lifecycle-budget-versions",
            "lifecycle-followup-started", "followup-projected",
            "followup-checked-figures", "followup-delivered", "lifecycle-amendments", "lifecycle-appeals",
            "lifecycle-budget-change-notices", "program-call-after-appeal", "lifecycle-amendment-kinds",
            "followup-revenue-check", "followup-status-notices", "lifecycle-appeal-moot",
            "lifecycle-appeal-reranked", "program-call-appeals-pending",
            "lifecycle-appeal-told-call", "lifecycle-wake-timer-kept",
            "program-call-late-appeal", "program-call-selection-answered-first"} <= {p.stem for p in SAVED}


async def test_a_lifecycle_under_the_notification_outbox_replays_without_delivery_activities() -> None:
    """From patch notify-outbox on, notification events are recorded by the projections (the
    dispatcher delivers them); older histories (lifecycle-notified) ran one activity per event."""
    path = HISTORIES / "lifecycle-notify-outbox.json"
    report = await verify(path)
    assert report.deterministic, report.error
    recorded = await projections(pydantic_data_converter, load_histories(path))
    keys = [e.key for p in recorded for e in p.events]
    assert "selection_selected" in [e.kind for p in recorded for e in p.events] and len(keys) == len(set(keys))
    scheduled = [e["activityTaskScheduledEventAttributes"]["activityType"]["name"]
                 for e in json.loads(path.read_text())["events"] if "activityTaskScheduledEventAttributes" in e]
    assert "project_startup" in scheduled and "deliver_notification" not in scheduled


async def test_a_lifecycle_under_the_audit_anchor_replays_with_its_anchors() -> None:
    """Each projection's result (where the startup's audit chain ended) is kept in the state from
    patch audit-anchor on; older histories (above) replay without it."""
    path = HISTORIES / "lifecycle-audit-anchored.json"
    report = await verify(path)
    assert report.deterministic, report.error
    recorded = await projections(pydantic_data_converter, load_histories(path))
    anchors = [p.state.audit_anchor for p in recorded]
    assert anchors[0] is None and all(anchors[1:])  # each state carries the anchor of the write before it
    assert [a.count for a in anchors[1:]] == [p.state.transition_count for p in recorded[:-1]]


async def test_the_agreement_in_one_step_and_in_two_steps_both_replay() -> None:
    """A lifecycle from before the two-step agreement (signed by the officer alone) and one under
    it (accepted by the startup, then countersigned) replay with the same code."""
    for name, steps in (("lifecycle-promoted", ["sign-agreement"]),
                        ("lifecycle-agreement-two-step", ["accept-agreement", "sign-agreement"])):
        path = HISTORIES / f"{name}.json"
        report = await verify(path)
        assert report.deterministic, report.error
        trail = transitions(await projections(pydantic_data_converter, load_histories(path)))
        agreement = [t for t in trail if t.action in ("accept-agreement", "sign-agreement")]
        assert [t.action for t in agreement] == steps, name
        if len(steps) == 2:
            accept, sign = agreement
            assert (accept.role, sign.role, sign.to_phase) == (Role.STARTUP, Role.PROGRAM_OFFICER, "contracted")
            assert accept.details["sha256"] == sign.details["sha256"] == sign.details["documents"][0]["sha256"]


async def test_a_lifecycle_with_a_budget_plan_and_a_ledger_replays() -> None:
    """Under patch budget-plan: the plan submitted twice (the second time after the match, which made
    the agreement again), approved by the countersignature, then an expense, its correction and its
    withdrawal, a move notified and one approved, an expense disallowed in part; the last state's
    running hash is the one the last ledger record carried, and it keeps all three plan versions."""
    path = HISTORIES / "lifecycle-budget-ledger.json"
    report = await verify(path)
    assert report.deterministic, report.error
    recorded = await projections(pydantic_data_converter, load_histories(path))
    trail = transitions(recorded)
    budget_steps = [t.action for t in trail if t.action in (
        "submit-budget-plan", "record-expense", "cancel-expense", "request-budget-change", "decide-budget-change",
        "review-expense")]
    assert budget_steps == ["submit-budget-plan", "submit-budget-plan", "record-expense", "record-expense",
                            "cancel-expense", "request-budget-change", "request-budget-change",
                            "decide-budget-change", "record-expense", "review-expense"]
    sign = next(t for t in trail if t.action == "sign-agreement")
    last = recorded[-1].state
    assert last.budget is not None and sign.details["budget_plan_sha256"] == last.budget.plans[0].sha256
    last_record = next(t for t in reversed(trail) if t.action in ("record-expense", "cancel-expense"))
    assert last.budget.ledger_sha256 == last_record.details["ledger_sha256"]
    assert last.budget.disallowed == {"materials": 200_000}
    assert [(p.version, p.basis) for p in last.budget.plans] == [(1, "agreement"), (2, "notice"), (3, "approval")]


@workflow.defn(name="StartupLifecycle", sandboxed=False)  # the sandbox would re-import this test module
class ReorderedLifecycle(StartupLifecycle):
    """A deliberately non-deterministic change: a timer inserted before the lifecycle starts."""

    @workflow.run
    async def run(self, inp: LifecycleInput) -> StartupState:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(inp)


async def test_a_non_deterministic_change_fails_the_replay() -> None:
    report = await verify(HISTORIES / "lifecycle-promoted.json", workflows=[ReorderedLifecycle, ProgramCall])
    assert not report.deterministic
    assert "Nondeterminism" in report.error or "nondeterminism" in report.error.lower()


async def _export(stack: Stack, startup_id: str) -> Any:
    return await stack.call("GET", f"/startups/{startup_id}/history?format=temporal", stack.as_role(Role.AUDITOR))


async def test_an_exported_history_verifies_with_the_cli(stack: Stack, tmp_path: Path) -> None:
    startup = await drive(stack, "completed")
    # The verifier reads the last state the lifecycle published (a projection activity in its
    # history): export once the completion has been published, not merely reached.
    await wait_until(lambda: stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(Role.AUDITOR)),
                     lambda h: any(e["to_phase"] == "completed" for e in h["entries"]), what="the completion published")
    exported = tmp_path / "history.json"
    exported.write_text(json.dumps(await _export(stack, startup.id)))
    done = subprocess.run([str(Path(sys.executable).parent / "axflow"), "audit", "verify", str(exported)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["deterministic"] is True and report["final_phase"] == "completed"


async def test_as_of_state_at_three_dates(stack: Stack) -> None:
    startup = await drive(stack, "contracted")
    # The state as of an instant is the last one published by then: let the contract be published
    # on its own before the money moves (actions sent back to back are published together).
    await wait_until(lambda: stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(Role.AUDITOR)),
                     lambda h: any(e["action"] == "sign-agreement" for e in h["entries"]), what="the contract published")
    await pay(stack, startup.id, "advance")
    history = (await stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(Role.AUDITOR)))["entries"]
    when = {e["action"]: e["at"] for e in history}
    auditor = stack.as_role(Role.AUDITOR)
    for action, phase in (("eligibility_check", "under_review"), ("selection", "selected"),
                          ("sign-agreement", "contracted")):
        past = await stack.http.get(f"/startups/{startup.id}", params={"as_of": when[action]}, headers=auditor)
        assert past.status_code == 200, past.text
        assert past.json()["phase"] == phase and past.json()["allowed_actions"] == []
    before = await stack.http.get(f"/startups/{startup.id}", params={"as_of": "2020-01-01T00:00:00+09:00"},
                                  headers=auditor)
    assert before.status_code == 404
    naive = await stack.http.get(f"/startups/{startup.id}", params={"as_of": "2025-09-01T00:00"}, headers=auditor)
    assert naive.status_code == 422


@pytest.mark.skipif(not os.environ.get("AXFLOW_CAPTURE_HISTORIES"), reason="set AXFLOW_CAPTURE_HISTORIES=1")
async def test_capture_histories(stack: Stack) -> None:
    HISTORIES.mkdir(exist_ok=True)

    async def save(name: str, data: Any) -> None:
        # Histories from before a change are what prove it safe: kept unless asked to overwrite.
        path = HISTORIES / f"{name}.json"
        if not path.exists() or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite":
            path.write_text(json.dumps(data, indent=1) + "\n")

    completed = await drive(stack, "completed")
    next_stage = await stack.next_stage_program()
    await stack.act(completed.id, "promote", stack.as_role(PO), {"target_program_id": next_stage.id})
    await stack.wait_until_state(completed.id, lambda s: s["closed_at"], "closed")
    await save("lifecycle-promoted", await _export(stack, completed.id))
    # Captured after notifications became events for people (patch notify-people).
    await save("lifecycle-notified", await _export(stack, completed.id))

    program = await stack.program(slots=1, budget=80_000_000)
    first, second = await stack.apply(program), await stack.apply(program)
    await select(stack, program, {first: 90, second: 80})
    await stack.wait_until_state(first, lambda s: s["agreement_due_at"], "deadline")
    await stack.skipper.fast_forward(stack.client.get_workflow_handle(first), timedelta(days=20))
    await stack.wait_until_state(first, lambda s: s["closed_at"], "closed")
    await stack.wait_phase(second, "selected")
    await save("lifecycle-lapsed", await _export(stack, first))
    await save("program-call", (await stack.program_handle(program.id).fetch_history()).to_json_dict())

    suspended = await drive(stack, "in_poc")
    handle = stack.client.get_workflow_handle(suspended.id)
    await stack.skipper.fast_forward(handle, timedelta(days=45))
    await stack.wait_phase(suspended.id, "suspended")
    await save("lifecycle-suspended", await _export(stack, suspended.id))

    # Clocks set per kind: business-day milestones, the settlement report reminded and escalated.
    program = await stack.program(policy=DeadlinePolicy.model_validate({"clocks": {
        "milestone": {"unit": "business", "consequence": "none"}, "review": {"unit": "business"}}}))
    late = await drive(stack, "settlement", program)
    await stack.skipper.fast_forward(stack.client.get_workflow_handle(late.id), timedelta(days=31))
    await stack.wait_until_state(late.id, lambda s: s["settlement"]["overdue"], "settlement report overdue")
    await stack.act(late.id, "submit-settlement", late.me(stack), {"lines": [{"item": "인건비", "amount": 56_000_000}]})
    await stack.act(late.id, "approve-settlement", stack.as_role(Role.FINANCE_OFFICER))
    await stack.wait_phase(late.id, "completed")
    await save("lifecycle-business-clocks", await _export(stack, late.id))

    # The agreement in two steps: generated at the match, accepted by the startup, countersigned.
    two_step = await drive(stack, "selected")
    await sign(stack, two_step.id, await match(stack, two_step.id))
    await stack.wait_phase(two_step.id, "contracted")
    await stack.act(two_step.id, "withdraw", two_step.me(stack), {"reason": "사업 포기"})
    await stack.wait_until_state(two_step.id, lambda s: s["closed_at"], "closed")
    await save("lifecycle-agreement-two-step", await _export(stack, two_step.id))

    # Under the audit anchor: each projection's result kept in the state (patch audit-anchor).
    anchored = await drive(stack, "selected")
    await stack.act(anchored.id, "withdraw", anchored.me(stack), {"reason": "사업 포기"})
    await stack.wait_until_state(anchored.id, lambda s: s["closed_at"], "closed")
    await save("lifecycle-audit-anchored", await _export(stack, anchored.id))

    # Under the notification outbox: events ride on the projections, no delivery activity (patch
    # notify-outbox).
    outboxed = await drive(stack, "selected")
    await stack.act(outboxed.id, "withdraw", outboxed.me(stack), {"reason": "사업 포기"})
    await stack.wait_until_state(outboxed.id, lambda s: s["closed_at"], "closed")
    await save("lifecycle-notify-outbox", await _export(stack, outboxed.id))
