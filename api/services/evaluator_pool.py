"""The evaluator pool (평가위원 풀) of a program: staff invite evaluators, each signs the pledge
(서약서) before any application of the program is visible to them, an evaluator recuses themselves
(회피) from a startup and staff exclude one (제척). Read by the API's startup reads and the
evaluation desk (`require_cleared`, `uncleared_programs`) and filled into an evaluator's score
(`standing`) for the lifecycle's validator (domain/conflicts.py's `evaluator_cleared`): the workflow
reads no database. A program with no member has no pool, and its evaluators work as before.
Assignments and the officer's table: api/services/evaluator_assignment.py."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from api.errors import ApiError
from api.services.programs import known_program  # noqa: F401  (also for the routes)
from domain.brn import normalize_brn
from domain.commands import EvaluatorStanding
from domain.evaluator_pool import PLEDGE_TEXT, pledge_sha256, related_companies
from domain.phases import Role
from domain.rule_ids import RuleId
from domain.state import Actor
from domain.text import SINGLE_LINE, Name, Text
from store.db import add_once, as_utc, release
from store.evaluator_pool_tables import EvaluatorAssignment, EvaluatorPoolMember, EvaluatorWithdrawal, uncleared_programs
from store.tables import StartupRow
from store.user_tables import User

Language = Literal["ko", "en"]
# A user's id as typed into a form or a body: one line, no hidden characters (domain/text.py).
UserId = Annotated[str, Field(min_length=1, max_length=40), SINGLE_LINE]


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[UserId, Field(description="the evaluator's user id")]


class PledgeIn(BaseModel):
    """The pledge signed: the box ticked, the signer's name typed as on their account, the text's
    language and the SHA-256 of the text they were shown (so a signature is of the words read)."""

    model_config = ConfigDict(extra="forbid")

    accept: bool
    name: Name
    language: Language = "ko"
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$", description="SHA-256 (hex) of the pledge's text")]


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, Field(min_length=1)]


class ExclusionIn(WithdrawalIn):
    evaluator_id: UserId


class MemberOut(BaseModel):
    program_id: str
    evaluator_id: str
    name: str
    invited_by: str
    invited_at: datetime
    pledged_at: datetime | None = None
    pledge_language: str | None = None
    pledge_sha256: str | None = None


class PledgeOut(BaseModel):
    program_id: str
    texts: dict[str, str]
    sha256: dict[str, str]
    member: bool
    signed: MemberOut | None = None


class WithdrawalOut(BaseModel):
    startup_id: str
    evaluator_id: str
    kind: Literal["recused", "excluded"]
    reason: str
    recorded_by: str
    recorded_at: datetime


def program_of(startup_id: str) -> str:
    """The program id inside a startup id (`startup:{program_id}:{brn}`); '' for any other shape."""
    parts = startup_id.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == "startup" else ""


def has_pool(session: Session, program_id: str) -> bool:
    return session.exec(select(EvaluatorPoolMember.id).where(EvaluatorPoolMember.program_id == program_id)
                        .limit(1)).first() is not None


def membership(session: Session, program_id: str, person_id: str) -> EvaluatorPoolMember | None:
    return session.exec(select(EvaluatorPoolMember).where(EvaluatorPoolMember.program_id == program_id,
                                                          EvaluatorPoolMember.evaluator_id == person_id)).first()


def _member_out(row: EvaluatorPoolMember, name: str) -> MemberOut:
    return MemberOut(program_id=row.program_id, evaluator_id=row.evaluator_id, name=name, invited_by=row.invited_by,
                     invited_at=as_utc(row.invited_at), pledged_at=as_utc(row.pledged_at),
                     pledge_language=row.pledge_language, pledge_sha256=row.pledge_sha256)


def members(session: Session, program_id: str) -> list[MemberOut]:
    """The pool, in the order invited, with each evaluator's name and pledge."""
    rows = session.exec(select(EvaluatorPoolMember, User.display_name)
                        .join(User, col(User.id) == col(EvaluatorPoolMember.evaluator_id))
                        .where(EvaluatorPoolMember.program_id == program_id)
                        .order_by(col(EvaluatorPoolMember.id))).all()
    return [_member_out(row, name) for row, name in rows]


def _refusal(rule: RuleId, message: str, **details: Any) -> ApiError:
    return ApiError("forbidden", message, {"rule": rule, **details})


def pool_refusal(session: Session, program_id: str, person_id: str) -> ApiError | None:
    """Why this person may not see the program's applications (not in its pool, or the pledge
    not signed); None when they may, or the program keeps no pool."""
    if not has_pool(session, program_id):
        return None
    member = membership(session, program_id, person_id)
    if member is None:
        return _refusal(RuleId.EVALUATOR_POOL, "이 사업의 평가위원 풀에 없습니다 (you are not in this program's "
                        "evaluator pool)", program_id=program_id)
    if member.pledged_at is None:
        return _refusal(RuleId.PLEDGE_SIGNED, "서약서에 먼저 서명하십시오 (sign this program's evaluator pledge "
                        "before reading its applications)", program_id=program_id)
    return None


def require_cleared(session: Session, program_id: str, actor: Actor) -> None:
    """For an evaluator: refuse (403, naming the rule) a program's applications until its pool
    admits them. Other roles, and programs with no pool, pass."""
    if actor.role is Role.EVALUATOR and (refused := pool_refusal(session, program_id, actor.id)) is not None:
        raise refused


def withdrawal(session: Session, startup_id: str, person_id: str) -> EvaluatorWithdrawal | None:
    return session.exec(select(EvaluatorWithdrawal).where(EvaluatorWithdrawal.startup_id == startup_id,
                                                          EvaluatorWithdrawal.evaluator_id == person_id)).first()


def companies_related_to(session: Session, brn: str) -> set[str]:
    """The company and every SME partner it has on record (domain's `related_companies`)."""
    return related_companies(brn, (state or {} for state in session.exec(
        select(StartupRow.state).where(StartupRow.brn == brn)).all()))


def panel_of(session: Session, startup_id: str) -> list[str]:
    """The evaluators assigned to this startup ([] when it has no panel yet)."""
    return list(session.exec(select(EvaluatorAssignment.evaluator_id)
                             .where(EvaluatorAssignment.startup_id == startup_id)
                             .order_by(col(EvaluatorAssignment.id))).all())


def standing(session: Session, startup_id: str, person_id: str) -> EvaluatorStanding:
    """Where this person stands for this startup, as the lifecycle's validator reads it. A startup
    with no panel yet (`assigned` None) may be scored by every signed member of the pool."""
    program_id = program_of(startup_id)
    member = membership(session, program_id, person_id)
    withdrawn = withdrawal(session, startup_id, person_id)
    person, startup = session.get(User, person_id), session.get(StartupRow, startup_id)
    employer = person.employer_brn if person is not None else None
    related = employer is not None and startup is not None and employer in companies_related_to(session, startup.brn)
    panel = panel_of(session, startup_id)
    return EvaluatorStanding(pooled=has_pool(session, program_id), member=member is not None,
                             pledged=member is not None and member.pledged_at is not None,
                             withdrawn=withdrawn.kind if withdrawn else None,
                             assigned=(person_id in panel) if panel else None, known_relation=related)


def invite(session: Session, program_id: str, body: InviteIn, by: Actor) -> MemberOut:
    """Invite an existing user holding the evaluator role; 409 when already in the pool."""
    known_program(session, program_id)
    user = session.get(User, body.user_id)
    if user is None or not user.active or Role.EVALUATOR.value not in user.roles:
        raise ApiError("validation_error", "평가위원 역할이 있는 사용자만 초대할 수 있습니다 (only an active user "
                       "holding the evaluator role can be invited)",
                       [{"field": "user_id", "rule": RuleId.EVALUATOR_ROLE, "message": "not an active evaluator"}])
    name = user.display_name
    already = ApiError("conflict", "already in this program's evaluator pool", {"field": "user_id"})
    if membership(session, program_id, user.id) is not None:
        raise already
    row = EvaluatorPoolMember(program_id=program_id, evaluator_id=user.id, invited_by=by.id,
                              invited_at=datetime.now(UTC))
    add_once(session, row, already)
    return _member_out(row, name)


def pledge(session: Session, program_id: str, actor: Actor) -> PledgeOut:
    """The pledge's text in both languages with their fingerprints, and my signature if any."""
    known_program(session, program_id)
    member = membership(session, program_id, actor.id)
    signed = _member_out(member, actor.name) if member is not None and member.pledged_at is not None else None
    return PledgeOut(program_id=program_id, texts=dict(PLEDGE_TEXT),
                     sha256={language: pledge_sha256(language) for language in PLEDGE_TEXT},
                     member=member is not None, signed=signed)


def sign_pledge(session: Session, program_id: str, body: PledgeIn, actor: Actor) -> MemberOut:
    """Record the pledge of a pool member: the time, the typed name, the language and the text's
    SHA-256. Refused, naming the rule, when not invited, the box unticked or the name not the
    account's, or the text shown is not the current one; signing again changes nothing."""
    known_program(session, program_id)
    member = membership(session, program_id, actor.id)
    user = session.get(User, actor.id)
    if member is None or user is None:
        raise _refusal(RuleId.EVALUATOR_POOL, "이 사업의 평가위원 풀에 초대되지 않았습니다 (you were not invited into "
                       "this program's evaluator pool)", program_id=program_id)
    if member.pledged_at is not None:
        return _member_out(member, user.display_name)
    problems = []
    if not body.accept or body.name.strip() != user.display_name.strip():
        problems.append({"field": "name" if body.accept else "accept", "rule": RuleId.PLEDGE_NAME,
                         "message": "tick the box and type your name as on your account"})
    if body.sha256 != pledge_sha256(body.language):
        problems.append({"field": "sha256", "rule": RuleId.PLEDGE_TEXT,
                         "message": "the pledge's text has changed: read it again"})
    if problems:
        raise ApiError("validation_error", "the pledge is not signed", problems)
    name = user.display_name
    release(session)
    member = membership(session, program_id, actor.id)
    assert member is not None
    member.pledged_at, member.pledge_name = datetime.now(UTC), body.name.strip()
    member.pledge_language, member.pledge_sha256 = body.language, body.sha256
    session.add(member)
    session.commit()
    return _member_out(member, name)


def _withdrawal_out(row: EvaluatorWithdrawal) -> WithdrawalOut:
    return WithdrawalOut(startup_id=row.startup_id, evaluator_id=row.evaluator_id,
                         kind=row.kind, reason=row.reason,
                         recorded_by=row.recorded_by, recorded_at=as_utc(row.recorded_at))


def withdraw(session: Session, startup_id: str, evaluator_id: str, kind: Literal["recused", "excluded"],
             reason: str, by: Actor) -> WithdrawalOut:
    """회피 (the evaluator, of themselves) or 제척 (staff, of an evaluator) from one startup; the
    lifecycle then refuses that evaluator's scoring of it. 409 when one is already recorded."""
    startup = session.get(StartupRow, startup_id)
    if startup is None:
        raise ApiError("not_found", f"no startup {startup_id}")
    evaluator = session.get(User, evaluator_id)
    if evaluator is None or Role.EVALUATOR.value not in evaluator.roles:
        raise ApiError("validation_error", "not an evaluator",
                       [{"field": "evaluator_id", "rule": RuleId.EVALUATOR_ROLE, "message": "not an evaluator"}])
    already = ApiError("conflict", "this evaluator already withdrew or was excluded from this startup",
                       {"field": "evaluator_id"})
    if withdrawal(session, startup_id, evaluator_id) is not None:
        raise already
    row = EvaluatorWithdrawal(program_id=startup.program_id, startup_id=startup_id, brn=startup.brn,
                              evaluator_id=evaluator_id, kind=kind, reason=reason, recorded_by=by.id,
                              recorded_at=datetime.now(UTC))
    add_once(session, row, already)
    return _withdrawal_out(row)


def withdrawals(session: Session, program_id: str) -> list[WithdrawalOut]:
    """Every recusal and exclusion of the program, oldest first."""
    rows = session.exec(select(EvaluatorWithdrawal).where(EvaluatorWithdrawal.program_id == program_id)
                        .order_by(col(EvaluatorWithdrawal.id))).all()
    return [_withdrawal_out(r) for r in rows]


def invitable(session: Session, program_id: str) -> list[tuple[str, str]]:
    """(user id, name) of the active people holding the evaluator role not yet in the pool."""
    pooled = {m.evaluator_id for m in members(session, program_id)}
    people = session.exec(select(User).where(col(User.active).is_(True)).order_by(col(User.display_name))).all()
    return [(u.id, u.display_name) for u in people if Role.EVALUATOR.value in u.roles and u.id not in pooled]


def pledges_waiting(session: Session, person_id: str) -> list[str]:
    """The programs whose pool this person is in without having signed the pledge."""
    return list(session.exec(select(EvaluatorPoolMember.program_id)
                             .where(EvaluatorPoolMember.evaluator_id == person_id,
                                    col(EvaluatorPoolMember.pledged_at).is_(None))
                             .order_by(col(EvaluatorPoolMember.id))).all())


def hidden_programs(session: Session, person_id: str) -> set[str]:
    """The programs whose applications this evaluator may not see yet (`uncleared_programs`)."""
    return set(session.exec(uncleared_programs(person_id)).all())


def record_employer(session: Session, user_id: str, raw: str) -> str | None:
    """Record (or, given "", clear) a staff member's employer registration number (소속 기업): the
    evaluator pool then never assigns them to that company, its SME partners or its former
    partners, and the lifecycle refuses their score (`known_relation`). The normalised number, or
    None when cleared; a 422 naming the field and the rule for a malformed one."""
    user = session.get(User, user_id)
    if user is None:
        raise ApiError("not_found", f"no user {user_id}")
    employer = None
    if raw.strip():
        try:
            employer = normalize_brn(raw)
        except ValueError as err:
            rule = RuleId.BRN_FORMAT if "10 digits" in str(err) else RuleId.BRN_CHECK_DIGIT
            raise ApiError("validation_error", "not a business registration number",
                           [{"field": "employer_brn", "rule": rule, "message": str(err)}]) from None
    release(session)
    user = session.get(User, user_id)
    assert user is not None
    user.employer_brn = employer
    session.add(user)
    session.commit()
    return employer
