"""Request bodies of the change and dispute actions (issue 30): an agreement amendment asked and
decided (협약 변경), an appeal filed and decided (이의신청). Strict like every action body
(domain/commands.py, whose Body, match partners and document ids they build on); carried into the
Update by the same envelope, `domain.commands.Command`."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from domain.amendments import MilestoneDue, RequestableKind
from domain.appeals import AppealKind
from domain.commands import Body, DocumentIds, MatchBody, PartnerBody
from domain.text import Name, Text


class RequestAmendmentBody(Body):
    """A change to the signed agreement (협약 변경), asked by the startup or the program officer: the
    field of its kind and no other. The program decides which kinds need approval (승인 사항) and
    which take effect at once (통보 사항)."""

    kind: Annotated[RequestableKind, Field(description="poc_period: 사업 기간 (new_end_on); milestone_plan: 마일스톤 "
                                           "계획 (milestones); sme_partner: 수요기업 변경 (partners); task_content: "
                                           "과제 내용 (task_content); representative: 대표자 변경 "
                                           "(representative_name, representative_opened_on)")]
    new_end_on: Annotated[date | None, Field(description="poc_period: the PoC's new end, the last milestone's "
                                             "due date, a KST calendar day (YYYY-MM-DD)")] = None
    milestones: Annotated[list[MilestoneDue], Field(max_length=20, description="milestone_plan: open "
                                                    "milestones with their new due dates")] = []
    partners: Annotated[list[PartnerBody], Field(max_length=10, description="sme_partner: the new SME "
                                                 "partner(s), outside the capital area, exactly one lead")] = []
    task_content: Annotated[Text | None, Field(
        description="task_content: the task's content as amended (과제 내용)")] = None
    representative_name: Annotated[Name | None, Field(
        description="representative: the new representative's name as the tax register names them (대표자 성명)")] = None
    representative_opened_on: Annotated[date | None, Field(
        description="representative: the company's opening day on its registration certificate (개업일자), "
                    "which the register's 진위확인 asks with the name")] = None

    @field_validator("partners")
    @classmethod
    def _partners_as_matched(cls, partners: list[PartnerBody]) -> list[PartnerBody]:
        # The match's own rules (one lead, no partner twice, shares adding up), reused as they are.
        if partners:
            try:
                MatchBody(partners=partners)
            except ValidationError as error:
                first = error.errors()[0]
                raise PydanticCustomError(first["type"], first["msg"]) from None
        return partners


class DecideAmendmentBody(Body):
    """The program officer's decision on the pending amendment request; a rejection gives its reason."""

    decision: Annotated[Literal["approve", "reject"], Field(
        description="approve: the change is made and the agreement gets its next version (변경 N), which the "
                    "startup accepts again; reject: nothing changes")]


class FileAppealBody(Body):
    """An appeal (이의신청) by the startup against one result, with its reasons and documents."""

    kind: Annotated[AppealKind, Field(description="selection: 선정 결과 (rejected or waitlisted); final_evaluation: "
                                      "최종평가; expense: 집행 불인정 (entry_id)")]
    entry_id: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="expense: the disallowed "
                                          "entry's id", examples=["E0001"])] = None
    reasons: Annotated[Text, Field(min_length=1, description="the reasons of the appeal (이의신청 사유)",
                                   examples=["발표평가 점수 산정에 실증 실적이 반영되지 않았습니다"])]
    documents: DocumentIds = []


class DecideAppealBody(Body):
    """A review panel member's decision (심의 결과) on an appeal, always with its written reason."""

    appeal: Annotated[int | None, Field(strict=True, ge=1, description="the appeal's number; omitted: the oldest "
                                        "waiting")] = None
    decision: Annotated[Literal["uphold", "dismiss"], Field(
        description="uphold (인용): the result is changed; dismiss (기각): it stands")]
