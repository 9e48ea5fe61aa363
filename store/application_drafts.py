"""Application drafts (임시저장): saved as often as the applicant likes while the window is open,
then submitted once (최종 제출), when they get a receipt number (접수번호) and are frozen.

A draft may be half-written: every field is optional here; the rules apply at submission (and
are shown as feedback on every save)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from store.portal_tables import ApplicationDraft

DRAFT_FIELDS = ("company_name", "founded_on", "task_id", "representative", "email", "proposal_title",
                "proposal_document_id")


@dataclass
class DraftInput:
    company_name: str = ""
    founded_on: date | None = None
    task_id: str = ""
    representative: str = ""
    email: str = ""
    proposal_title: str = ""
    proposal_document_id: str | None = None


def draft_of(session: Session, program_id: str, brn: str) -> ApplicationDraft | None:
    return session.exec(select(ApplicationDraft).where(ApplicationDraft.program_id == program_id,
                                                       ApplicationDraft.brn == brn)).first()


def drafts_of_company(session: Session, brn: str) -> list[ApplicationDraft]:
    return list(session.exec(select(ApplicationDraft).where(ApplicationDraft.brn == brn)
                             .order_by(col(ApplicationDraft.updated_at).desc())).all())


class DraftFrozen(Exception):
    """The draft was submitted already: it is the record of what was sent, never changed again."""


def save_draft(session: Session, program_id: str, brn: str, values: DraftInput, user_id: str,
               now: datetime) -> ApplicationDraft:
    draft = draft_of(session, program_id, brn)
    if draft is not None and draft.submitted_at is not None:
        raise DraftFrozen(draft.receipt_no)
    if draft is None:
        draft = ApplicationDraft(program_id=program_id, brn=brn, created_by=user_id, updated_by=user_id,
                                 created_at=now, updated_at=now)
    for name in DRAFT_FIELDS:
        setattr(draft, name, getattr(values, name))
    draft.updated_by, draft.updated_at = user_id, now
    session.add(draft)
    try:
        session.commit()
    except IntegrityError:  # a colleague saved the first draft at the same moment: save over theirs
        session.rollback()
        return save_draft(session, program_id, brn, values, user_id, now)
    return draft


def receipt_number(program_id: str, submitted_on: date, serial: int) -> str:
    """접수번호, short enough to read out on the phone: the program's first word (its letters, up to
    four), the year of submission (KST) and the order of submission in the program, e.g. AI25-0007
    for ai-regional-2025. Unique per program (the table's constraint); numbers given before keep
    their longer form."""
    letters = re.sub(r"[^A-Za-z]", "", program_id.split("-")[0])[:4].upper() or "AX"
    return f"{letters}{submitted_on:%y}-{serial:04d}"


def mark_submitted(session: Session, draft: ApplicationDraft, startup_id: str, submitted_at: datetime,
                   submitted_on: date) -> ApplicationDraft:
    """Freeze the draft with its receipt number: the next free serial in its program."""
    while True:
        serial = 1 + session.exec(select(func.count()).where(ApplicationDraft.program_id == draft.program_id,
                                                             col(ApplicationDraft.receipt_no).is_not(None))).one()
        draft.receipt_no = receipt_number(draft.program_id, submitted_on, serial)
        draft.startup_id, draft.submitted_at = startup_id, submitted_at
        session.add(draft)
        try:
            session.commit()
            return draft
        except IntegrityError:  # another company took that serial in the same instant
            session.rollback()
            session.refresh(draft)
