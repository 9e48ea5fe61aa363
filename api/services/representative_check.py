"""대표자 변경 (a representative amendment) needs the ownership proof of the identity work: before
the request is taken, the tax authority's authenticity service (진위확인,
`axflow.tax_authority.register_matches`, as the portal's 내 회사 확인 asks it) must hold the
company's registration number with the opening day and the new representative's name the request
gives. The API asks it (the workflow's validator cannot) and hands the answer to the Update
(`Command.register_answer`), where the lifecycle's rule requires it (domain/amendments.py,
check_representative_change). A mismatch is refused naming the field and the rule; nothing is
recorded in the lifecycle. The register answers whether a guess is right, so a refused check is
recorded as the portal's 내 회사 확인 records one (a `refused` company_binding_event of the person
who asked) and counts against the same limit: a person refused five times in a day is not let ask
the register again until the day has passed (429, `register_guesses_limited`), here or there.

The version an approved 대표자 변경 makes (변경 N, naming the new representative) is accepted by the
new representative themselves: only a caller who holds the company as its account's representative
through a binding made after that approval with their 본인확인 (the move of
store/company_binding.move_to_new_representative) may accept it; anyone else is refused (409,
`new_representative_accepts`). The lifecycle's live state says which version waits."""

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from api.errors import ApiError
from api.services.company import active_binding, guesses_exhausted
from api.services.startups import live_state
from axflow.config import Settings
from axflow.tax_authority import TaxAuthorityDown, register_matches
from domain.amendments import RegisterAnswer
from domain.change_commands import RequestAmendmentBody
from domain.commands import AcceptAgreementBody
from domain.rule_ids import RuleId
from domain.state import Actor
from store.company_binding import record
from store.db import as_utc, engine_of, release
from store.portal_accounts import company_of
from store.tables import StartupRow

MISMATCH = ("국세청 진위확인에서 사업자등록번호, 개업일자, 새 대표자 성명이 일치하지 않습니다. — the tax register does not "
            "hold this company with this opening date and this representative")
LIMITED = ("국세청 진위확인에 24시간 동안 5번 실패했습니다. 하루가 지난 뒤에 다시 시도하십시오. — the tax register's check "
           "was refused five times in 24 hours for you; try again after the day has passed")
NOT_PROVEN = ("대표자 변경의 협약은 새 대표자가 내 회사 확인(본인확인)을 마친 뒤 직접 동의합니다. — the version naming "
              "the new representative is accepted by them, once they have proven themselves on 내 회사 확인")
DOWN = "국세청 진위확인 서비스가 응답하지 않습니다. 잠시 후 다시 시도하십시오. — the tax register did not answer; try again later"


async def register_answer(session: Session, startup_id: str, body: BaseModel, settings: Settings | None,
                          actor: Actor) -> RegisterAnswer | None:
    """The register's confirmation of a new representative, or None for any other request; a
    mismatch or a register that cannot say is refused (ApiError)."""
    if not (isinstance(body, RequestAmendmentBody) and body.kind == "representative"
            and body.representative_name and body.representative_opened_on):
        return None  # the lifecycle's rule names a missing field (amendment_field_required)
    row = session.get(StartupRow, startup_id)
    if row is None:
        return None  # the Update answers 404 as for any action
    now = datetime.now(UTC)
    if guesses_exhausted(session, actor.id, now):
        raise ApiError("too_many_requests", LIMITED, [
            {"field": "representative_name", "rule": RuleId.REGISTER_GUESSES_LIMITED, "message": LIMITED}])
    if settings is None:
        raise ApiError("unavailable", DOWN, {"field": "representative_name", "rule": RuleId.REGISTER_MISMATCH})
    release(session)  # the register answers over the network: not while holding a pooled connection
    try:
        matches = await register_matches(settings, row.brn, body.representative_opened_on, body.representative_name)
    except TaxAuthorityDown:
        raise ApiError("unavailable", DOWN, None, 503) from None
    if not matches:
        with Session(engine_of(session)) as db:  # kept although the request is refused
            record(db, "refused", brn=row.brn, user_id=actor.id, actor_id=actor.id, at=now,
                   rule=RuleId.REGISTER_MISMATCH,
                   reason=f"대표자 변경 진위확인 불일치 (representative amendment, register mismatch): "
                          f"{body.representative_name}")
            db.commit()
        raise ApiError("validation_error", MISMATCH, [
            {"field": "representative_name", "rule": RuleId.REGISTER_MISMATCH, "message": MISMATCH}])
    return RegisterAnswer(brn=row.brn, opened_on=body.representative_opened_on,
                          representative=body.representative_name, checked_at=now)


async def check_acceptor(session: Session, temporal: Any, startup_id: str, body: BaseModel, actor: Actor) -> None:
    """A 대표자 변경's version is accepted by the new representative, proven after its approval."""
    if not isinstance(body, AcceptAgreementBody):
        return
    row = session.get(StartupRow, startup_id)
    if row is None:
        return  # the Update answers 404 as for any action
    release(session)  # the query below waits on Temporal: not while holding a pooled connection
    state = await live_state(temporal, session, startup_id)
    version = state.amendments.to_accept if state.amendments else None
    if version is None or version.kind != "representative":
        return
    account, binding = company_of(session, row.brn), active_binding(session, actor.id)
    if (account is not None and account.representative_user_id == actor.id and binding is not None
            and binding.brn == row.brn and binding.person_key_hash
            and as_utc(binding.bound_at) >= version.approved_at):
        return
    raise ApiError("conflict", NOT_PROVEN, {"rule": RuleId.NEW_REPRESENTATIVE_ACCEPTS, "version": version.version})
