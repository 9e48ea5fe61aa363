"""The follow-up rows (`--only followup`: the worker's memory with open follow-ups, the yearly burst
of surveys opening at one instant, the outcomes over a seeded read model) run end to end at toy
sizes on one stack and land in the report, so that they cannot rot between the runs that measure
them."""

import json
import subprocess
import sys
from pathlib import Path


def test_the_follow_up_rows_run_and_are_reported(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--one-stack", "--only", "followup",
                          "--size", "followups=12", "--size", "survey_burst=8", "--size", "outcome_companies=50",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "bench" / "results.json").read_text())["results"]
    assert set(results) == {"followup_memory", "followup_burst", "followup_outcomes"}

    memory = results["followup_memory"]  # every follow-up started and its timer armed, the RSS read
    assert memory["followups"] == 12 and memory["worker_rss_mb"] > 0 and memory["started_per_s"] > 0

    burst = results["followup_burst"]  # every company asked once its survey opened, none before
    assert burst["n"] == burst["surveys"] == 8 and burst["armed_margin_s"] > 0
    assert 0 <= burst["first_s"] <= burst["p50_s"] <= burst["last_s"] and burst["workflow_clock_p50_s"] >= 0

    outcomes = results["followup_outcomes"]  # every company counted, each cohort's years in rows
    assert (outcomes["companies"], outcomes["cohorts"]) == (50, 5) and outcomes["outcome_rows"] == 25
    assert outcomes["api"]["n"] == outcomes["console"]["n"] == 5

    report = (tmp_path / "BENCHMARKS.md").read_text()
    assert "12 open follow-ups" in report and "a cohort of 8 whose surveys" in report
    assert "The outcomes at 50 companies × 5 years" in report
