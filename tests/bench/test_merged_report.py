"""A report merged from several runs says so: the rows a later run measured carry their own
conditions, and the header lists that run beside the first, instead of passing the whole document
off as one run's."""

import json
from datetime import UTC, datetime
from pathlib import Path

from bench.report import merge_results, new_document, save_document, write_report

DOCUMENTS_ROW = {"size_mb": 4, "upload_mb_s": 50.0, "download_mb_s": 80.0, "upload_rss_growth_mb": 3.0,
                 "download_rss_growth_mb": 2.0, "upload_ratio": 1.2, "download_ratio": 1.1,
                 "copy_mb_s": 90.0}


def test_a_later_run_replaces_only_its_rows_and_is_named_in_the_header(tmp_path: Path) -> None:
    first = new_document({"document_mb": 4}, "python -m bench --only documents")
    first["results"]["documents"] = dict(DOCUMENTS_ROW)
    first["results"]["untouched"] = {"kept": True}
    save_document(tmp_path, first)
    write_report(tmp_path, first)
    assert "Every figure comes from that one process run." in (tmp_path / "BENCHMARKS.md").read_text()

    started = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
    document = json.loads((tmp_path / "bench" / "results.json").read_text())
    later = dict(DOCUMENTS_ROW, upload_mb_s=60.0, load_average={"before": [1.5], "after": [2.0]})
    merge_results(tmp_path, document, {"documents": later}, "python -m bench --only documents --merge", started)
    merge_results(tmp_path, document, {"extra": {"n": 1}}, "python -m bench --only documents --merge", started)
    write_report(tmp_path, document)

    saved = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert saved["results"]["untouched"] == {"kept": True}
    assert saved["results"]["documents"]["upload_mb_s"] == 60.0
    assert "load average 1.5–2.0" in saved["results"]["documents"]["conditions"]
    # one run, two rows written as they came: one entry naming both
    assert saved["merged"] == [{"command": "python -m bench --only documents --merge",
                                "started": "2026-12-07T12:30:00+00:00", "rows": ["documents", "extra"]}]
    report = (tmp_path / "BENCHMARKS.md").read_text()
    assert "with rows measured again since by the runs listed below" in report
    assert "- `python -m bench --only documents --merge`, started 2026-12-07 12:30 UTC: documents, extra" in report
