"""Replaying exported histories against the current workflow code (`axflow audit verify FILE`).

A history that no longer replays means the code changed in a way that would break workflows
still open with that history: such a change needs `workflow.patched`.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from axflow.history import projections
from workflows.followup import FollowUp
from workflows.lifecycle import StartupLifecycle
from workflows.program_call import ProgramCall


@dataclass
class ReplayReport:
    file: str
    runs: int
    deterministic: bool
    error: str | None
    final_phase: str | None
    final_version: int | None


def load_histories(path: Path) -> list[WorkflowHistory]:
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    runs = data if isinstance(data, list) else [data]
    return [WorkflowHistory.from_json(f"{path.stem}-{i}", run) for i, run in enumerate(runs)]


async def verify(path: Path, workflows: list[type] | None = None) -> ReplayReport:
    histories = load_histories(path)
    replayer = Replayer(workflows=workflows or [StartupLifecycle, ProgramCall, FollowUp],
                        data_converter=pydantic_data_converter)
    error = None
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            error = f"{type(result.replay_failure).__name__}: {result.replay_failure}"
            break
    recorded = await projections(pydantic_data_converter, histories)
    last = recorded[-1].state if recorded else None
    return ReplayReport(file=str(path), runs=len(histories), deterministic=error is None, error=error,
                        final_phase=last.phase.value if last else None, final_version=last.version if last else None)


def report_json(report: ReplayReport) -> str:
    return json.dumps(asdict(report), ensure_ascii=False, indent=2)
