"""A company's follow-up (사후관리) over the API: `GET /startups/{startup_id}/followup` (its state:
the year, the open survey's schedule, the years recorded) and
`POST /startups/{startup_id}/followup/answers` (an answer to the open survey, by the startup or by
its program officer entering a paper answer), both through api/services/followup.py."""

from fastapi import APIRouter, Request

from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.services.followup import answer_survey, followup_of
from domain.followup import SurveyAnswer
from domain.followup_io import FollowUpState
from domain.rule_ids import RuleId

router = APIRouter(prefix="/startups", tags=["follow-up"], responses=ERROR_RESPONSES)


@router.get("/{startup_id}/followup", response_model=FollowUpState,
            description="The company's follow-up (사후관리) after its program: the follow-up year, its survey's "
                        "schedule (opens, due, reminders, escalation, close; UTC), its status and the years "
                        "recorded with their answers. 409 `followup_running` before the company completed.")
async def followup_state(startup_id: str, session: SessionDep, temporal: TemporalDep,
                         actor: Authorized) -> FollowUpState:
    state = await followup_of(session, temporal, startup_id, actor)
    if state is None:
        raise ApiError("invalid_transition", "the company has no follow-up yet: it starts when its program is "
                       "completed (사후관리가 아직 시작되지 않았습니다)", {"rule": RuleId.FOLLOWUP_RUNNING})
    return state


@router.post("/{startup_id}/followup/answers", response_model=FollowUpState,
             description="Answer the company's open yearly survey (성과 조사) with the figures of its fiscal year: "
                         "the startup itself, or its program officer entering a paper answer. Evidence documents "
                         "(uploaded first, kind `other`) are pinned by the SHA-256 of their bytes. 422 "
                         "`validation_error` names each bad field and its rule; 409 `survey_open` when no survey "
                         "is open, `followup_running` when no follow-up runs.")
async def answer_followup_survey(startup_id: str, answer: SurveyAnswer, request: Request, session: SessionDep,
                                 temporal: TemporalDep, actor: Authorized) -> FollowUpState:
    return await answer_survey(session, temporal, startup_id, actor, answer, request.state.request_id)
