"""`make test`: the whole suite as two pytest processes side by side, one per core.

Most of the suite waits on one core at a time (a Temporal server, a worker, the API and a browser
taking turns), so two shards, each with its own embedded stack, finish in a little over half the
time. Every test file is in exactly one shard, balanced by the seconds each is known to take. The
tests that leave workflows without a worker (marked `strands_workflows`) stay in one shard with the
schema fuzzer, which conftest.py orders before them, as in a single run. With arguments (`python -m
tests.run tests/test_money.py -x`), it runs one plain pytest with them instead.

Each shard's lines are printed as they come, prefixed with its name. The exit status is the first
failing shard's (pytest's own: 1 failed, 5 collected nothing), else 0."""

import asyncio
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# The shard that runs the tests which strand workflows, and the fuzzer that must run before them.
LATE = ("api/test_schema_fuzz.py", "operations/test_scale_out.py", "operations/test_worker_kill.py",
        "operations/test_restarts.py", "operations/test_tracing.py")
# Seconds per file measured on the 2-core machine (the rest count as a few seconds each), to
# balance the shards. Each shard prints its slowest tests at the end: refresh these from there.
WEIGHTS = {
    "api/test_schema_fuzz.py": 165, "operations/test_scale_out.py": 60, "bench/test_bench_smoke.py": 75,
    "api/test_concurrent_reauthentication.py": 25,
    "bench/test_long_rows.py": 35, "bench/test_followup_rows.py": 40,
    "operations/test_supervision.py": 60, "operations/test_worker_kill.py": 35, "workflows/test_money.py": 45,
    "workflows/test_deadlines.py": 70, "workflows/test_refused_transitions.py": 60,
    "workflows/test_retries_races_revisions.py": 35, "workflows/test_documents_in_actions.py": 20,
    "domain/test_action_rules.py": 25, "api/test_action_schema.py": 25, "pages/test_dashboard.py": 15,
    "workflows/test_replay.py": 30,
    "api/test_inbox.py": 15, "api/test_access.py": 20, "activities/test_notifications.py": 25, "store/test_users.py": 15,
    "axflow/test_demo.py": 50, "deploy/test_production_topology.py": 25, "deploy/test_packaging.py": 15,
    "security/test_signin_throttle.py": 45, "security/test_account_lifecycle.py": 40,
    "security/test_company_ownership.py": 20, "security/test_conflicts_follow_person.py": 20,
    "security/test_page_policy.py": 15, "security/test_oidc_attacks.py": 10,
    "security/test_representative_binding.py": 25, "security/test_representative_guesses.py": 20,
    "browser/test_portal.py": 110, "browser/test_console_walk.py": 45, "browser/test_console_desks.py": 45,
    "browser/test_console_audit.py": 60, "browser/test_program_call.py": 25, "browser/test_language.py": 15,
    "browser/test_agreement.py": 25, "browser/test_company_binding.py": 25, "browser/test_account.py": 45,
    "browser/test_changes_and_appeals.py": 40, "workflows/test_amendment_kinds.py": 15,
    "browser/test_single_sign_on.py": 15, "browser/test_readable.py": 55, "browser/test_budget_portal.py": 30,
    "browser/test_budget_console.py": 30, "pages/test_budget_pages.py": 1,
    "api/test_evaluator_pool.py": 8, "browser/test_evaluator_pool.py": 18,
    "workflows/test_budget_lifecycle.py": 15, "workflows/test_settlement_from_ledger.py": 15,
    "workflows/test_amendments.py": 10, "pages/test_amendment_forms.py": 1, "workflows/test_appeals.py": 18,
    "workflows/test_patches_in_force.py": 8,
    "workflows/test_appeal_outcomes.py": 30, "workflows/test_appeal_call_end.py": 20,
    "workflows/test_selection_answered_first.py": 8,
    "workflows/test_appeal_panel_change.py": 10,
    "workflows/test_followup.py": 45, "workflows/test_followup_flags.py": 25,
    "workflows/test_followup_restart.py": 12,
    "browser/test_followup_portal.py": 10, "browser/test_outcomes_console.py": 10,
    "browser/test_outcome_evidence.py": 15,
}
DEFAULT_WEIGHT = 6


def units() -> list[str]:
    """What is scheduled: every test file under tests/, by its path there (`workflows/test_money.py`,
    `browser/test_portal.py`; a shard with browser files starts its own Chromium)."""
    return sorted(p.relative_to(TESTS).as_posix() for p in TESTS.rglob("test_*.py"))


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
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--durations=25", "--basetemp", basetemp, *paths,
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
    for name, code in zip(("1", "2"), codes, strict=True):
        print(f"shard {name}: exit {code} · {summaries.get(name, 'no summary line')}")
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    if sys.argv[1:]:
        import pytest

        raise SystemExit(pytest.main(sys.argv[1:]))
    raise SystemExit(asyncio.run(main()))
