"""Actions on a startup: `POST /startups/{startup_id}/actions/{action}`, one route per action.

The routes are registered from `domain.phases.Action`, so no action is forgotten, and each one
publishes its body model in the OpenAPI schema. The handler still validates the raw body itself
(not FastAPI) so that a refused body is recorded like any other refusal and every action keeps the
exact parsing it always had (strict JSON, an empty body read as `{}`).

An `Idempotency-Key` header makes a retry safe: it becomes the Temporal Update id, so a client
that resends after a timeout gets the first answer, never a second transition.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic.json_schema import models_json_schema

from api.deps import SessionDep, TemporalDep, current_actor
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.refusals import refusals_recorded
from api.schemas import StartupPublic
from api.services.actions import IDEMPOTENCY_HEADER, perform_action
from domain.action_info import ACTION_BODIES, ACTION_INFO
from domain.phases import Action
from domain.rules import ACTION_RULES
from domain.state import Actor
from store.db import engine_of

router = APIRouter(prefix="/startups", tags=["actions"], responses=ERROR_RESPONSES)

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
    info = ACTION_INFO[action]
    model = info.body
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"},
                             "examples": {action.value: {"summary": info.summary, "value": info.example}}}
    # Only a reason: the body may be left out entirely, as it always could.
    required = any(field.is_required() for field in model.model_fields.values())
    return {"required": required, "content": {"application/json": media}}


def _description(action: Action) -> str:
    roles = ", ".join(sorted(role.value for role in ACTION_RULES[action].roles))
    return (f"One Update of the startup's lifecycle. Who: {roles}. When: {ACTION_INFO[action].when}. Answers the "
            f"new state, 409 `invalid_transition` (with the current phase and the actions allowed now) when the phase or a "
            f"rule forbids it, 422 `validation_error` naming each bad field.")


def _endpoint(action: Action) -> Any:
    async def take_action(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                          actor: Authorized, idempotency_key: IdempotencyKey = None) -> StartupPublic:
        return await perform_action(startup_id, action, await request.body(), actor, session, temporal,
                                    request.state.request_id, idempotency_key, settings=request.app.state.settings)

    take_action.__name__ = f"act_{action.name.lower()}"
    return take_action


for _action in Action:
    router.add_api_route(
        f"/{{startup_id}}/actions/{_action.value}", _endpoint(_action), methods=["POST"],
        response_model=StartupPublic, operation_id=_action.name.lower(),
        summary=ACTION_INFO[_action].summary, description=_description(_action),
        openapi_extra={"requestBody": _request_body(_action)},
    )


# Registered after the actions so that it only catches names that are none of them. It is kept out of
# the schema (the actions are there by name) and needs no access rule: it only ever answers 404.
@router.post("/{startup_id}/actions/{action}", include_in_schema=False)
async def unknown_action(startup_id: str, action: str, request: Request, session: SessionDep,
                         actor: Annotated[Actor, Depends(current_actor)]) -> None:
    with refusals_recorded(engine_of(session), actor, action, request.state.request_id, startup_id):
        raise ApiError("not_found", f"unknown action {action!r}", {"actions": [a.value for a in Action]})


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
