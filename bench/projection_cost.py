"""`python -m bench.projection_cost`: the CPU one lifecycle's projections cost the worker, in one
process, without Temporal.

The projections are the `project_startup` inputs of saved lifecycle histories (tests/histories/,
or any history file given by its path: the bench's own lifecycle, saved from a bench stack), decoded
once; each round writes every lifecycle's projections, in their order, as a startup of its own (the
startup id rewritten) to one SQLite read model migrated to head, as the worker's projection activity
does on its thread (`store.db.make_engine(writer=True)`, `ReadModelActivities._write`: the changes
merged onto the row's state, then `store.projection.apply_projection`), so the tables grow as in a
run. The figure is the applying thread's CPU (`time.thread_time`), which other processes'
load changes far less than the wall time; run the old and the new code in turn on the same
machine to compare them. Writes JSON to --out (default: stdout)."""

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from activities.read_model import ReadModelActivities
from domain.io import PROJECT_STARTUP, ProjectionInput
from store.db import make_engine, migrate

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"
# Whole lives with the newest patches: notification events, the budget ledger, the settlement.
DEFAULT = ("lifecycle-notify-outbox", "lifecycle-settlement-from-ledger", "lifecycle-budget-change-notices",
           "lifecycle-promoted", "lifecycle-amendments")
AUDIT_KEY = b"k" * 32


INPUT: TypeAdapter[ProjectionInput] = TypeAdapter(ProjectionInput)


def projections_of(history: str) -> tuple[str, list[str]]:
    """(startup id, the projections' JSON in history order) of one history: a saved one's stem or a
    file's path."""
    path = Path(history) if history.endswith(".json") else HISTORIES / f"{history}.json"
    events = json.loads(path.read_text())["events"]
    raw = [base64.b64decode(a["input"]["payloads"][0]["data"]).decode()
           for e in events if (a := e.get("activityTaskScheduledEventAttributes"))
           and a["activityType"]["name"] == PROJECT_STARTUP]
    first = json.loads(raw[0])
    return first["state"]["startup_id"] if "state" in first else first["startup_id"], raw


def as_startup(texts: list[str], original: str, copy: str) -> list[ProjectionInput]:
    """The projections as a startup of their own: its id (and so its events' and money's keys) renamed."""
    return [INPUT.validate_json(t.replace(original, copy)) for t in texts]


def measure(stems: list[str], rounds: int, database: Path) -> dict[str, Any]:
    url = f"sqlite:///{database}"
    migrate(url)
    engine = make_engine(url, writer=True)
    activity = ReadModelActivities(engine, AUDIT_KEY)
    lives = [projections_of(stem) for stem in stems]
    per_projection: list[float] = []
    per_life: dict[str, list[float]] = {stem: [] for stem in stems}
    wall = 0.0
    for copy in range(rounds):
        for stem, (original, texts) in zip(stems, lives, strict=True):
            projections = as_startup(texts, original, f"{original}-{copy}")
            spent = 0.0
            for projection in projections:
                cpu, start = time.thread_time(), time.perf_counter()
                activity._write(projection)
                used = time.thread_time() - cpu
                wall += time.perf_counter() - start
                per_projection.append(used)
                spent += used
            per_life[stem].append(spent)
    engine.dispose()
    warm = per_projection[len(per_projection) // 10:]  # the first round's imports and caches apart
    return {
        "rounds": rounds, "projections": len(per_projection),
        "cpu_ms_per_projection": {"mean": round(1000 * statistics.fmean(warm), 3),
                                  "median": round(1000 * statistics.median(warm), 3)},
        "cpu_ms_per_lifecycle": {Path(stem).stem: {"projections": len(texts), "median": round(1000 * statistics.median(spent), 2)}
                                 for stem, (_, texts), spent in zip(stems, lives, per_life.values(), strict=True)},
        "wall_s": round(wall, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projection_cost", description=__doc__)
    parser.add_argument("--history", action="append", help="a saved history's stem or a history file (repeatable)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="axflow-projection-cost-") as folder:
        result = measure(args.history or list(DEFAULT), args.rounds, Path(folder) / "read.db")
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
