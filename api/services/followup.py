"""A company's follow-up (사후관리) for the API route and the portal's page alike: its state as the
FollowUp workflow answers it, and an answer to the open survey, sent through the workflow's Update
`answer_survey` (whose validator applies every rule, so a refused answer leaves no trace).

The route names the company by one of its lifecycles (`startup:{program}:{brn}`): the startup
itself, or its program officer entering a paper answer. Evidence documents are the startup's own
uploads, resolved to the SHA-256 of their bytes as actions' documents are, so the history pins them.
"""

import json
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import QUERY_TIMEOUT
from api.document_refs import resolve_document_refs
from api.errors import ApiError, from_rpc_error
from api.refusals import refusals_recorded
from api.scope import brn_of, check_scope, not_found
from api.services.startups import startup_row
from api.updates import send_update
from domain.documents import DocumentKind
from domain.followup import SurveyAnswer
from domain.followup_io import FollowUpState, SurveySubmission, followup_workflow_id
from domain.rule_ids import RuleId
from domain.state import Actor
from store.db import engine_of, release

# What the refusal log calls an answer (an Update of the follow-up, not of the lifecycle).
ANSWER_SURVEY = "answer-survey"
# The documents an answer may cite: the company's uploads of kind "other" (성과 증빙).
EVIDENCE_KIND = DocumentKind.OTHER


def _company(session: Session, startup_id: str, actor: Actor) -> str:
    """The brn of a lifecycle the caller may see (a startup only its own: 404 otherwise)."""
    check_scope(startup_id, actor)
    if startup_row(session, startup_id) is None:
        raise not_found(startup_id)
    return brn_of(startup_id)


async def followup_of(session: Session, temporal: Any, startup_id: str, actor: Actor) -> FollowUpState | None:
    """The company's follow-up as its workflow answers it now (an ended one answers its last state);
    None when it has none yet (its program not completed, or no follow-up in the program)."""
    brn = _company(session, startup_id, actor)
    release(session)
    try:
        return await temporal.get_workflow_handle(followup_workflow_id(brn)).query(
            "state", result_type=FollowUpState, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise from_rpc_error(err, f"the follow-up of {brn}") from err
    except WorkflowQueryFailedError as err:
        raise ApiError("unavailable", f"the follow-up of {brn} could not answer: {err}", None, 503) from err


async def followups_of(session: Session, temporal: Any, startup_ids: list[str],
                       actor: Actor) -> dict[str, FollowUpState]:
    """Startup id → its company's follow-up, for the lifecycles given (마이페이지 passes those
    completed or promoted); a company has one follow-up, so its lifecycles share it."""
    found: dict[str, FollowUpState] = {}
    for startup_id in startup_ids:
        state = await followup_of(session, temporal, startup_id, actor)
        if state is not None:
            found[startup_id] = state
    return found


def _no_followup(brn: str) -> ApiError:
    return ApiError("invalid_transition", f"no follow-up of {brn} is running: it starts when the company completes "
                    "its program and ends after its last year (진행 중인 사후관리가 없습니다)",
                    {"rule": RuleId.FOLLOWUP_RUNNING})


async def answer_survey(session: Session, temporal: Any, startup_id: str, actor: Actor,
                        body: SurveyAnswer | bytes | dict[str, Any], request_id: str | None) -> FollowUpState:
    """The answer (the survey's figures, as the API validated them, or a form's fields read as JSON) to the
    company's open survey. Refused as ApiError (recorded for auditors): 422 naming each bad field
    and its rule, 409 when no survey is open, 403 for another company's user."""
    with refusals_recorded(engine_of(session), actor, ANSWER_SURVEY, request_id, startup_id):
        brn = _company(session, startup_id, actor)
        try:
            answer = body if isinstance(body, SurveyAnswer) else SurveyAnswer.model_validate_json(
                body if isinstance(body, bytes) else json.dumps(body).encode())
        except ValidationError as err:
            details = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "rule": e["type"],
                        "message": e["msg"].removeprefix("Value error, ")} for e in err.errors()]
            raise ApiError("validation_error", "invalid survey answer", details) from None
        documents = resolve_document_refs(session, startup_id, answer.evidence, kind=EVIDENCE_KIND, field="evidence")
        release(session)

        def closed_or_unknown(err: RPCError) -> ApiError:
            return _no_followup(brn) if err.status == RPCStatusCode.NOT_FOUND else from_rpc_error(err, brn)

        submission = SurveySubmission(actor=actor, answer=answer, documents=documents)
        try:
            state: FollowUpState = await send_update(temporal.get_workflow_handle(followup_workflow_id(brn)),
                                                     "answer_survey", submission, FollowUpState, closed_or_unknown)
        except ApiError as err:
            if err.code == "validation_error" and isinstance(err.details, dict):
                # The validator names one field; a 422 lists its fields, as every other 422 does.
                raise ApiError(err.code, err.message, [{**err.details, "message": err.message}]) from None
            raise
        return state
