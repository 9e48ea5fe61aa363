"""The long rows the full bench leaves out unless named (`--only open_memory`, `--only cohort`) run
end to end at toy sizes and land in the report, so that they cannot rot between the runs that
measure them."""

import json
import subprocess
import sys
from pathlib import Path


def test_the_open_memory_and_cohort_rows_run_and_are_reported(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--one-stack", "--only", "open_memory",
                          "--only", "cohort", "--size", "cohort=4", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads((tmp_path / "bench" / "results.json").read_text())
    results = document["results"]
    assert set(results) == {"open_memory", "cohort"}

    memory = results["open_memory"]  # the worker's memory read at each level, all of them started
    assert [level["open_lifecycles"] for level in memory["levels"]] == [3, 9, 30]
    assert all(level["worker_rss_mb"] > 0 and level["server_rss_mb"] > 0 for level in memory["levels"])

    cohort = results["cohort"]  # every lifecycle completed, no error, the read model agreeing
    assert (cohort["lifecycles"], cohort["completed"], cohort["errors"]) == (4, 4, 0), cohort["error_samples"]
    assert cohort["read_model"] == cohort["read_model"] | {"compared": 4, "disagreeing": 0}

    report = (tmp_path / "BENCHMARKS.md").read_text()
    assert "--size cohort=4" in report
    assert "The worker's memory at 30 open lifecycles" in report and "A cohort of 4 lifecycles" in report


def test_a_size_that_does_not_exist_is_refused_by_name() -> None:
    run = subprocess.run([sys.executable, "-m", "bench", "--only", "cohort", "--size", "cohorts=5"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "no size named cohorts" in run.stderr
