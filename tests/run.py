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
import os
import sys
import tempfile
from pathlib import Path

from axflow.ports import LISTEN_PORTS

TESTS = Path(__file__).resolve().parent
# The shard that runs the tests which strand workflows, and the fuzzer that must run before them.
LATE = ("api/test_schema_fuzz.py", "operations/test_scale_out.py", "operations/test_worker_kill.py",
        "operations/test_restarts.py", "operations/test_tracing.py")
# Seconds per file measured on the 2-core machine (the rest count as one each), to balance the
# shards. Each shard prints its files' seconds at the end (tests/conftest.py): refresh these from there.
WEIGHTS = {
    "api/test_schema_fuzz.py": 93, "workflows/test_money.py": 51, "workflows/test_deadlines.py": 46,
    "browser/test_portal.py": 45, "operations/test_scale_out.py": 45, "bench/test_bench_smoke.py": 44,
    "api/test_access.py": 38, "operations/test_supervision.py": 34, "bench/test_followup_rows.py": 29,
    "browser/test_console_audit.py": 29, "bench/test_long_rows.py": 28, "browser/test_console_desks.py": 26,
    "operations/test_worker_kill.py": 26, "workflows/test_refused_transitions.py": 25,
    "browser/test_console_walk.py": 23, "workflows/test_followup.py": 23, "browser/test_readable.py": 20,
    "axflow/test_demo.py": 15, "browser/test_changes_and_appeals.py": 14,
    "workflows/test_retries_races_revisions.py": 14, "browser/test_budget_console.py": 13,
    "api/test_idempotency.py": 12, "workflows/test_replay.py": 11, "api/test_inbox.py": 10,
    "browser/test_budget_portal.py": 10, "deploy/test_production_topology.py": 10,
    "workflows/test_documents_in_actions.py": 10, "api/test_documents.py": 9,
    "workflows/test_lifecycle_stub_activities.py": 9, "browser/test_agreement.py": 8,
    "browser/test_program_call.py": 8, "store/test_database.py": 8, "workflows/test_appeal_outcomes.py": 8,
    "api/test_reads.py": 7, "browser/test_company_binding.py": 7, "deploy/test_packaging.py": 7,
    "operations/test_restarts.py": 7, "security/test_page_policy.py": 7, "workflows/test_appeals.py": 7,
    "browser/test_language.py": 6, "activities/test_eligibility.py": 5, "api/test_audit.py": 5,
    "api/test_signin.py": 5, "browser/test_account.py": 5, "browser/test_evaluator_pool.py": 5,
    "workflows/test_appeal_call_end.py": 5, "browser/test_followup_portal.py": 4,
    "security/test_audit_truncation.py": 4, "security/test_company_ownership.py": 4,
    "store/test_users.py": 4, "workflows/test_slots.py": 4, "activities/test_notifications.py": 3,
    "api/test_applications.py": 3, "api/test_concurrent_reauthentication.py": 3,
    "api/test_oidc_tokens.py": 3, "browser/test_single_sign_on.py": 3, "operations/test_tracing.py": 3,
    "security/test_oidc_attacks.py": 3, "security/test_signin_throttle.py": 3, "store/test_dispatch.py": 3,
    "store/test_document_storage.py": 3, "workflows/test_agreement.py": 3,
    "workflows/test_amendment_kinds.py": 3, "workflows/test_amendments.py": 3,
    "workflows/test_budget_lifecycle.py": 3, "workflows/test_followup_flags.py": 3,
    "workflows/test_lifecycle_end_to_end.py": 3, "workflows/test_projection_changes.py": 3,
    "workflows/test_settlement_from_ledger.py": 3, "api/test_oidc_code_flow.py": 2,
    "axflow/test_user_facing_output.py": 2, "browser/test_outcome_evidence.py": 2,
    "pages/test_console_upload.py": 2, "security/test_account_lifecycle.py": 2,
    "security/test_representative_binding.py": 2, "security/test_upload_bombs.py": 2,
    "store/test_notification_reads.py": 2, "workflows/test_appeal_panel_change.py": 2,
    "workflows/test_followup_restart.py": 2,
}
DEFAULT_WEIGHT = 1


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


def shard_ports(name: str) -> str:
    """The half of axflow.ports.LISTEN_PORTS a shard's servers listen on: a port one shard picked
    and has not bound yet cannot then be picked, and bound first, by the other."""
    half = (LISTEN_PORTS.start + LISTEN_PORTS.stop) // 2
    return f"{LISTEN_PORTS.start}-{half - 1}" if name == "1" else f"{half}-{LISTEN_PORTS.stop - 1}"


async def run_shard(name: str, files: list[str]) -> int:
    paths = [str(TESTS / unit) for unit in files]
    # A temporary folder per shard: two pytest processes must not clean up each other's.
    basetemp = tempfile.mkdtemp(prefix=f"axflow-tests-{name}-")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--durations=25", "--basetemp", basetemp, *paths,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env=os.environ | {"AXFLOW_LISTEN_PORTS": shard_ports(name)})
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
