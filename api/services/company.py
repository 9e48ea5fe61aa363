"""내 회사 확인's reads and records for the portal's company page: the person's binding, their
refusals counted, and the pending identity check (the binding rules themselves: store/company_binding.py)."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, or_, select

from store.binding_tables import BindingEvent, CompanyBinding, CompanyCheck

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
