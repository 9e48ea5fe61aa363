"""Auditors' reads: the audit trail's events by filter (the API's `GET /audit/events` and the
console's event search) and the startups an auditor looks for by name, number or id."""

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.formatting import kst_second
from store.db import as_utc
from store.tables import AuditEvent, StartupRow
from store.users import find_by_login


def event_query(session: Session, *, program_id: str | None = None, since: datetime | None = None,
                until: datetime | None = None, actor: str | None = None, action: str | None = None,
                startup_id: str | None = None) -> SelectOfScalar[AuditEvent]:
    """The audit rows matching these filters, oldest first."""
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


def audit_events(session: Session, *, after: int | None = None, limit: int | None = None,
                 **filters: Any) -> list[AuditEvent]:
    """The events matching `filters` (event_query's), oldest first: those after the event id
    `after`, at most `limit` of them."""
    query = event_query(session, **filters)
    if after is not None:
        query = query.where(col(AuditEvent.id) > after)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def event_record(row: AuditEvent) -> dict[str, Any]:
    """One event as the API answers it (JSON or a CSV row)."""
    at = as_utc(row.at)
    return {"id": row.id, "at": at.isoformat(), "at_kst": kst_second(at, zone=False),
            "startup_id": row.startup_id, "program_id": row.program_id, "seq": row.seq, "actor_id": row.actor_id,
            "actor_name": row.actor_name, "role": row.role, "action": row.action, "reason": row.reason,
            "from_phase": row.from_phase, "to_phase": row.to_phase, "request_id": row.request_id,
            "details": row.details, "hash": row.hash}


def find_startups(session: Session, wanted: str, limit: int) -> list[Any]:
    """(startup id, company name, program id, phase) of the startups whose company name holds
    `wanted`, whose registration number or id it is, in startup order."""
    digits = wanted.replace("-", "")
    return list(session.exec(select(StartupRow.startup_id, StartupRow.company_name, StartupRow.program_id,
                                    StartupRow.phase).where(or_(
        col(StartupRow.company_name).contains(wanted), col(StartupRow.brn) == digits,
        col(StartupRow.startup_id) == wanted)).order_by(col(StartupRow.startup_id)).limit(limit)).all())
