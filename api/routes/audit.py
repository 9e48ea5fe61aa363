"""Auditors: every transition in a range (JSON or CSV), and the hash-chain check (the reads:
api/services/audit.py)."""

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.audit_verification import verify_audit
from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES
from api.policy import Authorized
from api.services import audit
from store.audit_key import audit_key

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)

CSV_COLUMNS = ["id", "at_kst", "startup_id", "program_id", "seq", "actor_id", "actor_name", "role", "action",
               "reason", "from_phase", "to_phase", "request_id", "details", "hash"]


@router.get("/events")
async def events(request: Request, session: SessionDep, _: Authorized, program_id: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, actor: str | None = None,
                 action: str | None = None, startup_id: str | None = None) -> Any:
    rows = [audit.event_record(r) for r in audit.audit_events(
        session, program_id=program_id, since=since, until=until, actor=actor, action=action, startup_id=startup_id)]
    if "text/csv" in request.headers.get("accept", ""):
        out = io.StringIO()
        # UTF-8 with a BOM so that Excel opens Korean text correctly.
        out.write("\ufeff")
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            # JSON, as in the JSON answer, so that a spreadsheet or a script can read it back;
            # Korean stays readable (no \uXXXX escapes).
            writer.writerow(row | {"details": json.dumps(row["details"], ensure_ascii=False, sort_keys=True)})
        return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8")
    return {"events": rows, "count": len(rows)}


@router.get("/verify")
async def verify(request: Request, session: SessionDep, temporal: TemporalDep, _: Authorized,
                 startup_id: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006 (FastAPI copies it per request)
                 program_id: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """The keyed hash chain, every startup's chain length against the read model, and against its
    workflow's anchor in Temporal for the startups (and the program's) named here and the startups
    whose chains end latest. `ok` is false on an edit or a truncation."""
    report = await verify_audit(session, temporal, audit_key(request.app.state.settings), startup_id, program_id)
    return {"ok": report.ok, "rows_checked": report.rows, "keyed_rows": report.keyed_rows,
            "first_broken_id": report.first_broken_id, "problem": report.problem,
            "startups_checked": report.startups_checked, "anchors_checked": report.anchors_checked,
            "truncations": [vars(t) for t in report.truncations], "unanchored": report.unanchored}
