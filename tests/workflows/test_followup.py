"""The FollowUp workflow on the real Temporal server with per-workflow time skipping: one company
through two yearly surveys (the first answered on time, the second late and escalated to the
program officer) across a continue-as-new, and a closed company's follow-up ending at once."""

import io
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from activities.followup import FollowUpActivities
from api.pages.console.exports import XLSX_TYPE
from domain.followup import SurveyAnswer
from domain.followup_io import (
    CHECK_FOLLOWUP_FIGURES,
    PROJECT_FOLLOWUP_YEAR,
    CloseCompany,
    Closure,
    FollowUpInput,
    FollowUpResult,
    FollowUpState,
    StageCompleted,
    SurveySubmission,
    followup_workflow_id,
)
from domain.io import startup_workflow_id
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.state import Actor, StartupState
from domain.timeutil import KST
from store.db import session_scope
from store.followup_tables import FollowUpYearRow
from store.notifications import events_of
from tests.builders import program
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import Startup, drive
from tests.pages.test_console_upload import csrf, sign_in
from workflows.followup import FollowUp

# Replayed by tests/workflows/test_replay.py: both runs of the walk below, captured with AXFLOW_CAPTURE_HISTORIES=1.
SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "followup-two-years.json"
# A lifecycle that completed and started its company's follow-up (patch start-followup).
STARTED_HISTORY = SAVED_HISTORY.with_name("lifecycle-followup-started.json")
# Both runs of the two-year walk under patch followup-deliver (notices to deliver_notification).
DELIVERED_HISTORY = SAVED_HISTORY.with_name("followup-delivered.json")
# The same walk under patch followup-projection (each recorded year into the read model).
PROJECTED_HISTORY = SAVED_HISTORY.with_name("followup-projected.json")
# One year whose typed employees the employment-insurance register did not bear out (patch
# followup-checked-figures): the check, the flag and the officer's notice; and a company the tax
# authority lists as closed, its follow-up ended by the check.
CHECKED_HISTORY = SAVED_HISTORY.with_name("followup-checked-figures.json")
# A consented revenue the tax filing does not bear out, and one not consented (patch followup-revenue-check).
REVENUE_HISTORY = SAVED_HISTORY.with_name("followup-revenue-check.json")
# A suspended company and one the check finds closed, each told to the officer (patch followup-status-notices).
STATUS_HISTORY = SAVED_HISTORY.with_name("followup-status-notices.json")


def capture(path: Path, history: Any) -> None:
    """Saved with AXFLOW_CAPTURE_HISTORIES=1 (kept unless it says overwrite): replayed by test_replay.py."""
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES") and (not path.exists()
                                                       or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite"):
        path.write_text(json.dumps(history, indent=1) + "\n")


def test_docs_followup_lists_every_patch_of_the_follow_up() -> None:
    """docs/followup.md's patch table is workflows/followup_patches.py's ids, in order (no server)."""
    root = SAVED_HISTORY.parents[2]
    declared = re.findall(r'^[A-Z_]+ = "([a-z0-9-]+)"', (root / "workflows/followup_patches.py").read_text(), re.M)
    section = (root / "docs/followup.md").read_text().partition("\n## Patches\n")[2].partition("\n## ")[0]
    assert re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M) == declared == [
        "followup-deliver", "followup-projection", "followup-checked-figures", "followup-revenue-check",
        "followup-status-notices"]


async def start(stack: Stack, years: int, sample: ProgramDefinition | None = None
                ) -> tuple[str, WorkflowHandle[Any, Any]]:
    brn = new_brn()
    sample = sample or program()
    assert sample.followup is not None
    inp = FollowUpInput(brn=brn, company_name="테스트AI", program_id=sample.id, program_name=sample.name,
                        stage=sample.stage, completed_at=datetime.now(UTC),
                        policy=sample.followup.model_copy(update={"years": years}))
    handle = await stack.client.start_workflow(FollowUp.run, inp, id=followup_workflow_id(brn),
                                               task_queue=stack.settings.task_queue)
    return brn, handle


async def state(handle: WorkflowHandle[Any, Any]) -> FollowUpState:
    return await handle.query(FollowUp.current_state)


def startup(brn: str) -> Actor:
    return Actor(id=f"user:{brn}", name="대표", role=Role.STARTUP, brn=brn)


def figures(fiscal_year: int, **fields: Any) -> SurveyAnswer:
    return SurveyAnswer(fiscal_year=fiscal_year, revenue=900_000_000, employees=12, new_hires=3,
                        patents_filed=1, patents_granted=0, **fields)


async def refused(handle: WorkflowHandle[Any, Any], update: Any, arg: Any) -> dict[str, Any]:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, arg)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return {"code": cause.type, **cause.details[0]}


async def notices(stack: Stack, handle: WorkflowHandle[Any, Any], run_id: str | None) -> list[str]:
    """The kinds of notice one run asked for, in order, read from its Temporal history."""
    history = await stack.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
    kinds = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            if attrs.activity_type.name in (PROJECT_FOLLOWUP_YEAR, CHECK_FOLLOWUP_FIGURES):
                continue  # the recorded year into the read model, the register's check: not notices
            payload = (await pydantic_data_converter.decode(attrs.input.payloads, [dict]))[0]
            kinds.append(payload["kind"])
    return kinds


async def test_two_yearly_surveys_one_answered_one_late_and_escalated_across_continue_as_new(stack: Stack) -> None:
    brn, handle = await start(stack, years=2)
    first = await state(handle)
    assert (first.status, first.year, first.schedule.fiscal_year) == ("waiting", 1, first.schedule.opens_at.year - 1)
    answer = figures(first.schedule.fiscal_year)
    assert (await refused(handle, FollowUp.answer_survey, SurveySubmission(actor=startup(brn), answer=answer))
            )["rule"] == "survey_open"

    # The survey opens by its own timer: the company is asked.
    await stack.skipper.fast_forward(handle, first.schedule.opens_at - datetime.now(UTC) + timedelta(hours=1))
    await wait_until(lambda: state(handle), lambda s: s.status == "asking", what="survey opened")
    wrong_year = SurveySubmission(actor=startup(brn), answer=figures(first.schedule.fiscal_year - 1))
    assert (await refused(handle, FollowUp.answer_survey, wrong_year))["rule"] == "survey_fiscal_year"
    other = SurveySubmission(actor=startup(new_brn()), answer=answer)
    assert (await refused(handle, FollowUp.answer_survey, other))["code"] == "forbidden"
    first_run = (await handle.describe()).run_id
    answered = await handle.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(brn), answer=answer))
    assert answered.status == "answered"

    # Year 1 is recorded and the follow-up continues as new for year 2, waiting for its survey.
    second = await wait_until(lambda: state(handle), lambda s: s.year == 2, what="continue-as-new to year 2")
    assert (await handle.describe()).run_id != first_run
    assert [(r.year, r.status, r.answer.revenue if r.answer else None) for r in second.records] == [
        (1, "answered", 900_000_000)]
    assert second.schedule.opens_at.year == first.schedule.opens_at.year + 1 and second.status == "waiting"
    assert await notices(stack, handle, first_run) == ["followup_survey_open"]

    # Nobody answers: two reminders, then the program officer is told once it is 7 days late.
    assert second.records[0].answered_at is not None
    await stack.skipper.fast_forward(handle, second.schedule.escalates_at - second.records[0].answered_at
                                     + timedelta(hours=1))
    late = await wait_until(lambda: state(handle), lambda s: s.escalated, what="escalation")
    assert (late.status, late.reminders_sent) == ("asking", 2)
    await handle.execute_update(FollowUp.answer_survey,
                                SurveySubmission(actor=startup(brn), answer=figures(late.schedule.fiscal_year)))
    result: FollowUpResult = await handle.result()
    assert result.ended == "completed" and result.closure is None
    assert [(r.year, r.status, r.escalated) for r in result.records] == [
        (1, "answered", False), (2, "answered_late", True)]
    assert await notices(stack, handle, None) == ["followup_survey_open", "followup_survey_reminder",
                                                  "followup_survey_reminder", "followup_survey_overdue"]
    # Each year was written into the read model as it was recorded (patch followup-projection).
    with session_scope(stack.engine) as session:
        rows = session.exec(select(FollowUpYearRow).where(FollowUpYearRow.brn == brn)
                            .order_by(col(FollowUpYearRow.year))).all()
        assert [(r.year, r.status, r.escalated, (r.answer or {}).get("revenue")) for r in rows] == [
            (1, "answered", False, 900_000_000), (2, "answered_late", True, 900_000_000)]
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES"):
        runs = [await stack.client.get_workflow_handle(handle.id, run_id=run).fetch_history()
                for run in (first_run, None)]
        # followup-two-years.json was captured before patch followup-deliver (its notices went to
        # the logging stub), followup-delivered.json under it and followup-projected.json under
        # followup-projection too: each is kept as it was captured.
        capture(DELIVERED_HISTORY, [run.to_json_dict() for run in runs])
        capture(PROJECTED_HISTORY, [run.to_json_dict() for run in runs])


async def test_a_later_stage_takes_the_follow_up_over_and_a_closed_company_ends_it_with_a_record(
        stack: Stack) -> None:
    brn, handle = await start(stack, years=5)
    later = program("chogyeokcha-2026")
    assert later.followup is not None
    system = Actor(id="system:workflow", name="lifecycle workflow", role=Role.SYSTEM)
    promoted = StageCompleted(actor=startup(brn), program_id=later.id, program_name=later.name, stage=later.stage,
                              completed_at=datetime.now(UTC), policy=later.followup)
    assert (await refused(handle, FollowUp.stage_completed, promoted))["rule"] == "officer_moves_stage"
    await handle.execute_update(FollowUp.stage_completed, promoted.model_copy(update={"actor": system}))
    # The survey had not opened: no year is recorded, and the later program's follow-up starts.
    moved = await wait_until(lambda: state(handle), lambda s: s.program_id == later.id, what="the later stage")
    assert (moved.year, moved.status, moved.records) == (1, "waiting", [])
    again = promoted.model_copy(update={"actor": system, "completed_at": datetime.now(UTC)})
    assert (await refused(handle, FollowUp.stage_completed, again))["rule"] == "later_stage"

    closing = CloseCompany(actor=startup(brn), closure=Closure(closed_on=date(2027, 1, 15), source="program_officer"))
    assert (await refused(handle, FollowUp.close_company, closing))["rule"] == "officer_closes"
    officer = Actor(id="user:po", name="김담당", role=Role.PROGRAM_OFFICER)
    await handle.execute_update(FollowUp.close_company, closing.model_copy(update={"actor": officer}))
    result: FollowUpResult = await handle.result()
    assert (result.ended, result.closure and result.closure.closed_on) == ("closed", date(2027, 1, 15))
    assert [(r.year, r.status, r.program_id) for r in result.records] == [(1, "closed", later.id)]


async def test_typed_employees_are_checked_against_the_employment_insurance_register(
        stack: Stack, site: httpx.AsyncClient) -> None:
    """One answer whose employees the register does not bear out: flagged, kept as typed, the officer
    told; another while the register is down: recorded unchecked, the follow-up not held up."""
    register = stack.settings.employment_insurance_url
    followed = await stack.program()  # registered: its outcome page reads only its own companies
    (brn, handle), (down_brn, down) = await start(stack, 1, followed), await start(stack, 1, followed)
    closed_brn, closed = await start(stack, 1, followed)
    async with httpx.AsyncClient() as http:
        (await http.put(f"{register}/_workplaces/{brn}", json={"insured": 4, "months": {}})).raise_for_status()
        (await http.put(f"{stack.settings.tax_authority_url}/_businesses/{closed_brn}",
                        json={"status": "closed", "since": "2027-01-10"})).raise_for_status()
        await open_all(stack, handle, down, closed)
        fiscal_year = (await state(handle)).schedule.fiscal_year
        await handle.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(brn),
                                                                             answer=figures(fiscal_year)))
        checked: FollowUpResult = await handle.result()
        # The tax authority lists this one as closed (폐업): its follow-up ends with the closure.
        await closed.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(closed_brn),
                                                                             answer=figures(fiscal_year)))
        ended: FollowUpResult = await closed.result()
        (await http.put(f"{register}/_faults", json={"error_rate": 1.0})).raise_for_status()
        try:
            await down.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(down_brn),
                                                                               answer=figures(fiscal_year)))
            unchecked: FollowUpResult = await down.result()
        finally:
            (await http.put(f"{register}/_faults", json={})).raise_for_status()
    year = checked.records[0]
    assert (year.status, year.figures_check, year.answer and year.answer.employees) == ("answered", "checked", 12)
    assert [(f.kind, f.field, f.typed, f.checked) for f in year.flags] == [("employees_mismatch", "employees", 12, 4)]
    assert await notices(stack, handle, None) == ["followup_survey_open", "followup_figures_mismatch"]
    told = await wait_until(lambda: _events(stack, followed.id, brn, "followup_figures_mismatch"), bool, what="officer told")
    assert told[0].recipients == ["program_officer"] and told[0].data["flags"][0]["checked"] == 4
    assert [(r.status, r.figures_check, r.flags) for r in unchecked.records] == [("answered", "unchecked", [])]
    assert await notices(stack, down, None) == ["followup_survey_open"]
    assert (ended.ended, ended.closure and (ended.closure.source, ended.closure.closed_on)) == (
        "closed", ("tax_authority", date(2027, 1, 10)))
    assert [(r.status, [f.kind for f in r.flags]) for r in ended.records] == [("closed", ["business_closed"])]
    # The officer sees both on the program's outcomes, over the API and on the console's page.
    url = f"/programs/{followed.id}/outcomes"
    found = await wait_until(lambda: stack.call("GET", url, stack.as_role(Role.PROGRAM_OFFICER)),
                             lambda o: len(o["checks"]) == 3, what="checks projected")
    mine = {c["brn"]: c for c in found["checks"]}
    assert (mine[brn]["figures_check"], [f["checked"] for f in mine[brn]["flags"]]) == ("checked", [4])
    assert (mine[down_brn]["figures_check"], mine[down_brn]["flags"]) == ("unchecked", [])
    await sign_in(site, stack, "checks.officer", ["program_officer"])
    page = (await site.get(f"/console{url}")).text
    assert 'id="outcome-checks"' in page and "입력 12명, 고용보험 피보험자 4명" in page
    assert "확인하지 못했습니다" in page and "국세청에 폐업으로 등록되어 있습니다" in page
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES"):
        capture(CHECKED_HISTORY, [(await each.fetch_history()).to_json_dict() for each in (handle, closed)])


async def open_all(stack: Stack, *handles: WorkflowHandle[Any, Any]) -> None:
    for each in handles:
        opens_at = (await state(each)).schedule.opens_at
        await stack.skipper.fast_forward(each, opens_at - datetime.now(UTC) + timedelta(hours=1))
        await wait_until(partial(state, each), lambda s: s.status == "asking", what="survey opened")


async def test_typed_revenue_is_checked_against_the_tax_filing_only_with_the_companys_consent(
        stack: Stack, site: httpx.AsyncClient) -> None:
    """A consented revenue 900,000,000 against a filed 700,000,000 (beyond 5%): flagged, kept as
    typed, the officer told; a company that did not consent: its filing never read, its year
    recorded `no_consent`."""
    tax = stack.settings.tax_authority_url
    followed = await stack.program()
    (brn, consented), (other_brn, declined) = await start(stack, 1, followed), await start(stack, 1, followed)
    await open_all(stack, consented, declined)
    fiscal_year = (await state(consented)).schedule.fiscal_year
    async with httpx.AsyncClient() as http:
        for each in (brn, other_brn):
            filed = {"years": {str(fiscal_year): {"corp_sales_amt": 700_000_000}}}
            (await http.put(f"{tax}/_filings/{each}", json=filed)).raise_for_status()
        await consented.execute_update(FollowUp.answer_survey, SurveySubmission(
            actor=startup(brn), answer=figures(fiscal_year, revenue_consent=True)))
        await declined.execute_update(FollowUp.answer_survey, SurveySubmission(
            actor=startup(other_brn), answer=figures(fiscal_year)))
        flagged: FollowUpResult = await consented.result()
        unread: FollowUpResult = await declined.result()
        read = (await http.get(f"{tax}/_filings/read")).json()
    year = flagged.records[0]
    assert (year.revenue_check, year.answer and year.answer.revenue) == ("checked", 900_000_000)
    assert [(f.kind, f.typed, f.checked) for f in year.flags] == [("revenue_mismatch", 900_000_000, 700_000_000)]
    assert [(r.revenue_check, r.flags) for r in unread.records] == [("no_consent", [])]
    assert (read.get(brn), read.get(other_brn)) == (1, None)  # the one without consent never read
    assert await notices(stack, consented, None) == ["followup_survey_open", "followup_revenue_mismatch"]
    assert await notices(stack, declined, None) == ["followup_survey_open"]
    told = await wait_until(lambda: _events(stack, followed.id, brn, "followup_revenue_mismatch"), bool,
                            what="officer told")
    assert told[0].recipients == ["program_officer"] and told[0].data["flags"][0]["checked"] == 700_000_000
    checks = await wait_until(lambda: _revenue_checks(stack, brn, other_brn), lambda r: len(r) == 2,
                              what="both projected")
    assert checks == {brn: "checked", other_brn: "no_consent"}
    found = await stack.call("GET", f"/programs/{followed.id}/outcomes", stack.as_role(Role.PROGRAM_OFFICER))
    assert [(c["brn"], c["revenue_check"], [f["kind"] for f in c["flags"]]) for c in found["checks"]] == [
        (brn, "checked", ["revenue_mismatch"])]
    await sign_in(site, stack, "revenue.officer", ["program_officer"])
    page = (await site.get(f"/console/programs/{followed.id}/outcomes")).text
    assert "매출: 입력 ₩900,000,000, 국세청 신고 매출 ₩700,000,000" in page
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES"):
        capture(REVENUE_HISTORY, [(await each.fetch_history()).to_json_dict() for each in (consented, declined)])


async def test_a_closure_and_a_suspension_found_by_the_check_are_each_told_to_the_program_officer(
        stack: Stack) -> None:
    tax = stack.settings.tax_authority_url
    followed = await stack.program()
    (closed_brn, closed), (resting_brn, resting) = await start(stack, 1, followed), await start(stack, 1, followed)
    async with httpx.AsyncClient() as http:
        for brn, status in ((closed_brn, {"status": "closed", "since": "2027-01-10"}),
                            (resting_brn, {"status": "suspended", "since": "2027-02-01"})):
            (await http.put(f"{tax}/_businesses/{brn}", json=status)).raise_for_status()
    await open_all(stack, closed, resting)
    fiscal_year = (await state(closed)).schedule.fiscal_year
    for brn, each in ((closed_brn, closed), (resting_brn, resting)):
        await each.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(brn),
                                                                           answer=figures(fiscal_year)))
    ended: FollowUpResult = await closed.result()
    went_on: FollowUpResult = await resting.result()
    assert (ended.ended, [(r.status, [f.kind for f in r.flags]) for r in ended.records]) == (
        "closed", [("closed", ["business_closed"])])
    assert (went_on.ended, [(r.status, [f.kind for f in r.flags]) for r in went_on.records]) == (
        "completed", [("answered", ["business_suspended"])])
    assert await notices(stack, closed, None) == ["followup_survey_open", "followup_business_closed"]
    assert await notices(stack, resting, None) == ["followup_survey_open", "followup_business_suspended"]
    told = await wait_until(lambda: _events(stack, followed.id, closed_brn, "followup_business_closed"), bool,
                            what="closure told")
    assert (told[0].recipients, told[0].data["closed_on"]) == (["program_officer"], "2027-01-10")
    rested = await wait_until(lambda: _events(stack, followed.id, resting_brn, "followup_business_suspended"),
                              bool, what="suspension told")
    assert rested[0].recipients == ["program_officer"]
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES"):
        capture(STATUS_HISTORY, [(await each.fetch_history()).to_json_dict() for each in (closed, resting)])


async def _revenue_checks(stack: Stack, *brns: str) -> dict[str, str | None]:
    """Each company's revenue check as the read model holds it."""
    with session_scope(stack.engine) as session:
        return {row.brn: row.revenue_check
                for row in session.exec(select(FollowUpYearRow).where(col(FollowUpYearRow.brn).in_(brns))).all()}


async def _events(stack: Stack, program_id: str, brn: str, kind: str) -> list[Any]:
    with session_scope(stack.engine) as session:
        return events_of(session, startup_workflow_id(program_id, brn), kind)


@dataclass
class Followed:
    """A company whose lifecycle completed and whose follow-up it started (shared by the module)."""

    startup: Startup
    ended: StartupState
    handle: WorkflowHandle[Any, Any]


@pytest.fixture(scope="module")
async def followed(stack: Stack) -> Followed:
    startup = await drive(stack, "completed")
    lifecycle = stack.client.get_workflow_handle(startup.id, result_type=StartupState)
    await stack.skipper.fast_forward(lifecycle, timedelta(days=startup.program.policy.promotion_window_days + 1))
    ended: StartupState = await lifecycle.result()
    history = await stack.call("GET", f"/startups/{startup.id}/history?format=temporal", stack.as_role(Role.AUDITOR))
    capture(STARTED_HISTORY, history)
    return Followed(startup, ended, stack.client.get_workflow_handle(followup_workflow_id(startup.brn)))


async def open_survey(stack: Stack, handle: WorkflowHandle[Any, Any]) -> FollowUpState:
    """Skip the follow-up's clock to its survey's opening (if it has not opened yet)."""
    now = await state(handle)
    if now.status == "waiting":
        # The follow-up's own clock is where its last answer left it (ahead of ours), or ours.
        clock = max([datetime.now(UTC)] + [r.answered_at for r in now.records if r.answered_at])
        await stack.skipper.fast_forward(handle, now.schedule.opens_at - clock + timedelta(hours=1))
    return await wait_until(lambda: state(handle), lambda s: s.status == "asking", what="the survey opened")


async def test_a_completed_lifecycle_starts_its_follow_up_which_the_company_answers_over_the_api(
        stack: Stack, followed: Followed) -> None:
    startup, ended, handle = followed.startup, followed.ended, followed.handle
    assert ended.phase == "completed" and ended.closed_at is not None
    first = await state(handle)  # started before the lifecycle returned
    assert (first.program_id, first.year, first.status, first.records) == (startup.program.id, 1, "waiting", [])
    assert startup.program.followup is not None and first.years == startup.program.followup.years
    # Its first survey opens on the program's survey day after the completion instant.
    assert timedelta(0) < first.schedule.opens_at - ended.closed_at <= timedelta(days=366)
    answers = f"/startups/{startup.id}/followup/answers"
    me = startup.me(stack)
    early = await stack.call("POST", answers, me, {"fiscal_year": first.schedule.fiscal_year}, expect=409)
    assert early["error"]["details"]["rule"] == "survey_open"

    asking = await open_survey(stack, handle)
    # The notice went the lifecycle's way (patch followup-deliver): an event kept for the company.
    with session_scope(stack.engine) as session:
        assert [e.brn for e in events_of(session, startup.id, "followup_survey_open")] == [startup.brn]
    fiscal = asking.schedule.fiscal_year
    figures = {"fiscal_year": fiscal, **WALKS[0]}
    refused = await stack.call("POST", answers, me, {**figures, "employees": 4, "new_hires": 9}, expect=422)
    [problem] = refused["error"]["details"]
    assert (problem["field"], problem["rule"]) == ("new_hires", "new_hires_within_employees")
    typed = await stack.call("POST", answers, me, {**figures, "revenue": "12억"}, expect=422)
    assert [(d["field"], d["rule"]) for d in typed["error"]["details"]] == [("revenue", "int_type")]
    other = stack.as_startup(new_brn())
    await stack.call("POST", answers, other, {"fiscal_year": fiscal}, expect=404)  # another company's: unknown
    answered = await stack.call("POST", answers, me, figures)
    assert answered["status"] == "answered" and answered["answered_by"].startswith("u-")
    second = await wait_until(lambda: stack.call("GET", f"/startups/{startup.id}/followup", me),
                              lambda s: s["year"] == 2, what="year 2")
    assert [(r["year"], r["status"], r["answer"]["revenue"], r["answer"]["baseline_revenue"], r["revenue_check"])
            for r in second["records"]] == [(1, "answered", 1_200_000_000, 1_000_000_000, "no_record")]
    await stack.call("GET", f"/startups/{startup.id}/followup", stack.as_role(Role.AUDITOR))


async def test_the_portal_form_answers_the_open_survey_and_shows_the_years_answered(
        stack: Stack, followed: Followed, site: httpx.AsyncClient) -> None:
    startup, handle = followed.startup, followed.handle
    await sign_in(site, stack, f"followup.{startup.brn}", ["startup"], startup.brn)
    asking = await open_survey(stack, handle)
    url = f"/portal/followup/{startup.id}"
    form = await site.get(url)
    assert form.status_code == 200 and f'name="fiscal_year" value="{asking.schedule.fiscal_year}"' in form.text
    assert '<label for="f-revenue">매출액 (원)</label>' in form.text
    # The consent to read the tax filing, not given unless ticked; the baseline only in the first survey.
    assert 'name="revenue_consent" value="true"' in form.text and ' checked' not in form.text
    assert ('name="baseline_revenue"' in form.text) == (asking.year == 1)
    fields = {"csrf_token": csrf(form.text), "fiscal_year": str(asking.schedule.fiscal_year), "revenue": "12억",
              "employees": "15", "new_hires": "2", "patents_filed": "0", "patents_granted": "1"}
    wrong = await site.post(url, data=fields)
    assert wrong.status_code == 422 and 'id="f-revenue-error"' in wrong.text and 'aria-invalid="true"' in wrong.text
    more = await site.post(url, data={**fields, "revenue": "1,500,000,000", "new_hires": "20"})
    assert more.status_code == 422 and 'id="f-new_hires-error"' in more.text
    done = await site.post(url, data={**fields, "revenue": "1,500,000,000"}, follow_redirects=True)
    assert done.status_code == 200 and "성과 조사 응답을 제출했습니다." in done.text
    await wait_until(lambda: state(handle), lambda s: s.year == asking.year + 1, what="the next year")
    shown = await site.get(url)
    assert "1,500,000,000" in shown.text or "15억" in shown.text, shown.text
    my_page = await site.get("/portal/my")
    assert f'href="/portal/followup/{startup.id}"' in my_page.text

    # The company completes a later stage: the same follow-up moves on (asked twice, as a retried
    # activity would be), so the company is followed once.
    later = program("chogyeokcha-2026")
    assert later.followup is not None
    completion = FollowUpInput(brn=startup.brn, company_name=followed.ended.company_name, program_id=later.id,
                               program_name=later.name, stage=later.stage,
                               completed_at=datetime.now(UTC) + timedelta(days=800), policy=later.followup)
    starter = FollowUpActivities(stack.client)
    assert [await starter.start_followup(completion) for _ in range(2)] == ["moved", "moved"]
    moved = await wait_until(lambda: state(handle), lambda s: s.program_id == later.id, what="the later stage")
    assert moved.year == 1 and [r.program_id for r in moved.records] == [startup.program.id] * 2


# The figures the two walks above answer, year 1 over the API and year 2 through the portal.
# Year 1 also gives the last year before the program (the growth baseline) and consents to its tax
# filing being read (the simulator holds none for it: revenue_check no_record).
WALKS = [{"revenue": 1_200_000_000, "employees": 14, "new_hires": 4, "patents_filed": 1, "patents_granted": 0,
          "baseline_revenue": 1_000_000_000, "baseline_employees": 10, "revenue_consent": True},
         {"revenue": 1_500_000_000, "employees": 15, "new_hires": 2, "patents_filed": 0, "patents_granted": 1}]


async def two_years_answered(stack: Stack, followed: Followed) -> None:
    """Run alone (-k), the walks above have not answered: answer their figures over the API."""
    handle, startup = followed.handle, followed.startup
    while len((await state(handle)).records) < 2:
        asking = await open_survey(stack, handle)
        await stack.call("POST", f"/startups/{startup.id}/followup/answers", startup.me(stack),
                         {"fiscal_year": asking.schedule.fiscal_year, **WALKS[asking.year - 1]})
        await wait_until(lambda: state(handle), lambda s, year=asking.year: s.year > year,
                         what="the next year's run")


async def test_the_programs_outcomes_count_the_years_answered_over_the_api_in_xlsx_and_on_the_console_page(
        stack: Stack, followed: Followed, site: httpx.AsyncClient) -> None:
    """After the two walks above (year 1 answered over the API, year 2 through the portal), the
    program's outcomes hold both years of the company's cohort, read from the read model."""
    startup, ended = followed.startup, followed.ended
    await two_years_answered(stack, followed)
    policy = startup.program.followup
    assert policy is not None and ended.closed_at is not None
    url = f"/programs/{startup.program.id}/outcomes"
    officer = stack.as_role(Role.PROGRAM_OFFICER)
    found = await wait_until(lambda: stack.call("GET", url, officer), lambda o: len(o["rows"]) == 2,
                             what="both years in the outcomes")
    cohort = str(ended.closed_at.astimezone(KST).year)
    assert (found["followed"], found["years"], found["companies"], found["next_stage"]) == (True, policy.years, 1, [])
    first, second = found["rows"]
    assert [(r["cohort"], r["year"], r["companies"], r["survived"], r["survival_rate_percent"], r["answered"])
            for r in (first, second)] == [(cohort, 1, 1, 1, 100.0, 1), (cohort, 2, 1, 1, 100.0, 1)]
    # Year 1 grows on the last year before the program its first survey gave (1,000,000,000 won and
    # 10 people); year 2 grows on year 1.
    assert (first["revenue_total"], first["revenue_growth_total_percent"], first["revenue_growth_median_percent"],
            first["jobs_created"], first["new_hires"]) == (1_200_000_000, 20.0, 20.0, 4, 4)
    assert (second["revenue_total"], second["revenue_growth_total_percent"], second["revenue_growth_median_percent"],
            second["jobs_created"], second["patents_granted"]) == (1_500_000_000, 25.0, 25.0, 1, 1)
    targets = {t["measure"]: t for t in second["targets"]}
    assert list(targets) == [t.measure for t in policy.targets]
    assert targets["revenue_growth_total_percent"]["status"] == "met"  # 25.0% against 20%
    assert targets["jobs_created"]["status"] == ("met" if policy.target("jobs_created") == 1 else "missed")
    assert {t["status"] for t in first["targets"] if t["measure"].startswith("revenue_growth")} == {"met"}
    # Officers and auditors read it; an evaluator and a startup do not.
    await stack.call("GET", url, stack.as_role(Role.AUDITOR))
    await stack.call("GET", url, stack.as_role(Role.EVALUATOR), expect=403)
    await stack.call("GET", url, startup.me(stack), expect=403)
    await stack.call("GET", "/programs/no-such-program/outcomes", officer, expect=404)

    sheet = await stack.http.get(f"{url}?format=xlsx", headers=officer)
    assert sheet.status_code == 200 and sheet.headers["content-type"] == XLSX_TYPE
    book = load_workbook(io.BytesIO(sheet.content), read_only=True)
    assert book.sheetnames == ["성과지표", "목표 대비", "다음 단계 진출", "수치 확인"]
    figures = list(book["성과지표"].iter_rows(values_only=True))
    assert figures[0][:3] == ("코호트 (완료 연도)", "연차", "기업 수")
    assert [row[:2] for row in figures[1:]] == [(cohort, 1), (cohort, 2)]
    assert figures[2][figures[0].index("매출액 합계 (원)")] == 1_500_000_000
    # Each year's checks: year 1 consented (the tax simulator holds no filing for it), year 2 did not.
    checks = list(book["수치 확인"].iter_rows(values_only=True))
    revenue = checks[0].index("매출 확인")
    assert [(row[1], row[revenue]) for row in checks[1:]] == [(1, "기록 없음"), (2, "동의 없음")]

    await sign_in(site, stack, "outcomes.officer", ["program_officer"])
    dashboard = await site.get(f"/console/programs/{startup.program.id}")
    assert f'href="/console/programs/{startup.program.id}/outcomes"' in dashboard.text
    page = await site.get(f"/console/programs/{startup.program.id}/outcomes")
    assert page.status_code == 200 and "사후관리 성과" in page.text
    assert page.text.count('role="img"') == 4 and 'id="outcome-figures"' in page.text
    assert "1,500,000,000" in page.text and "25.0%" in page.text and "달성" in page.text
    assert f"{cohort}년 완료 · 2년차" in page.text
    assert f'href="/programs/{startup.program.id}/outcomes?format=xlsx"' in page.text
