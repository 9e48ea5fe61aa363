"""The yearly survey (성과 조사) of a company's follow-up on the portal: the open survey's form, the
survey's dates, and the company's own history of answers, year by year.

The form posts the same answer the API takes (`POST /startups/{startup_id}/followup/answers`,
through api/services/followup.py), so a refusal names the same field and rule, shown next to it.
Figures are typed as whole numbers (won, people, patents); a blank optional figure is no answer.
"""

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.portal.common import Errors, StartupViewer, add_error, api_errors, not_found_page, page
from api.pages.shared.common import check_csrf
from api.pages.shared.followup_words import STATUS_WORDS
from api.scope import brn_of, check_scope
from api.services.documents import company_documents
from api.services.followup import EVIDENCE_KIND, answer_survey, followup_of
from domain.followup_io import FollowUpState

router = APIRouter(include_in_schema=False)

FIGURES = ("revenue", "employees", "new_hires", "patents_filed", "patents_granted", "exports")
# Each figure's label with its unit on the form (Korean; English in the catalogue).
FIGURE_WORDS = {"revenue": N_("매출액 (원)"), "employees": N_("상시 근로자 수 (연말, 명)"),
                "new_hires": N_("신규 고용 (명)"), "patents_filed": N_("특허 출원 (건수)"),
                "patents_granted": N_("특허 등록 (건수)"), "exports": N_("수출액 (원)")}
# Asked in the first survey only: the last year before the program, the growth baseline.
BASELINE_WORDS = {"baseline_revenue": N_("참여 전 연도 매출액 (원)"),
                  "baseline_employees": N_("참여 전 연도 상시 근로자 수 (연말, 명)")}
CONSENT_WORDS = N_("매출 확인을 위해 국세청 신고 매출(부가세·법인세) 조회에 동의합니다 (선택)")
# Every field's label, for the list of problems at the top (each links to its field).
OTHER_LABELS = {"investments.0.investor": N_("투자사"), "investments.0.round": N_("투자 단계"),
                "investments.0.amount": N_("투자 금액 (원)"), "awards": N_("수상 (한 줄에 하나)"),
                "narrative": N_("한 해의 성과 요약"), "evidence": N_("증빙 문서 (기타 문서로 올린 파일)"),
                "fiscal_year": N_("실적 연도"), "revenue_consent": CONSENT_WORDS, **BASELINE_WORDS}
ROUND_WORDS = {"seed": N_("시드"), "pre_a": N_("프리 A"), "series_a": N_("시리즈 A"), "series_b": N_("시리즈 B"),
               "series_c_plus": N_("시리즈 C 이상"), "strategic": N_("전략적 투자"), "other": N_("기타")}
WHOLE = re.compile(r"\d{1,3}(,\d{3})*|\d+")
FIELDS = {*FIGURES, *BASELINE_WORDS, "revenue_consent",
          "fiscal_year", "investments.0.investor", "investments.0.round", "investments.0.amount",
          "awards", "narrative", "evidence"}


def read_answer_form(form: Mapping[str, Any], evidence: list[str]) -> tuple[dict[str, Any], Errors]:
    """The posted fields as the answer's JSON, and the problems the form itself can see (a figure
    that is not a whole number). One investment round at most, awards one per line."""
    errors: Errors = {}
    body: dict[str, Any] = {"fiscal_year": int(str(form.get("fiscal_year") or "0") or 0)}
    for name in (*FIGURES, *BASELINE_WORDS):
        typed = str(form.get(name) or "").strip()
        if not typed:
            continue
        if WHOLE.fullmatch(typed):
            body[name] = int(typed.replace(",", ""))
        else:
            add_error(errors, name, _("숫자만 입력하세요. 예: 1200000000"))
    investor, amount = str(form.get("investments.0.investor") or "").strip(), str(
        form.get("investments.0.amount") or "").strip()
    if investor or amount:
        if not WHOLE.fullmatch(amount):
            add_error(errors, "investments.0.amount", _("숫자만 입력하세요. 예: 1200000000"))
        else:
            body["investments"] = [{"investor": investor, "round": str(form.get("investments.0.round") or "other"),
                                    "amount": int(amount.replace(",", ""))}]
    body["awards"] = [line.strip() for line in str(form.get("awards") or "").splitlines() if line.strip()]
    body["narrative"] = str(form.get("narrative") or "").strip()
    body["evidence"] = evidence
    body["revenue_consent"] = form.get("revenue_consent") == "true"  # not given unless ticked
    return body, errors


async def _page(request: Request, session: Session, temporal: Any, viewer: StartupViewer, startup_id: str,
                errors: Errors | None = None, typed: Mapping[str, Any] | None = None, status: int = 200,
                notice: str | None = None) -> HTMLResponse:
    check_scope(startup_id, viewer.actor)
    documents = [d for d in company_documents(session, brn_of(startup_id))
                 if d.startup_id == startup_id and d.kind == EVIDENCE_KIND.value]
    followup: FollowUpState | None = await followup_of(session, temporal, startup_id, viewer.actor)
    return page(request, viewer, "followup.html", status, startup_id=startup_id, followup=followup,
                errors=errors or {}, typed=typed or {}, notice=notice, documents=documents, figure_words=FIGURE_WORDS,
                status_words=STATUS_WORDS, round_words=ROUND_WORDS, baseline_words=BASELINE_WORDS,
                consent_words=CONSENT_WORDS,
                labels={name: _(label) for name, label in {**FIGURE_WORDS, **OTHER_LABELS}.items()})


@router.get("/portal/followup/{startup_id}", response_class=HTMLResponse)
async def followup_page(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                        viewer: StartupViewer, done: str = "") -> HTMLResponse:
    try:
        return await _page(request, session, temporal, viewer, startup_id,
                           notice=_("성과 조사 응답을 제출했습니다.") if done == "answered" else None)
    except ApiError as err:
        if err.status != 404:
            raise
        return not_found_page(request, viewer, err)


@router.post("/portal/followup/{startup_id}", response_class=HTMLResponse)
async def answer(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                 viewer: StartupViewer) -> Response:
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    check_scope(startup_id, viewer.actor)
    body, errors = read_answer_form(form, [str(d) for d in form.getlist("evidence")])
    status = 422
    if not errors:
        try:
            await answer_survey(session, temporal, startup_id, viewer.actor, body, request.state.request_id)
        except ApiError as err:
            if err.status == 404:
                raise
            errors, status = api_errors(err, {name: name for name in FIELDS}), err.status
        else:
            return RedirectResponse(request.url_for("followup_page", startup_id=startup_id).path + "?done=answered",
                                    303)
    return await _page(request, session, temporal, viewer, startup_id, errors, form, status)
