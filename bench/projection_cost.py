"""`python -m bench.projection_cost`: the CPU one lifecycle's projections cost the worker, in one
process, without Temporal.

The projections are the `project_startup` inputs of saved lifecycle histories (tests/histories/),
decoded once; each round applies every lifecycle's projections, in their order, as a startup of its
own (the startup id rewritten) to one SQLite read model migrated to head, as the worker does
(`store.db.make_engine(writer=True)`, `store.projection.apply_projection`), so the tables grow as
in a run. The figure is the applying thread's CPU (`time.thread_time`), which other processes'
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

from domain.io import PROJECT_STARTUP, Projection
from store.db import make_engine, migrate, session_scope
from store.projection import apply_projection

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"
# Whole lives with the newest patches: notification events, the budget ledger, the settlement.
DEFAULT = ("lifecycle-notify-outbox", "lifecycle-settlement-from-ledger", "lifecycle-budget-change-notices",
           "lifecycle-promoted", "lifecycle-amendments")
AUDIT_KEY = b"k" * 32


def projections_of(stem: str) -> tuple[str, list[str]]:
    """(startup id, the projections' JSON in history order) of one saved history."""
    events = json.loads((HISTORIES / f"{stem}.json").read_text())["events"]
    raw = [base64.b64decode(a["input"]["payloads"][0]["data"]).decode()
           for e in events if (a := e.get("activityTaskScheduledEventAttributes"))
           and a["activityType"]["name"] == PROJECT_STARTUP]
    return json.loads(raw[0])["state"]["startup_id"], raw


def as_startup(texts: list[str], original: str, copy: str) -> list[Projection]:
    """The projections as a startup of their own: its id (and so its events' and money's keys) renamed."""
    return [Projection.model_validate_json(t.replace(original, copy)) for t in texts]


def measure(stems: list[str], rounds: int, database: Path) -> dict[str, Any]:
    url = f"sqlite:///{database}"
    migrate(url)
    engine = make_engine(url, writer=True)
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
                with session_scope(engine) as session:
                    apply_projection(session, projection, AUDIT_KEY)
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
        "cpu_ms_per_lifecycle": {stem: {"projections": len(texts), "median": round(1000 * statistics.median(spent), 2)}
                                 for stem, (_, texts), spent in zip(stems, lives, per_life.values(), strict=True)},
        "wall_s": round(wall, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projection_cost", description=__doc__)
    parser.add_argument("--history", action="append", help="a saved history's stem (repeatable)")
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
