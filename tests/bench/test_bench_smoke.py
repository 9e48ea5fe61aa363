"""The benchmark runs end to end (at toy sizes, every measurement on one embedded stack of its own:
starting a stack per measurement took most of the time) and writes its report: a bench that rots
is found by `make test`, while the real figures come from `make bench`."""

import json
import subprocess
import sys
from pathlib import Path


def test_the_bench_runs_every_measurement_and_writes_its_report(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--one-stack", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads((tmp_path / "bench" / "results.json").read_text())
    results = document["results"]
    assert set(results) == {"throughput", "latency", "reads", "pages", "open_workflows", "timers", "burst",
                            "documents", "scale"}
    assert results["documents"]["size_mb"] == document["sizes"]["document_mb"]
    assert results["throughput"]["axflow"]["lifecycles"] == results["throughput"]["baseline"]["lifecycles"]
    assert results["throughput"]["axflow"]["updates_per_lifecycle"] >= 19  # the whole sample lifecycle ran
    asked = results["throughput"]["baseline_with_asks"]  # a baseline asking what those lifecycles asked
    assert asked["lifecycles"] == results["throughput"]["baseline"]["lifecycles"]
    assert asked["asks"][0]["upserts"] >= 5 and asked["asks"][0]["result_bytes"] > 1_000
    paced = results["latency"]["paced"]  # an action and a raw Update in turn, each sample of both recorded
    assert paced["api"]["n"] == paced["raw_update"]["n"] == document["sizes"]["samples"]
    assert results["timers"]["n"] == document["sizes"]["timers"]
    assert results["burst"]["n"] == document["sizes"]["burst"]
    scale = results["scale"]  # the list walked by cursor and by page over startups seeded directly
    assert scale["startups"] == document["sizes"]["scale_startups"]
    assert {"none", "program and phase"} <= set(scale["api"]) and "none, page in the middle" in scale["console"]
    report = (tmp_path / "BENCHMARKS.md").read_text()
    assert "python -m bench --quick" in report and report.count("\n| ") >= 9
