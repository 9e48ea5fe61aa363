"""내 회사 확인's reads and records for the portal's company page: the person's binding, their
refusals counted, the pending identity check, and the representative an approved 대표자 변경 names
(the binding rules themselves: store/company_binding.py)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session, col, delete, or_, select
from sqlmodel.sql.expression import Select

from domain.amendments import AmendmentState, version_label
from store.binding_tables import BindingEvent, CompanyBinding, CompanyCheck
from store.db import table_of
from store.tables import StartupRow

# 진위확인 answers whether a guess is right: a person refused this often in a day may guess no
# more until the day has passed (the refusals are the count, so nothing else need be kept). The
# portal's 내 회사 확인 and a 대표자 변경 request (api/services/representative_check.py) count together.
REFUSALS_PER_DAY = 5
REFUSAL_WINDOW = timedelta(days=1)


def active_binding(session: Session, user_id: str) -> CompanyBinding | None:
    """The person's binding to a company that is not revoked, if any."""
    return session.exec(select(CompanyBinding).where(CompanyBinding.user_id == user_id,
                                                     col(CompanyBinding.revoked_at).is_(None))).first()


def refusals_since(session: Session, user_id: str, since: datetime) -> int:
    """How many of the person's attempts were refused since `since`."""
    return len(session.exec(select(BindingEvent.id).where(BindingEvent.user_id == user_id,
                                                          BindingEvent.kind == "refused",
                                                          col(BindingEvent.at) >= since)).all())


def guesses_exhausted(session: Session, user_id: str, now: datetime) -> bool:
    """Whether the person was refused REFUSALS_PER_DAY times in the last day (any refusal of theirs)."""
    return refusals_since(session, user_id, now - REFUSAL_WINDOW) >= REFUSALS_PER_DAY


def start_check(session: Session, check: CompanyCheck, valid_for: timedelta) -> None:
    """Keep `check` as the person's one pending identity check: their earlier one goes, and so do
    anyone's that are void by now (older than `valid_for`). Committed."""
    session.exec(delete(CompanyCheck).where(or_(col(CompanyCheck.user_id) == check.user_id,
                                                col(CompanyCheck.created_at) < check.created_at - valid_for)))
    session.add(check)
    session.commit()


def take_check(session: Session, state_hash: str, user_id: str) -> CompanyCheck | None:
    """The pending identity check of this hash if it is `user_id`'s, used up (deleted, committed):
    a check is good for one return from the provider, and never for another person."""
    check = session.get(CompanyCheck, state_hash)
    if check is None or check.user_id != user_id:
        return None
    session.delete(check)
    session.commit()
    return check


_AMENDMENTS = TypeAdapter(AmendmentState | None)


@dataclass(frozen=True)
class AmendedRepresentative:
    """The newest approved 대표자 변경 of a company's lifecycles: the name it gives, where and when."""

    name: str
    startup_id: str
    company_name: str
    label: str  # the agreement version it made (변경 N)
    approved_by: str
    approved_at: datetime

    @property
    def amendment(self) -> str:
        return f"{self.startup_id} {self.label}"


def amended_representative(session: Session, brn: str) -> AmendedRepresentative | None:
    """The representative the newest approved 대표자 변경 among the company's lifecycles names, or None
    (only the amendments of each stored state are read)."""
    stored: Sequence[Any] = session.exec(Select(col(StartupRow.startup_id), col(StartupRow.company_name),
                                                table_of(StartupRow).c.state["amendments"])
                                         .where(col(StartupRow.brn) == brn)).all()
    found = []
    for startup_id, company_name, amendments_json in stored:
        amendments = _AMENDMENTS.validate_python(amendments_json)
        for request in amendments.requests if amendments else []:
            if (request.change.kind == "representative" and request.status == "approved"
                    and request.change.representative_name and request.decided_at and request.decided_by):
                found.append(AmendedRepresentative(request.change.representative_name, startup_id, company_name,
                                                   version_label(request.version or 0), request.decided_by,
                                                   request.decided_at))
    return max(found, key=lambda a: a.approved_at, default=None)
