"""Public program pages (공고): every call for applications and one call in full, readable without
signing in. The window's countdown is right when the page is served; portal.js keeps it ticking."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.portal.common import Visitor, call_window, not_found_page, page, remaining, window_state
from api.services.programs import program_row, program_rows
from domain.eligibility import earliest_founding
from domain.program import ProgramDefinition

router = APIRouter(include_in_schema=False)

WINDOW_WORDS = {"scheduled": N_("접수 예정"), "open": N_("접수 중"), "closed": N_("접수 마감"),
                "none": N_("후속 단계 연계 전용")}


def window_words() -> dict[str, str]:
    return {state: _(words) for state, words in WINDOW_WORDS.items()}


def eligibility_rules(definition: ProgramDefinition) -> list[str]:
    """Who may apply, in plain words (what the checks at submission enforce)."""
    rules = []
    if definition.application_closes_at:
        earliest = earliest_founding(definition.application_closes_at, definition.founded_within_years)
        rules.append(_("창업 %(years)s년 이내: %(year)s년 %(month)s월 %(day)s일 이후에 설립한 기업") % {
            "years": definition.founded_within_years, "year": earliest.year, "month": f"{earliest.month:02d}",
            "day": f"{earliest.day:02d}"})
    rules += [
        _("유효한 사업자등록번호(10자리, 끝자리 검증번호 일치)를 가진 기업"),
        _("국세청 사업자 상태가 계속사업자인 기업 — 휴업·폐업 사업자는 신청할 수 없습니다"),
        _("참여제한 기간 중이 아닌 기업"),
        _("한 사업에 한 번만 신청할 수 있습니다"),
    ]
    return rules


def _definitions(session: SessionDep) -> list[ProgramDefinition]:
    rows = program_rows(session)
    return [ProgramDefinition.model_validate(r.definition) for r in rows]


@router.get("/calls", response_class=HTMLResponse)
async def calls(request: Request, session: SessionDep, viewer: Visitor) -> HTMLResponse:
    now = datetime.now(UTC)
    found = [d for d in _definitions(session) if d.application_closes_at is not None]
    order = {"open": 0, "scheduled": 1, "closed": 2}
    listed = sorted(((d, window_state(d, now)) for d in found),
                    key=lambda pair: (order[pair[1]], pair[0].application_closes_at))
    return page(request, viewer, "calls.html", calls=listed, now=now, remaining=remaining, window_words=window_words())


@router.get("/calls/{program_id}", response_class=HTMLResponse)
async def call(program_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
               viewer: Visitor) -> HTMLResponse:
    row = program_row(session, program_id)
    if row is None:
        return not_found_page(request, viewer, ApiError(
            "not_found", _("%(program)s 사업이 없습니다.") % {"program": program_id}))
    definition = ProgramDefinition.model_validate(row.definition)
    now = datetime.now(UTC)
    sectors: dict[str, list] = {}
    for task in definition.tasks:
        sectors.setdefault(task.sector, []).append(task)
    state = await call_window(temporal, definition, now)
    return page(request, viewer, "call.html", program=definition, now=now, state=state, remaining=remaining,
                window_words=window_words(), sectors=sectors, rules=eligibility_rules(definition),
                tranche_amounts=definition.tranche_amounts())
