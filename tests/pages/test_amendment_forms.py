"""The console's forms for agreement amendments (협약 변경) come from the action registry: every field
labelled in Korean and in English, the kinds and the decision named in words, and the milestone
plan typed one line a milestone read into the body the API takes."""

from api.i18n import ENGLISH, language
from api.pages.console.action_forms import body_from_form, field_labels, fields_for
from domain.action_info import ACTION_BODIES
from domain.phases import Action, Phase
from tests.builders import kst_end_of, milestone, startup


def test_the_amendment_forms_are_labelled_and_read_into_bodies() -> None:
    state = startup(Phase.IN_POC, milestones=[milestone("midterm", kst_end_of(2025, 10, 31)),
                                              milestone("final_report", kst_end_of(2025, 12, 31))])
    request = {f.name: f for f in fields_for(Action.REQUEST_AMENDMENT, state)}
    assert list(request) == ["kind", "new_end_on", "milestones", "task_content", "representative_name",
                             "representative_opened_on", "reason"]
    assert [label for _, label in request["kind"].options or []] == ["사업 기간", "마일스톤 계획", "수요기업 변경", "과제 내용",
                                                                    "대표자 변경"]
    assert (request["new_end_on"].type, request["milestones"].type, request["task_content"].type,
            request["representative_opened_on"].type) == ("date", "textarea", "textarea", "date")
    assert all(f.label != f.name and f.hint for f in request.values())
    decide = {f.name: f for f in fields_for(Action.DECIDE_AMENDMENT, state)}
    assert [label for _, label in decide["decision"].options or []] == ["승인", "반려"]
    with language(ENGLISH):
        english = {f.name: f.label for f in fields_for(Action.REQUEST_AMENDMENT, state)}
        assert english["new_end_on"] == "New end of the PoC" and english["milestones"] == "New due date per milestone"
        assert english["representative_name"] == "New representative's name"
        assert field_labels(Action.DECIDE_AMENDMENT, state)["decision"] == "Decision"
    body, _ = body_from_form(Action.REQUEST_AMENDMENT, {
        "kind": ["milestone_plan"], "milestones": ["midterm 2025-11-14\r\nfinal_report: 2026-01-31\r\n"],
        "new_end_on": [""], "task_content": [""], "representative_name": [""], "representative_opened_on": [""],
        "reason": ["수요기업 일정"]})
    assert body == {"kind": "milestone_plan", "milestones": [{"milestone": "midterm", "due_on": "2025-11-14"},
                                                             {"milestone": "final_report", "due_on": "2026-01-31"}],
                    "partners": [], "reason": "수요기업 일정"}
    ACTION_BODIES[Action.REQUEST_AMENDMENT].model_validate(body)
