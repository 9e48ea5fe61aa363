"""The startup's request for an agreement amendment (협약 변경) on its agreement page: the form's
fields read into request-amendment's body (only the field of the chosen kind is sent), and the
requests so far as the page lists them (what was asked, how it is decided, the reason given)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.errors import ApiError
from api.i18n import N_, _
from api.pages.shared.form_errors import FormErrors, errors_from
from domain.amendments import AMENDMENT_KINDS
from domain.state import StartupState

# What each field is called on the page (translated when shown).
FIELDS = {
    "kind": N_("변경 종류"), "new_end_on": N_("새 사업 종료일"), "milestones": N_("마일스톤별 새 기한"),
    "partners.0.name": N_("기업명"), "partners.0.brn": N_("사업자등록번호"), "partners.0.region": N_("지역"),
    "task_content": N_("변경 후 과제 내용"), "representative_name": N_("새 대표자 성명"),
    "representative_opened_on": N_("개업일자"), "reason": N_("사유"),
}
KIND_WORDS = {"poc_period": N_("사업 기간"), "milestone_plan": N_("마일스톤 계획"), "sme_partner": N_("수요기업 변경"),
              "task_content": N_("과제 내용"), "representative": N_("대표자 변경"), "budget": N_("사업비 (비목 변경)")}
STATUS_WORDS = {"pending": N_("결정 대기"), "approved": N_("승인"), "rejected": N_("반려"), "effective": N_("반영됨")}
TYPE_WORDS = {"approval": N_("승인 사항"), "notice": N_("통보 사항")}


def body_of(posted: dict[str, str]) -> dict[str, Any]:
    """request-amendment's body from the form: the kind, its own field, the reason."""
    kind = posted.get("kind", "").strip()
    body: dict[str, Any] = {"kind": kind, "reason": posted.get("reason", "").strip()}
    if kind == "poc_period" and posted.get("new_end_on", "").strip():
        body["new_end_on"] = posted["new_end_on"].strip()
    elif kind == "milestone_plan":
        # One "key YYYY-MM-DD" a line, as the console's form takes it.
        rows = [line.replace(",", " ").replace(":", " ").split() for line in posted.get("milestones", "").splitlines()]
        body["milestones"] = [{"milestone": row[0], "due_on": row[-1]} for row in rows if row]
    elif kind == "sme_partner":
        partner = {name: posted.get(f"partners.0.{name}", "").strip() for name in ("name", "brn", "region")}
        body["partners"] = [partner | {"role": "lead"}] if any(partner.values()) else []
    elif kind == "task_content" and posted.get("task_content", "").strip():
        body["task_content"] = posted["task_content"].strip()
    elif kind == "representative":
        for name in ("representative_name", "representative_opened_on"):
            if posted.get(name, "").strip():
                body[name] = posted[name].strip()
    return body


def errors_of(err: ApiError) -> FormErrors:
    """The refusal next to the field it names (a rule of the lifecycle names one too), or at the top."""
    details = err.details
    if err.code == "validation_error" and isinstance(details, dict) and details.get("field") in FIELDS:
        details = [details]
    return errors_from(err.code, err.message, details, set(FIELDS), {})


def kind_options() -> list[tuple[str, str]]:
    return [("", _("선택하십시오"))] + [(kind, _(KIND_WORDS[kind])) for kind in AMENDMENT_KINDS]


@dataclass(frozen=True)
class RequestRow:
    number: int
    kind: str
    type: str
    status: str
    requested_at: datetime
    decision_reason: str
    version: int | None


def requests_of(state: StartupState) -> list[RequestRow]:
    """Every request, newest first, in the page's words."""
    requests = state.amendments.requests if state.amendments else []
    return [RequestRow(r.number, _(KIND_WORDS[r.change.kind]), _(TYPE_WORDS[r.type]), _(STATUS_WORDS[r.status]),
                       r.requested_at, r.decision_reason, r.version)
            for r in reversed(requests)]
