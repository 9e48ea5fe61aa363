"""Actions on a startup: `POST /startups/{startup_id}/actions/{action}`, one route per action.

The routes are registered from `domain.phases.Action`, so no action is forgotten, and each one
publishes its body model in the OpenAPI schema. The handler still validates the raw body itself
(not FastAPI) so that a refused body is recorded like any other refusal and every action keeps the
exact parsing it always had (strict JSON, an empty body read as `{}`).

An `Idempotency-Key` header makes a retry safe: it becomes the Temporal Update id, so a client
that resends after a timeout gets the first answer, never a second transition.
"""

import json
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from sqlmodel import Session
from temporalio.service import RPCError

from api.action_docs import ACTION_DOCS
from api.deps import SessionDep, TemporalDep, current_actor
from api.document_refs import attach_documents
from api.errors import ERROR_RESPONSES, ApiError, from_rpc_error, from_violation
from api.policy import Authorized
from api.reauth import confirm_password
from api.refusals import refusals_recorded
from api.routes.evaluators import declared_conflicts
from api.routes.startups import for_caller
from api.scope import check_scope, not_found
from api.schemas import StartupPublic
from api.updates import send_update
from axflow.programs import load_program
from domain.commands import ACTION_BODIES, Command, PromoteBody
from domain.phases import Action, Role
from domain.action_rules import promotion_target_rule
from domain.rules import ACTION_RULES, RuleViolation, check_role
from domain.state import Actor, StartupState
from store import idempotency
from store.db import release
from store.tables import StartupRow

log = structlog.get_logger()

router = APIRouter(prefix="/startups", tags=["actions"], responses=ERROR_RESPONSES)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IdempotencyKey = Annotated[str | None, Header(
    alias=IDEMPOTENCY_HEADER, pattern=r"^[!-~]{1,255}$",
    description="Makes a retry safe: send the same key (e.g. a UUID you make per intended action) with a "
                "retried request and it answers the first request's result instead of acting twice. "
                "A key belongs to its caller and startup; reused for a different action or body it is "
                "refused with 422. Without it, every request is a new action.",
    examples=["3f1c2a9e-7b4d-4c1e-9a8f-2d6b5e0c7a11"])]


def action_path(action: Action) -> str:
    return f"/startups/{{startup_id}}/actions/{action.value}"


def _request_body(action: Action) -> dict[str, Any]:
    model = ACTION_BODIES[action]
    doc = ACTION_DOCS.get(action.value)
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    if doc is not None:
        media["examples"] = {action.value: {"summary": doc.summary, "value": doc.example}}
    # Only a reason: the body may be left out entirely, as it always could.
    required = any(field.is_required() for field in model.model_fields.values())
    return {"required": required, "content": {"application/json": media}}


def _description(action: Action) -> str:
    doc = ACTION_DOCS.get(action.value)
    roles = ", ".join(sorted(role.value for role in ACTION_RULES[action].roles))
    when = f" When: {doc.when}." if doc else ""
    return (f"One Update of the startup's lifecycle. Who: {roles}.{when} Answers the new state, 409 "
            f"`invalid_transition` (with the current phase and the actions allowed now) when the phase or a "
            f"rule forbids it, 422 `validation_error` naming each bad field.")


def _endpoint(action: Action) -> Any:
    async def take_action(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                          actor: Authorized, idempotency_key: IdempotencyKey = None) -> StartupPublic:
        return await perform_action(startup_id, action, await request.body(), actor, session, temporal,
                                    request.state.request_id, idempotency_key)

    take_action.__name__ = f"act_{action.name.lower()}"
    return take_action


for _action in Action:
    _doc = ACTION_DOCS.get(_action.value)
    router.add_api_route(
        f"/{{startup_id}}/actions/{_action.value}", _endpoint(_action), methods=["POST"],
        response_model=StartupPublic, operation_id=_action.name.lower(),
        summary=_doc.summary if _doc else _action.value, description=_description(_action),
        openapi_extra={"requestBody": _request_body(_action)},
    )


# Registered after the actions so that it only catches names that are none of them. It is kept out of
# the schema (the actions are there by name) and needs no access rule: it only ever answers 404.
@router.post("/{startup_id}/actions/{action}", include_in_schema=False)
async def unknown_action(startup_id: str, action: str, request: Request, session: SessionDep,
                         actor: Annotated[Actor, Depends(current_actor)]) -> None:
    with refusals_recorded(session.get_bind(), actor, action, request.state.request_id, startup_id):
        raise ApiError("not_found", f"unknown action {action!r}", {"actions": [a.value for a in Action]})


async def perform_action(startup_id: str, action: Action, body: bytes | dict[str, Any], actor: Actor,
                         session: Session, temporal: Any, request_id: str | None,
                         idempotency_key: str | None = None) -> StartupPublic:
    """One action on one startup, for the API and the console's forms alike: the role rule, the
    body's validation, documents resolved to their hashes, the Update and its validator. A refusal
    raises ApiError and is recorded for auditors. `body` is the raw JSON the API received, or a
    form's fields (read through the same JSON parsing, so both are held to the same rules)."""
    with refusals_recorded(session.get_bind(), actor, action.value, request_id, startup_id):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await _act(startup_id, action, raw, session, temporal, actor, request_id, idempotency_key)


async def _act(startup_id: str, action: Action, raw: bytes, session: Session, temporal: Any,
               actor: Actor, request_id: str | None, idempotency_key: str | None) -> StartupPublic:
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
    confirm_password(session, actor, body)  # accept-agreement: the password typed again (api/reauth.py)
    command = Command[type(body)](actor=actor, request_id=request_id, body=body)
    # Conflicts of interest follow the person, whatever role they act in (domain/conflicts.py).
    command.conflicts = declared_conflicts(session, actor.id)
    if isinstance(body, PromoteBody):
        command.target_program = load_program(session.get_bind(), body.target_program_id)
        try:
            promotion_target_rule(command)  # the rule the workflow checks again
        except RuleViolation as violation:
            raise from_violation(violation) from None
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
    return for_caller(state, actor, command.conflicts)


def _claim(session: Session, startup_id: str, actor: Actor, key: str, action: Action,
           body: BaseModel) -> dict[str, Any] | None:
    digest = idempotency.fingerprint(action.value, body.model_dump(mode="json"))
    try:
        return idempotency.claim(session.get_bind(), startup_id, actor.id, key, action.value, digest)
    except idempotency.KeyReused as reused:
        what = "a different body" if reused.action == action.value else f"the action {reused.action!r}"
        message = (f"이 Idempotency-Key는 이미 다른 요청에 쓰였습니다. 새 요청에는 새 키를 쓰십시오. / "
                   f"this Idempotency-Key was first used with {what}; use a new key for a new request")
        raise ApiError("validation_error", message, [{
            "field": IDEMPOTENCY_HEADER, "rule": "idempotency_key_reused", "message": message,
            "first_action": reused.action}]) from None


def _remember(session: Session, startup_id: str, actor: Actor, key: str, state: StartupState) -> None:
    try:
        idempotency.record_answer(session.get_bind(), startup_id, actor.id, key, state.model_dump(mode="json"))
    except Exception:  # noqa: BLE001 - the action is done; a retry is still answered by Temporal's Update id
        log.warning("idempotency_answer_not_stored", startup_id=startup_id, exc_info=True)


def publish_body_schemas(app: FastAPI) -> None:
    """FastAPI lists only the models it validates itself; the action bodies are validated by the
    handler, so their schemas are added to the components that the routes' request bodies name."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            models = sorted(set(ACTION_BODIES.values()), key=lambda m: m.__name__)
            _, defs = models_json_schema([(m, "validation") for m in models],
                                         ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in defs.get("$defs", {}).items():
                components.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
