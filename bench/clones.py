"""Many open lifecycles at once: real StartupLifecycle workflows, each carrying on from a copy of
a real PoC state (the continue-as-new path), with its kickoff milestone due when the bench says."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.driver import ApiDriver, bench_brn, run_concurrently
from bench.stack import BenchStack
from domain.io import LifecycleInput
from domain.program import ProgramDefinition
from domain.state import SYSTEM_WORKFLOW, Application, StartupState
from workflows.lifecycle import StartupLifecycle


async def clone_program(driver: ApiDriver, template: StartupState, name: str) -> ProgramDefinition:
    """A registered program for a set of clones (its own id, so its rows can be counted)."""
    program = await driver.program(slots=1)
    definition = program.model_copy(update={"id": f"{program.id}-{name}", "name": f"bench {name}"})
    await driver.call(driver.admin, "POST", "/programs", json.loads(definition.model_dump_json()), 201)
    return definition


def clone_state(template: StartupState, program: ProgramDefinition, serial: int, kickoff_due: datetime) -> StartupState:
    brn = bench_brn(serial)
    milestones = []
    for m in template.milestones:
        due = kickoff_due if m.key == "kickoff" else m.due_at + timedelta(days=365)
        # The reminders before the kickoff are taken as sent: the bench times the due instant alone.
        milestones.append(m.model_copy(update={"due_at": due, "original_due_at": due,
                                               "reminders_sent": [7, 3, 1] if m.key == "kickoff" else []}))
    return template.model_copy(update={
        "startup_id": f"startup:{program.id}:{brn}", "program_id": program.id, "program_name": program.name,
        "brn": brn, "company_name": f"클론AI {serial}", "milestones": milestones, "version": 1})


async def start_clones(stack: BenchStack, template: StartupState, program: ProgramDefinition,
                       serials: range, kickoff_due: Callable[[int], datetime], concurrency: int = 50) -> list[str]:
    ids: list[str] = []

    async def start(serial: int) -> None:
        state = clone_state(template, program, serial, kickoff_due(serial))
        application = Application(brn=state.brn, company_name=state.company_name, founded_on=state.founded_on,
                                  task_id=state.task_id or "SF-01", representative="홍길동",
                                  email="ceo@bench-ai.kr", proposal_title="AI PoC")
        await stack.client.start_workflow(
            StartupLifecycle.run,
            LifecycleInput(program=program, application=application, applicant=SYSTEM_WORKFLOW,
                           applied_at=datetime.now(UTC), resume=state),
            id=state.startup_id, task_queue=stack.settings.task_queue)
        ids.append(state.startup_id)

    await run_concurrently(serials, concurrency, start)
    return ids
