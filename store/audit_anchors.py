"""Is any startup's audit chain shorter than what was recorded for it? The hash chain alone cannot
tell when rows are cut from its end; two records of each chain's length can:

- the read model's startup row (its state's `transition_count`, written in the same transaction
  as the audit rows): cheap to compare for every startup at once, but in the same database;
- the anchor the startup's workflow keeps in Temporal (`audit_anchor`: count and last keyed hash,
  the projection activity's result in its history), which the database's writer cannot reach;
  asked per startup (api/audit_verification.py).
"""

from sqlalchemy import Integer, func
from sqlmodel import Session, col, select

from domain.state import AuditAnchor
from store.audit import Truncation
from store.db import table_of
from store.tables import AuditEvent, StartupRow

READ_MODEL = "read model"
TEMPORAL = "temporal"
ANCHORED_ROW_DIFFERS = "the anchored row's hash differs"


def short_against_read_model(session: Session) -> tuple[int, list[Truncation]]:
    """(startups compared, those with fewer audit rows than their row's transition count)."""
    found = dict(session.exec(
        select(AuditEvent.startup_id, func.count()).group_by(col(AuditEvent.startup_id))).all())
    state = table_of(StartupRow).c.state
    expected = session.exec(select(StartupRow.startup_id,
                                   state["transition_count"].as_integer().cast(Integer))).all()
    short = [Truncation(startup_id, want or 0, found.get(startup_id, 0), READ_MODEL)
             for startup_id, want in expected if found.get(startup_id, 0) < (want or 0)]
    return len(expected), short


def short_against_anchor(session: Session, startup_id: str, anchor: AuditAnchor) -> Truncation | None:
    """The startup's rows up to the anchored count, the last of them with the anchored hash."""
    rows = session.exec(select(AuditEvent.seq, AuditEvent.hash).where(
        AuditEvent.startup_id == startup_id, col(AuditEvent.seq) <= anchor.count).order_by(col(AuditEvent.seq))).all()
    if len(rows) < anchor.count:
        return Truncation(startup_id, anchor.count, len(rows), TEMPORAL)
    if rows and rows[-1][1] != anchor.last_hash:
        return Truncation(startup_id, anchor.count, len(rows), TEMPORAL, ANCHORED_ROW_DIFFERS)
    return None


def latest_startups(session: Session, limit: int) -> list[str]:
    """The startups whose chains end latest in the table: those a cut at its end would shorten."""
    last = func.max(AuditEvent.id)
    return list(session.exec(select(AuditEvent.startup_id).group_by(
        col(AuditEvent.startup_id)).order_by(last.desc()).limit(limit)).all())
