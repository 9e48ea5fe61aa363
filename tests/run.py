"""`make test`: the whole suite as two pytest processes side by side, one per core.

Most of the suite waits on one core at a time (a Temporal server, a worker, the API and a browser
taking turns), so two shards, each with its own embedded stack, finish in a little over half the
time. Every test file is in exactly one shard. The tests that leave workflows without a worker
(marked `strands_workflows`) stay in one shard with the schema fuzzer, which conftest.py orders
before them, as in a single run. With arguments (`python -m tests.run tests/test_money.py -x`), it
runs one plain pytest with them instead.

Each shard's lines are printed as they come, prefixed with its name. The exit status is the first
failing shard's (pytest's own: 1 failed, 5 collected nothing), else 0."""

import asyncio
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# The shard that runs the tests which strand workflows, and the fuzzer that must run before them.
LATE = ("test_schema_fuzz.py", "test_scale_out.py", "test_worker_kill.py", "test_restarts.py", "test_tracing.py")
# Seconds per file measured on the 2-core machine (the rest count as a few seconds each), to
# balance the shards.
WEIGHTS = {
    "browser": 200, "test_schema_fuzz.py": 120, "test_scale_out.py": 45, "test_bench_smoke.py": 55,
    "test_supervision.py": 60, "test_worker_kill.py": 35, "test_money.py": 75, "test_deadlines.py": 70,
    "test_transitions.py": 60, "test_lifecycle_fixes.py": 35, "test_documents_in_actions.py": 20,
    "test_action_rules.py": 25, "test_action_schema.py": 25, "test_dashboard.py": 15, "test_replay.py": 25,
    "test_inbox.py": 15, "test_access.py": 20, "test_notifications.py": 25, "test_users.py": 15,
}
DEFAULT_WEIGHT = 6


def units() -> list[str]:
    """What is scheduled: the browser folder as one unit (one Chromium), and each other file,
    the security regressions' files included (as `security/test_….py`)."""
    return (["browser"] + sorted(p.name for p in TESTS.glob("test_*.py"))
            + sorted(f"security/{p.name}" for p in (TESTS / "security").glob("test_*.py")))


def shards() -> tuple[list[str], list[str]]:
    late = [unit for unit in units() if unit in LATE]
    early: list[str] = []
    load = {"early": 0, "late": sum(WEIGHTS.get(u, DEFAULT_WEIGHT) for u in late)}
    for unit in sorted((u for u in units() if u not in LATE), key=lambda u: -WEIGHTS.get(u, DEFAULT_WEIGHT)):
        side = "early" if load["early"] <= load["late"] else "late"
        (early if side == "early" else late).append(unit)
        load[side] += WEIGHTS.get(unit, DEFAULT_WEIGHT)
    return early, late


async def run_shard(name: str, files: list[str]) -> int:
    paths = [str(TESTS / unit) for unit in files]
    # A temporary folder per shard: two pytest processes must not clean up each other's.
    basetemp = tempfile.mkdtemp(prefix=f"axflow-tests-{name}-")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp", basetemp, *paths,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    async for line in proc.stdout:
        text = line.decode(errors="replace")
        sys.stdout.write(f"[{name}] {text}")
        sys.stdout.flush()
        if " in " in text and ("passed" in text or "failed" in text or "error" in text or "no tests ran" in text):
            summaries[name] = text.strip().strip("= ")
    return await proc.wait()


summaries: dict[str, str] = {}


async def main() -> int:
    early, late = shards()
    codes = await asyncio.gather(run_shard("1", early), run_shard("2", late))
    for name, code in zip(("1", "2"), codes):
        print(f"shard {name}: exit {code} · {summaries.get(name, 'no summary line')}")
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    if sys.argv[1:]:
        import pytest

        raise SystemExit(pytest.main(sys.argv[1:]))
    raise SystemExit(asyncio.run(main()))
