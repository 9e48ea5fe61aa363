"""An action's form, built from its body model (domain/commands.py), and the way back: form
fields into the body the API would receive, and the API's refusal onto the fields it names.

Scalar fields are generic (text, number, date, select for a Literal, checkbox for a bool); the
lists are hand-written in the template: SME partners, document ids, settlement lines. Field names
are the API's dotted paths ("partners.0.region"), so a 422 detail lands next to its own field."""

import re
import types
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from api.i18n import N_, _, pgettext
from api.pages.shared import labels
from domain.action_info import ACTION_BODIES
from domain.formatting import won
from domain.phases import Action
from domain.program import CAPITAL_AREA
from domain.state import StartupState

# Rows offered for list fields; blank rows are left out of the body.
PARTNER_ROWS, LINE_ROWS = 3, 5
LIST_FIELDS = {"partners", "documents", "lines"}
# What each field is called (translated where shown: `labels_shown`).
LABELS = {
    "reason": N_("사유"), "round": N_("평가 단계"), "score": N_("점수"),
    "agreement_no": N_("협약번호"), "tranche": N_("지급 회차"),
    "account": N_("입금 계좌"), "decision": N_("결정"), "kind": N_("종류"),
    "milestone": N_("마일스톤"), "deliverable": N_("산출물 설명"),
    "revise_due_on": N_("보완 기한"), "deadline": N_("연장할 기한"),
    "new_due_on": N_("새 기한"), "shift_later": N_("이후 마일스톤도 함께 연장"),
    "grade": N_("등급"), "target_program_id": N_("연계할 사업"), "cause": N_("해지 사유"),
    "clawback_amount": N_("환수액, 원"), "ban_years": N_("참여제한 연수"),
    "honest_failure": N_("성실실패"), "documents": N_("서류"), "partners": N_("수요기업"),
    "lines": N_("정산 내역"), "name": N_("기업명"), "brn": N_("사업자등록번호"), "region": N_("지역"),
    "role": N_("역할"), "share_percent": N_("지분, %"), "item": N_("비목"),
    "amount": N_("금액, 원"), "receipts": N_("증빙 서류 id"),
    "agreement_sha256": N_("협약서 SHA-256"), "password": N_("비밀번호"),
    "new_end_on": N_("새 사업 종료일"), "milestones": N_("마일스톤별 새 기한"), "task_content": N_("변경 후 과제 내용"),
    "representative_name": N_("새 대표자 성명"), "representative_opened_on": N_("개업일자"),
        "appeal": N_("이의신청 번호"), "reasons": N_("이의신청 사유"), "entry_id": N_("집행 내역 번호"),
}
# Each field's hint in the page's words (the body model's descriptions are the API's, in English
# with Korean terms beside: they stay in the API's documentation). No hint where the choices
# say it all.
HINTS = {
    "reason": N_("왜 하는지 적습니다. 비워도 됩니다. 처리한 사람과 함께 이력에 남습니다."),
    "score": N_("0에서 100 사이의 정수"),
    "agreement_no": N_("협약서에 적힌 번호"),
    "account": N_("은행이 거절한 계좌를 고칠 때만 적습니다. 비우면 등록된 계좌로 보냅니다."),
    "deliverable": N_("무엇을 냈는지: 제목이나 링크. 서류를 고르면 비워도 됩니다."),
    "revise_due_on": N_("보완 요청일 때만: 다시 제출할 기한(한국 날짜). 비우면 정책의 보완 기간(기본 14일)."),
    "new_due_on": N_("새 기한(한국 날짜)"),
    "shift_later": N_("뒤에 남은 마일스톤의 기한도 같은 날수만큼 미룹니다."),
    "grade": N_("S가 가장 높습니다."),
    "target_program_id": N_("다음 단계의 사업: Micro 초격차 → 초격차 → Beyond 초격차"),
    "clawback_amount": N_("비우면 지금까지 지급한 전액을 환수합니다."),
    "ban_years": N_("어느 사업에도 신청할 수 없는 햇수"),
    "honest_failure": N_("성실실패이면 회계 담당자가 환수를 면제할 수 있습니다."),
    "agreement_sha256": N_("읽은 협약서의 SHA-256. 그 뒤 협약서가 바뀌었으면 거절됩니다."),
    "password": N_("스타트업 사용자의 비밀번호(본인 확인). 확인만 하고 기록하지 않습니다."),
    "new_end_on": N_("사업 기간 변경일 때만: 마지막 마일스톤의 새 기한(한국 날짜)"),
    "milestones": N_("마일스톤 계획 변경일 때만: 한 줄에 하나씩 마일스톤 키와 새 기한 (예: midterm 2025-11-30)"),
    "task_content": N_("과제 내용 변경일 때만: 바뀐 과제 내용"),
    "representative_name": N_("대표자 변경일 때만: 사업자등록증에 적힌 새 대표자 성명. 국세청 진위확인을 거칩니다."),
    "representative_opened_on": N_("대표자 변경일 때만: 사업자등록증의 개업일자(진위확인에 함께 씁니다)"),
}
ACTION_HINTS = {
    (Action.REVIEW_MILESTONE, "decision"): N_("승인: 마일스톤 완료. 보완 요청: 스타트업이 새 기한까지 다시 제출합니다."),
    (Action.WAIVE_CLAWBACK, "decision"): N_("면제 승인: 환수하지 않습니다. 면제 거절: 환수액을 그대로 받습니다."),
    (Action.REQUEST_AMENDMENT, "kind"): N_("종류에 맞는 항목 하나만 채웁니다. 승인 사항은 담당자가 승인한 뒤에, 통보 사항은 "
                                          "바로 반영됩니다. 수요기업 변경은 아래 수요기업 칸에 적습니다."),
    (Action.DECIDE_AMENDMENT, "decision"): N_("승인: 변경이 반영되고 새 협약서(변경 N)를 스타트업이 다시 동의합니다. "
                                              "반려: 사유를 적습니다."),
    (Action.DECIDE_APPEAL, "decision"): N_("인용: 결과를 바꿉니다(선정 결과는 처음 평가하지 않은 평가위원이 다시 평가). "
                                           "기각: 결과가 그대로입니다."),
    (Action.DECIDE_APPEAL, "reason"): N_("심의 결과의 사유. 인용이든 기각이든 반드시 적습니다. 스타트업이 포털에서 읽습니다."),
    (Action.DECIDE_APPEAL, "appeal"): N_("비우면 가장 먼저 접수된 심의 대기 이의신청"),
}
# Choices that mean something else in one action's form than the shared words say.
ACTION_CHOICES = {
    (Action.DECIDE_AMENDMENT, "approve"): N_("승인"), (Action.DECIDE_AMENDMENT, "reject"): N_("반려"),
    (Action.DECIDE_APPEAL, "uphold"): N_("인용"), (Action.DECIDE_APPEAL, "dismiss"): N_("기각"),
    (Action.FILE_APPEAL, "selection"): N_("선정 결과"), (Action.FILE_APPEAL, "final_evaluation"): N_("최종평가"),
    (Action.FILE_APPEAL, "expense"): N_("집행 불인정"),
}


def choice_labels() -> dict[str, str]:
    """What a choice is called, in the page's language (asked when a page is built)."""
    return {
        "document": _("서면평가"), "presentation": _("발표평가"),
        "accept": pgettext("milestone review", "승인"), "revise": _("보완 요청"),
        "approve": _("면제 승인"), "reject": _("면제 거절"),
        "refund": _("반납"), "clawback": _("환수"), "lead": _("주관기업"), "member": _("참여기업"),
        "fraud": _("부정행위"), "misuse": _("목적외 사용"), "abandonment": _("사업 포기"),
        "non_performance": _("수행 불량"), "agreement": _("협약 체결 기한"),
        "poc_period": _("사업 기간"), "milestone_plan": _("마일스톤 계획"), "sme_partner": _("수요기업 변경"),
        "task_content": _("과제 내용"), "representative": _("대표자 변경"),
    }


NUMBER = re.compile(r"^-?\d+$")


@dataclass
class FormField:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    hint: str | None = None
    options: list[tuple[str, str]] | None = None
    attrs: dict[str, str] = field(default_factory=dict)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The bare type under `Annotated[...]` and `| None`, and whether None was allowed."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation, optional


def _choices_from_state(name: str, action: Action, state: StartupState) -> list[str] | None:
    if name == "tranche":
        wanted = {"approve-disbursement": ("requested",)}.get(action.value, ("due", "payment_failed"))
        keys = [t.key for t in state.tranches if t.status in wanted]
        return keys or [t.key for t in state.tranches]
    if name == "milestone":
        open_ones = [m.key for m in state.milestones if (m.status == "submitted") == (action is Action.REVIEW_MILESTONE)
                     and m.status != "accepted"]
        return open_ones or [m.key for m in state.milestones]
    if name == "deadline":
        return (["agreement"] if state.agreement_due_at and state.agreement_signed_at is None else []) + \
            [m.key for m in state.milestones if m.open]
    return None


def _choice_label(name: str, value: str, state: StartupState) -> str:
    if name == "tranche" and (t := state.tranche(value)):
        return f"{t.label} · {won(t.amount)}"
    if name in ("milestone", "deadline") and (m := state.milestone(value)):
        return f"{m.title} ({m.key})"
    return choice_labels().get(value, value)


def fields_for(action: Action, state: StartupState) -> list[FormField]:
    """The scalar fields of the action's body, in the model's order (lists come from the template)."""
    found = []
    model_fields = ACTION_BODIES[action].model_fields
    # The reason last: what is done first, then why.
    for name, info in sorted(model_fields.items(), key=lambda item: item[0] == "reason"):
        if name in LIST_FIELDS:
            continue
        annotation, optional = _unwrap(info.annotation)
        hint = ACTION_HINTS.get((action, name)) or HINTS.get(name)
        spec = FormField(name, _(LABELS.get(name, name)), required=info.is_required() and name != "reason",
                         hint=_(hint) if hint else None)
        choices = _choices_from_state(name, action, state)
        if get_origin(annotation) is Literal or choices is not None:
            values = choices if choices is not None else [str(v) for v in get_args(annotation)]
            spec.type = "select"
            spec.options = ([("", _("선택 안 함"))] if optional or not info.is_required() else []) + \
                [(v, _(ACTION_CHOICES[(action, v)]) if (action, v) in ACTION_CHOICES else _choice_label(name, v, state))
                 for v in values]
        elif annotation is bool:
            spec.type = "checkbox"
        elif annotation is int:
            # Text, not type=number: people type money as "80,000,000" (commas are read back).
            spec.attrs = {"inputmode": "numeric", "autocomplete": "off"}
        elif annotation is date:
            spec.type = "date"
        elif name in ("reason", "task_content", "milestones", "reasons"):
            spec.type = "textarea"
        found.append(spec)
    return found


def region_choices() -> list[tuple[str, str]]:
    """The 시·도 an SME partner may be in (비수도권: the rule's capital area is not offered), by
    their official names in the page's language; the value is the short name the API keeps."""
    return [("", _("시·도를 고르세요"))] + [(short, labels.label(labels.REGION_NAMES, short))
                                         for short in labels.REGION_NAMES if short not in CAPITAL_AREA]


def with_program_choices(fields: list[FormField], programs: list[tuple[str, str]]) -> list[FormField]:
    """The promotion's target as a choice among the programs of the next stage (id, name), so that
    nobody has to know an id; with none to offer the field stays free text (the rule refuses it)."""
    for spec in fields:
        if spec.name == "target_program_id" and programs:
            spec.type, spec.options = "select", [(pid, f"{name} ({pid})") for pid, name in programs]
    return fields


def _number(text: str) -> int | str:
    """"80,000,000", "₩80000000" or "8000 원" → 80000000; anything else stays text (and is refused)."""
    cleaned = re.sub(r"[\s,₩원]", "", text)
    return int(cleaned) if NUMBER.match(cleaned) else text


def _scalar(model: type[BaseModel], name: str, text: str) -> Any:
    annotation, _ = _unwrap(model.model_fields[name].annotation)
    if annotation is int:
        return _number(text)
    return text


def _rows(form: dict[str, list[str]], model: type[BaseModel], prefix: str, rows: int,
          remap: dict[str, str]) -> list[dict[str, Any]]:
    """Filled rows of a repeated group (`prefix.{i}.{field}`); blank rows are left out, and
    `remap` takes the body's index back to the form's row for error messages."""
    found: list[dict[str, Any]] = []
    for row in range(rows):
        values: dict[str, Any] = {}
        for name in model.model_fields:
            text = (form.get(f"{prefix}.{row}.{name}") or [""])[0].strip()
            if not text:
                continue
            if name == "receipts":
                values[name] = [part for part in re.split(r"[\s,]+", text) if part]
            else:
                values[name] = _scalar(model, name, text)
        # A row with only its default role chosen is still an empty row.
        if {k for k in values if k != "role"}:
            remap[f"{prefix}.{len(found)}"] = f"{prefix}.{row}"
            found.append(values)
    return found


def body_from_form(action: Action, form: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON body a form stands for, and the remapping of list indexes for its errors. Blank
    fields are left out (the model's default applies, or its "required" error names the field)."""
    model = ACTION_BODIES[action]
    body: dict[str, Any] = {}
    remap: dict[str, str] = {}
    for name, info in model.model_fields.items():
        if name == "documents":
            body[name] = [v for v in form.get(name, []) if v]
        elif name == "partners":
            body[name] = _rows(form, _item_model(info.annotation), name, PARTNER_ROWS, remap)
        elif name == "lines":
            body[name] = _rows(form, _item_model(info.annotation), name, LINE_ROWS, remap)
        elif name == "milestones":
            body[name] = _milestone_dues((form.get(name) or [""])[0])
        else:
            annotation, _ = _unwrap(info.annotation)
            text = (form.get(name) or [""])[0].strip()
            if annotation is bool:
                body[name] = text == "true"
            elif text:
                body[name] = _scalar(model, name, text)
    return body, remap


def _milestone_dues(text: str) -> list[dict[str, str]]:
    """An amendment's milestone plan as typed: one "key YYYY-MM-DD" a line (the body's checks name
    a line that is not)."""
    rows = [line.replace(",", " ").replace(":", " ").replace("=", " ").split() for line in text.splitlines()]
    return [{"milestone": row[0], "due_on": row[-1]} for row in rows if row]


def _item_model(annotation: Any) -> type[BaseModel]:
    return get_args(annotation)[0]


def field_labels(action: Action, state: StartupState) -> dict[str, str]:
    """What the error summary calls each field, rows of lists included ("수요기업 2 · 지역"), in the
    page's language."""
    shown = {name: _(label) for name, label in LABELS.items()}
    found = shown | {f.name: f.label for f in fields_for(action, state)}
    for row in range(PARTNER_ROWS):
        found |= {f"partners.{row}.{n}": _("수요기업 %(n)s · %(field)s") % {"n": row + 1, "field": shown[n]}
                  for n in ("name", "brn", "region", "role", "share_percent")}
    for row in range(LINE_ROWS):
        found |= {f"lines.{row}.{n}": _("정산 내역 %(n)s · %(field)s") % {"n": row + 1, "field": shown[n]}
                  for n in ("item", "amount", "receipts")}
    return found


def form_names(action: Action, state: StartupState) -> set[str]:
    """Every field name the form shows (for placing errors)."""
    return set(field_labels(action, state)) - {"item", "amount", "receipts", "name", "brn", "region", "role",
                                                 "share_percent"}
