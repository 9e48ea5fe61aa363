"""What people read when something is off: a refused program names the offending field, the audit
CSV's details are JSON a script can read back, reconciliation without a finance system says so in
one line, and docs/map.md tells how the embedded stack receives money owed back."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from domain.phases import Role
from simulators.faults import Faults
from simulators.finance import create_finance_app
from tests.conftest import Stack, free_port, wait_until
from tests.flows import drive


async def test_a_budget_short_of_its_slots_is_refused_naming_budget(stack: Stack) -> None:
    program = await stack.program()
    body = json.loads(program.model_copy(update={"id": f"{program.id}-short"}).model_dump_json())
    body["budget"] = program.grant_amount * program.slots - 1
    refused = await stack.call("POST", "/programs", stack.as_role(Role.ADMIN), body, 422)
    assert refused["error"]["code"] == "validation_error"
    assert [d["field"] for d in refused["error"]["details"]] == ["budget"]
    assert "budget" in refused["error"]["message"] and "slots × grant_amount" in refused["error"]["details"][0]["message"]


async def test_the_csv_details_column_is_json_with_korean_intact(stack: Stack) -> None:
    startup = await drive(stack, "under_review")
    auditor = stack.as_role(Role.AUDITOR)
    events = await wait_until(lambda: stack.call("GET", f"/audit/events?startup_id={startup.id}", auditor),
                              lambda body: any(e["action"] == "apply" for e in body["events"]), what="audit rows")
    applied = next(e for e in events["events"] if e["action"] == "apply")
    response = await stack.http.get("/audit/events", params={"startup_id": startup.id},
                                    headers=auditor | {"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    cell = next(r for r in rows if r["action"] == "apply")["details"]
    assert json.loads(cell) == applied["details"]
    assert "테스트AI" in cell  # not escaped as \ud14c...


def test_reconcile_without_a_finance_system_prints_one_line_and_fails(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
    env = os.environ | {"AXFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/axflow.db", "AXFLOW_FINANCE_URL": nobody}
    subprocess.run([sys.executable, "-m", "axflow.cli", "migrate"], env=env, check=True, capture_output=True,
                   cwd=tmp_path)
    run = subprocess.run([sys.executable, "-m", "axflow.cli", "reconcile"], env=env, capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert nobody in lines[0] and "재무 시스템" in lines[0] and "cannot reconcile" in lines[0]


def test_the_docs_say_how_money_owed_back_arrives_and_what_triggers_a_tranche() -> None:
    readme = (Path(__file__).resolve().parents[2] / "docs" / "map.md").read_text()
    # The simulator setting and route docs/map.md names are the ones the simulator has.
    assert "collections_arrive" in Faults.model_fields and '{"collections_arrive": false}' in readme
    routes = {getattr(route, "path", "") for route in create_finance_app(":memory:", "secret").routes}
    assert "/collections/{key}/receive" in routes
    assert re.search(r"curl -X POST http://127\.0\.0\.1:8101/collections/[a-z0-9-]+:\d{10}:refund/receive", readme)
    # Every value a tranche's trigger takes.
    prose = " ".join(readme.split())
    assert '`trigger`: `"agreement"`' in prose and "the `key` of one of the program's milestones" in prose
