"""Actions on a startup, for the API's action routes (api/routes/actions.py) and the console's and
portal's forms alike: the role rule, the body's validation, documents resolved to their hashes, an
idempotency key claimed, the Update and its validator; a refusal raised as ApiError and recorded."""

import json
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from temporalio.service import RPCError

from api.document_refs import attach_documents
from api.errors import ApiError, from_rpc_error, from_violation
from api.reauth import confirm_password
from api.refusals import refusals_recorded
from api.schemas import StartupPublic
from api.scope import check_scope, not_found
from api.services.appeal_panel import current_panel
from api.services.conflicts import declared_conflicts
from api.services.evaluator_pool import standing
from api.services.representative_check import check_acceptor, register_answer
from api.services.startups import for_caller
from api.services.vendors import note_vendor_opening
from api.updates import send_update
from axflow.config import Settings
from axflow.programs import load_program
from domain.action_info import ACTION_BODIES
from domain.action_rules import promotion_target_rule
from domain.change_commands import DecideAppealBody
from domain.commands import Command, PromoteBody, RecordExpenseBody
from domain.conflicts import EVALUATOR_ACTIONS
from domain.phases import Action, Role
from domain.rules import RuleViolation, check_role
from domain.state import Actor, StartupState
from store import idempotency
from store.db import engine_of, release
from store.tables import StartupRow

log = structlog.get_logger()

# The header whose key makes a retried action safe (it becomes the Temporal Update id).
IDEMPOTENCY_HEADER = "Idempotency-Key"


async def perform_action(startup_id: str, action: Action, body: bytes | dict[str, Any], actor: Actor,
                         session: Session, temporal: Any, request_id: str | None,
                         idempotency_key: str | None = None, settings: Settings | None = None) -> StartupPublic:
    """One action on one startup, for the API and the console's forms alike: the role rule, the
    body's validation, documents resolved to their hashes, the Update and its validator. A refusal
    raises ApiError and is recorded for auditors. `body` is the raw JSON the API received, or a
    form's fields (read through the same JSON parsing, so both are held to the same rules).
    `settings`, where the caller has them: a recorded expense's vendor has its opening date asked
    of the tax authority (api/services/vendors.py)."""
    with refusals_recorded(engine_of(session), actor, action.value, request_id, startup_id):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await _act(startup_id, action, raw, session, temporal, actor, request_id, idempotency_key,
                          settings)


async def _act(startup_id: str, action: Action, raw: bytes, session: Session, temporal: Any,
               actor: Actor, request_id: str | None, idempotency_key: str | None,
               settings: Settings | None = None) -> StartupPublic:
    try:
        check_role(action, actor)  # the workflow's own role rule, answered before any Update
    except RuleViolation as violation:
        raise from_violation(violation) from None
    if actor.role is Role.STARTUP:
        check_scope(startup_id, actor)  # another company's startup: 404, revealing nothing
    try:
        body = ACTION_BODIES[action].model_validate_json(raw or b"{}")
    except ValidationError as err:
        details = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "rule": e["type"],
                    "message": e["msg"].removeprefix("Value error, ")} for e in err.errors()]
        raise ApiError("validation_error", f"invalid {action.value} body", details) from None
    await confirm_password(session, actor, body)  # accept-agreement: the password typed again (api/reauth.py)
    # Parameterised by the body's class, known only at run time: the command carries that model.
    command = Command[type(body)](actor=actor, request_id=request_id, body=body)  # type: ignore[misc,operator]
    # Conflicts of interest follow the person, whatever role they act in (domain/conflicts.py).
    command.conflicts = declared_conflicts(session, actor.id)
    if actor.role is Role.EVALUATOR and action in EVALUATOR_ACTIONS:
        # The program's evaluator pool, the pledge, 회피 and 제척: facts of the database the
        # workflow's validator cannot read, filled in for it (domain/conflicts.py's evaluator_cleared).
        command.evaluator_standing = standing(session, startup_id, actor.id)
    if isinstance(body, PromoteBody):
        command.target_program = load_program(engine_of(session), body.target_program_id)
        try:
            promotion_target_rule(command)  # the rule the workflow checks again
        except RuleViolation as violation:
            raise from_violation(violation) from None
    if isinstance(body, DecideAppealBody):  # the panel the program names now (api/services/appeal_panel.py)
        command.appeal_panel = current_panel(session, startup_id)
    # 대표자 변경: the tax register's 진위확인 of the new representative (api/services/representative_check.py).
    command.register_answer = await register_answer(session, startup_id, body, settings, actor)
    await check_acceptor(session, temporal, startup_id, body, actor)  # 변경 N naming a new representative
    # Document ids become refs with the hash of their bytes, carried in the Update payload.
    attach_documents(session, startup_id, command)

    def closed_or_unknown(err: RPCError) -> ApiError:
        row = session.get(StartupRow, startup_id)
        if row is None:
            return not_found(startup_id)
        return from_rpc_error(err, f"the lifecycle of {startup_id}", row.phase)

    update_id = None
    if idempotency_key is not None:
        answered = _claim(session, startup_id, actor, idempotency_key, action, body)
        if answered is not None:
            return for_caller(StartupState.model_validate(answered), actor, command.conflicts)
        # Temporal scopes Update ids to the workflow (one startup); the caller and the action
        # complete the scope, so that no two callers' keys can ever name the same Update.
        update_id = f"idempotency:{actor.id}:{action.value}:{idempotency_key}"
    release(session)
    state = await send_update(temporal.get_workflow_handle(startup_id), action.value, command, StartupState,
                              closed_or_unknown, update_id)
    if idempotency_key is not None:
        _remember(session, startup_id, actor, idempotency_key, state)
    if settings is not None and isinstance(body, RecordExpenseBody):
        await note_vendor_opening(engine_of(session), settings, body.vendor_brn)  # for the new_vendor flag
    return for_caller(state, actor, command.conflicts)


def _claim(session: Session, startup_id: str, actor: Actor, key: str, action: Action,
           body: BaseModel) -> dict[str, Any] | None:
    digest = idempotency.fingerprint(action.value, body.model_dump(mode="json"))
    try:
        return idempotency.claim(engine_of(session), startup_id, actor.id, key, action.value, digest)
    except idempotency.KeyReused as reused:
        what = "a different body" if reused.action == action.value else f"the action {reused.action!r}"
        message = (f"이 Idempotency-Key는 이미 다른 요청에 쓰였습니다. 새 요청에는 새 키를 쓰십시오. / "
                   f"this Idempotency-Key was first used with {what}; use a new key for a new request")
        raise ApiError("validation_error", message, [{
            "field": IDEMPOTENCY_HEADER, "rule": "idempotency_key_reused", "message": message,
            "first_action": reused.action}]) from None


def _remember(session: Session, startup_id: str, actor: Actor, key: str, state: StartupState) -> None:
    try:
        idempotency.record_answer(engine_of(session), startup_id, actor.id, key, state.model_dump(mode="json"))
    except Exception:  # noqa: BLE001 - the action is done; a retry is still answered by Temporal's Update id
        log.warning("idempotency_answer_not_stored", startup_id=startup_id, exc_info=True)
