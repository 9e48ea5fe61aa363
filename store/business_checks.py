"""The business-status check of each application: waiting on the tax authority, or answered."""

from datetime import datetime

from sqlmodel import Session

from store.portal_tables import BusinessStatusCheck


def _row(session: Session, startup_id: str, brn: str, program_id: str) -> BusinessStatusCheck:
    return session.get(BusinessStatusCheck, startup_id) or BusinessStatusCheck(
        startup_id=startup_id, brn=brn, program_id=program_id)


def record_failure(session: Session, startup_id: str, brn: str, program_id: str, problem: str,
                   now: datetime) -> BusinessStatusCheck:
    row = _row(session, startup_id, brn, program_id)
    row.failures += 1
    row.last_problem = problem[:300]
    row.waiting_since = row.waiting_since or now
    session.add(row)
    session.commit()
    return row


def mark_told(session: Session, startup_id: str, now: datetime) -> None:
    row = session.get(BusinessStatusCheck, startup_id)
    if row is not None:
        row.told_waiting_at = now
        session.add(row)
        session.commit()


def record_answer(session: Session, startup_id: str, brn: str, program_id: str, status: str,
                  now: datetime) -> BusinessStatusCheck:
    row = _row(session, startup_id, brn, program_id)
    row.status, row.answered_at = status, now
    session.add(row)
    session.commit()
    return row


def check_of(session: Session, startup_id: str) -> BusinessStatusCheck | None:
    return session.get(BusinessStatusCheck, startup_id)
