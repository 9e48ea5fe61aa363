"""Company binding: the one way a startup user reaches a company's records.

A person is bound to a company by one of three proofs (binding_tables.PROOFS): the tax register's
진위확인 with their own 본인확인 naming the representative (only for a company nobody holds yet and
staff made nothing for), the representative's invitation, or a program officer's approval of a
request. Every step, refusals included, is a BindingEvent; the functions here write the step and
its record in one commit."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from domain.rule_ids import RuleId
from store.binding_tables import BindingEvent, BindingRequest, CompanyBinding
from store.db import table_of
from store.portal_tables import ApplicationDraft, CompanyAccount
from store.tables import StartupRow
from store.user_tables import User


def person_key_hash(ci: str) -> str:
    return hashlib.sha256(ci.encode()).hexdigest()


def bound_brn(session: Session, user_id: str) -> str | None:
    """The company the user may act for now, or None: nothing of any company is theirs."""
    return session.exec(select(CompanyBinding.brn).where(CompanyBinding.user_id == user_id,
                                                         col(CompanyBinding.revoked_at).is_(None))).first()


# Built once: the API reads a startup caller's binding on every request of theirs (never cached: a
# binding revoked bars the next request).
_BINDINGS = table_of(CompanyBinding)
_BOUND_BRN = core_select(_BINDINGS.c.brn).where(_BINDINGS.c.user_id == bindparam("user_id"),
                                                _BINDINGS.c.revoked_at.is_(None))


def stored_bound_brn(session: Session, user_id: str) -> str | None:
    """`bound_brn` read with a built statement on the session's connection: what is stored, not a
    binding pending in this session (the API's caller lookup, which changes none)."""
    return session.connection().execute(_BOUND_BRN, {"user_id": user_id}).scalar()


def bound_user_ids(session: Session, brn: str) -> list[str]:
    return list(session.exec(select(CompanyBinding.user_id).where(CompanyBinding.brn == brn,
                                                                  col(CompanyBinding.revoked_at).is_(None))).all())


def record(session: Session, kind: str, *, brn: str, user_id: str, actor_id: str, at: datetime, proof: str = "",
           rule: str = "", reason: str = "") -> BindingEvent:
    event = BindingEvent(at=at, kind=kind, brn=brn, user_id=user_id, actor_id=actor_id, proof=proof, rule=rule,
                         reason=reason[:500])
    session.add(event)
    return event


def bind(session: Session, user: User, brn: str, *, proof: str, by: str, at: datetime, reason: str = "",
         person_key: str | None = None, representative: bool = False, company_name: str = "") -> CompanyBinding:
    """Bind `user` to `brn` (ending any earlier binding of theirs) and record it; the caller commits.
    As the representative, the company's account names them (the one who invites colleagues)."""
    for earlier in session.exec(select(CompanyBinding).where(CompanyBinding.user_id == user.id,
                                                             col(CompanyBinding.revoked_at).is_(None))).all():
        earlier.revoked_at, earlier.revoked_by = at, by
        session.add(earlier)
        record(session, "revoked", brn=earlier.brn, user_id=user.id, actor_id=by, at=at, reason="bound elsewhere")
    binding = CompanyBinding(user_id=user.id, brn=brn, proof=proof, bound_by=by, bound_at=at,
                             person_key_hash=person_key)
    session.add(binding)
    if representative:
        account = session.get(CompanyAccount, brn)
        if account is None:
            session.add(CompanyAccount(brn=brn, company_name=company_name or brn, representative_user_id=user.id,
                                       created_at=at))
        else:
            account.representative_user_id = user.id
            session.add(account)
    record(session, "bound", brn=brn, user_id=user.id, actor_id=by, at=at, proof=proof, reason=reason)
    return binding


def move_to_new_representative(session: Session, user: User, brn: str, *, amendment: str, approved_by: str,
                               person_key: str, at: datetime, company_name: str = "") -> CompanyBinding:
    """대표자 변경 approved in one of the company's lifecycles (`amendment` names it: the startup and its
    변경 N; `approved_by` the officer who approved it), and the new representative proven by 진위확인
    and 본인확인: the company goes to them. Whoever holds it as its representative (the company
    account's, or anyone not bound by a colleague's invitation) loses it, recorded; colleagues the
    representative invited keep theirs; the new representative is bound and named the account's
    representative, and a request of theirs waiting for this company is closed as approved by that
    officer. The caller commits once: nothing of it is kept if any step fails."""
    account = session.get(CompanyAccount, brn)
    why = f"대표자 변경 ({amendment}, 승인 {approved_by}): 새 대표자 본인확인 (the new representative proved themselves)"
    for holder in session.exec(select(CompanyBinding).where(CompanyBinding.brn == brn, CompanyBinding.user_id != user.id,
                                                            col(CompanyBinding.revoked_at).is_(None))).all():
        represents = account is not None and account.representative_user_id == holder.user_id
        if holder.proof == "invitation" and not represents:
            continue
        holder.revoked_at, holder.revoked_by = at, user.id
        session.add(holder)
        record(session, "revoked", brn=brn, user_id=holder.user_id, actor_id=user.id, at=at, reason=why)
    for waiting in session.exec(select(BindingRequest).where(BindingRequest.user_id == user.id,
                                                             BindingRequest.brn == brn,
                                                             col(BindingRequest.decided_at).is_(None))).all():
        waiting.decided_at, waiting.decided_by, waiting.decision = at, approved_by, "approved"
        waiting.decision_reason = f"대표자 변경 {amendment} 승인 (approved as a representative amendment)"
        session.add(waiting)
    return bind(session, user, brn, proof="verified", by=user.id, at=at, person_key=person_key, representative=True,
                company_name=company_name, reason=why)


def why_approval_is_needed(session: Session, user: User, brn: str) -> str | None:
    """None when a proven representative may bind at once; otherwise why an officer decides:
    someone holds the company already (a representative change, 대표자 변경, when that is its
    representative), or staff made lifecycles for it that this person did not apply for."""
    holders = [h for h in bound_user_ids(session, brn) if h != user.id]
    if holders:
        account = session.get(CompanyAccount, brn)
        return RuleId.REPRESENTATIVE_CHANGE if account and account.representative_user_id in holders else RuleId.ALREADY_BOUND
    lifecycles = session.exec(select(StartupRow.startup_id).where(StartupRow.brn == brn)).all()
    own = set(session.exec(select(ApplicationDraft.startup_id).where(ApplicationDraft.brn == brn,
                                                                     ApplicationDraft.created_by == user.id)).all())
    if any(startup_id not in own for startup_id in lifecycles):
        return RuleId.STAFF_LIFECYCLES
    return None


def open_request(session: Session, user: User, brn: str, *, why: str, verified_name: str, person_key: str,
                 company_name: str, at: datetime) -> BindingRequest:
    """A request waiting on a program officer (one open request per person and company)."""
    waiting = session.exec(select(BindingRequest).where(BindingRequest.user_id == user.id, BindingRequest.brn == brn,
                                                        col(BindingRequest.decided_at).is_(None))).first()
    if waiting is not None:
        return waiting
    request = BindingRequest(user_id=user.id, brn=brn, company_name=company_name, verified_name=verified_name,
                             why=why, person_key_hash=person_key, requested_at=at)
    session.add(request)
    record(session, "requested", brn=brn, user_id=user.id, actor_id=user.id, at=at, rule=why,
           reason=f"진위확인·본인확인 통과, 승인 필요 (verified; needs approval): {verified_name}")
    return request


class DecisionRefused(ValueError):
    """An officer's decision that cannot be taken: `field` and the two-language message say why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def decide(session: Session, request_id: int, *, approve: bool, officer_id: str, reason: str,
           at: datetime) -> BindingRequest:
    """Approve (the person is bound, by staff approval, as representative) or reject a waiting
    request, with the officer's reason; recorded either way, committed."""
    request = session.get(BindingRequest, request_id)
    if request is None or request.decided_at is not None:
        raise DecisionRefused("request", "이미 처리되었거나 없는 요청입니다 (no such request waiting)")
    if not reason.strip():
        raise DecisionRefused("reason", "승인·반려 사유를 적으세요 (a reason is required)")
    user = session.get(User, request.user_id)
    if user is None or user.disabled_at is not None:
        raise DecisionRefused("request", "요청한 사용자가 없거나 비활성입니다 (the requester is gone)")
    request.decided_at, request.decided_by = at, officer_id
    request.decision, request.decision_reason = ("approved" if approve else "rejected"), reason.strip()[:500]
    session.add(request)
    if approve:
        if request.why == RuleId.REPRESENTATIVE_CHANGE:
            for holder in session.exec(select(CompanyBinding).where(CompanyBinding.brn == request.brn,
                                                                    col(CompanyBinding.revoked_at).is_(None))).all():
                if _is_representative(session, request.brn, holder.user_id):
                    holder.revoked_at, holder.revoked_by = at, officer_id
                    session.add(holder)
                    record(session, "revoked", brn=request.brn, user_id=holder.user_id, actor_id=officer_id, at=at,
                           reason=f"대표자 변경 (representative change): {reason.strip()}")
        bind(session, user, request.brn, proof="staff_approval", by=officer_id, at=at, reason=reason.strip(),
             person_key=request.person_key_hash, representative=True, company_name=request.company_name)
        record(session, "approved", brn=request.brn, user_id=user.id, actor_id=officer_id, at=at,
               rule=request.why, reason=reason.strip())
    else:
        record(session, "rejected", brn=request.brn, user_id=user.id, actor_id=officer_id, at=at, rule=request.why,
               reason=reason.strip())
    session.commit()
    return request


def _is_representative(session: Session, brn: str, user_id: str) -> bool:
    account = session.get(CompanyAccount, brn)
    return account is not None and account.representative_user_id == user_id


def waiting_requests(session: Session) -> list[BindingRequest]:
    return list(session.exec(select(BindingRequest).where(col(BindingRequest.decided_at).is_(None))
                             .order_by(col(BindingRequest.requested_at))).all())


def requests_of(session: Session, user_id: str) -> list[BindingRequest]:
    return list(session.exec(select(BindingRequest).where(BindingRequest.user_id == user_id)
                             .order_by(col(BindingRequest.requested_at).desc())).all())


@dataclass(frozen=True)
class EventLine:
    event: BindingEvent
    subject: str  # the person it is about, by name
    actor: str  # who did it, by name (or the system's label)


def recent_events(session: Session, limit: int = 200, brn: str | None = None) -> list[EventLine]:
    """The binding record, newest first, with people's names beside their ids."""
    query = select(BindingEvent).order_by(col(BindingEvent.id).desc()).limit(limit)
    if brn:
        query = query.where(BindingEvent.brn == brn)
    events = session.exec(query).all()
    ids = {e.user_id for e in events} | {e.actor_id for e in events}
    names = {u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}
    return [EventLine(e, names.get(e.user_id, e.user_id), names.get(e.actor_id, e.actor_id)) for e in events]
