"""BENCHMARKS.md's rows for the follow-up at scale (bench/followup.py, bench/outcomes.py):
(measurement, figure, target, met), as bench/report.py's `checks` gives the others."""

from typing import Any


def conditions(row: dict[str, Any]) -> str:
    load = row.get("load_average") or {}
    said = f"; {row['conditions']}" if row.get("conditions") else ""
    if not said and load:
        said = f"; load average {load['before'][0]}–{load['after'][0]}"
    return said


def followup_checks(results: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    rows: list[tuple[str, str, str, bool]] = []
    if m := results.get("followup_memory"):
        rows.append((f"The worker's memory with {m['followups']:,} open follow-ups asleep on their yearly timer "
                     f"(cache of {m['cache_size']:,} workflows)",
                     f"worker RSS {m['worker_rss_mb']} MB (highest read {m['worker_peak_rss_mb']} MB; before "
                     f"{m['worker_rss_mb_before']} MB): **{m['worker_kb_per_followup']} KB per follow-up**; started "
                     f"{m['started_per_s']}/s, every one's timer armed {m['all_armed_s']} s after the first start"
                     + conditions(m),
                     "≤ 500 MB", m["worker_peak_rss_mb"] <= 500))
    if b := results.get("followup_burst"):
        rows.append((f"The yearly burst: a cohort of {b['surveys']:,} whose surveys all open at one instant "
                     "(per-workflow time skipping brings the date to a wall-clock instant)",
                     f"every company asked (its `followup_survey_open` event recorded) **{b['last_s']} s** after the "
                     f"instant at the last (p50 {b['p50_s']} s, p99 {b['p99_s']} s; by the workflows' clock p50 "
                     f"{b['workflow_clock_p50_s']} s, last {b['workflow_clock_last_s']} s); all armed "
                     f"{b['armed_margin_s']} s before" + conditions(b),
                     "all within 5 min", b["last_s"] <= 300 and b["armed_margin_s"] > 0 and b["n"] == b["surveys"]))
    if o := results.get("followup_outcomes"):
        worst = max(o["api"]["p95_ms"], o["console"]["p95_ms"])
        rows.append((f"The outcomes at {o['companies']:,} companies × {o['years']} years ({o['rows']:,} follow-up "
                     f"years in {o['cohorts']} cohorts, {o['checks']} flagged; read model seeded directly)",
                     f"GET /programs/{{id}}/outcomes p50 {o['api']['p50_ms']} ms / p95 {o['api']['p95_ms']} ms; the "
                     f"console's outcome page p50 {o['console']['p50_ms']} ms / p95 {o['console']['p95_ms']} ms "
                     f"({o['api']['n']} each)" + (f"; the API's CPU per request {o['api']['api_cpu_ms']} ms and "
                                                  f"{o['console']['api_cpu_ms']} ms" if "api_cpu_ms" in o["api"] else "")
                     + (f"; the first read, which computes the figures from every year (as the first after "
                        f"each year recorded does), {o['cold']['wall_s']} s ({o['cold']['api_cpu_ms']} ms of the API's "
                        "CPU), the reads after it reuse them while the program's follow-up version stands"
                        if "cold" in o else "")
                     + conditions(o),
                     "p95 ≤ 150 ms (the console pages')", worst <= 150))
    return rows
