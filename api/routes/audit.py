"""Auditors: every transition in a range (JSON or CSV), and the hash-chain check."""

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.audit_verification import verify_audit
from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES
from api.policy import Authorized
from domain.timeutil import to_kst
from store.audit_key import audit_key
from store.db import as_utc
from store.tables import AuditEvent
from store.users import find_by_login

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)

CSV_COLUMNS = ["id", "at_kst", "startup_id", "program_id", "seq", "actor_id", "actor_name", "role", "action",
               "reason", "from_phase", "to_phase", "request_id", "details", "hash"]


def _event(row: AuditEvent) -> dict[str, Any]:
    at = as_utc(row.at)
    return {"id": row.id, "at": at.isoformat(), "at_kst": to_kst(at).strftime("%Y-%m-%d %H:%M:%S"),
            "startup_id": row.startup_id, "program_id": row.program_id, "seq": row.seq, "actor_id": row.actor_id,
            "actor_name": row.actor_name, "role": row.role, "action": row.action, "reason": row.reason,
            "from_phase": row.from_phase, "to_phase": row.to_phase, "request_id": row.request_id,
            "details": row.details, "hash": row.hash}


def event_query(session: Session, *, program_id: str | None = None, since: datetime | None = None,
                until: datetime | None = None, actor: str | None = None, action: str | None = None,
                startup_id: str | None = None) -> SelectOfScalar[AuditEvent]:
    """The audit rows matching these filters, oldest first: the API's search and the console's."""
    query = select(AuditEvent)
    if program_id:
        query = query.where(AuditEvent.program_id == program_id)
    if startup_id:
        query = query.where(AuditEvent.startup_id == startup_id)
    if since:
        query = query.where(col(AuditEvent.at) >= since)
    if until:
        query = query.where(col(AuditEvent.at) < until)
    if actor:
        # A user id, or a login id (the rows name the user's stable id; rows recorded before the
        # user directory name the token's name).
        person = find_by_login(session, actor)
        query = query.where(col(AuditEvent.actor_id).in_({actor, person.id} if person else {actor}))
    if action:
        query = query.where(AuditEvent.action == action)
    return query.order_by(col(AuditEvent.id))


@router.get("/events")
async def events(request: Request, session: SessionDep, _: Authorized, program_id: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, actor: str | None = None,
                 action: str | None = None, startup_id: str | None = None) -> Any:
    query = event_query(session, program_id=program_id, since=since, until=until, actor=actor, action=action,
                        startup_id=startup_id)
    rows = [_event(r) for r in session.exec(query).all()]
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
                 startup_id: Annotated[list[str], Query(max_length=50)] = [],
                 program_id: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """The keyed hash chain, every startup's chain length against the read model, and against its
    workflow's anchor in Temporal for the startups (and the program's) named here and the startups
    whose chains end latest. `ok` is false on an edit or a truncation."""
    report = await verify_audit(session, temporal, audit_key(request.app.state.settings), startup_id, program_id)
    return {"ok": report.ok, "rows_checked": report.rows, "keyed_rows": report.keyed_rows,
            "first_broken_id": report.first_broken_id, "problem": report.problem,
            "startups_checked": report.startups_checked, "anchors_checked": report.anchors_checked,
            "truncations": [vars(t) for t in report.truncations], "unanchored": report.unanchored}
