"""Agreement amendments (협약 변경) in a real lifecycle, through the API and the worker: a notice-type
change takes effect at once; an approval-type one changes nothing until approved (four eyes, a
rejection with its reason, asked again), and its approval makes the agreement's next version
(변경 1, 변경 2) with its own hash, moves the clocks it touches, and waits for the startup's
acceptance with its password typed again. One walk; its history is saved for the replay test."""

import json
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from domain.phases import Role
from domain.timeutil import end_of_kst_day, kst_date
from tests.browser.conftest import PASSWORD, ensure_user
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import PO, drive, startup_password

# Replayed by tests/workflows/test_replay.py (every saved history): the walk below, captured with AXFLOW_CAPTURE_HISTORIES=1.
SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-amendments.json"


def refusal(answer: dict[str, Any]) -> tuple[str, str, str]:
    """(code, the field named, the rule named) of a refused action."""
    error = answer["error"]
    details = error["details"]
    first = details[0] if isinstance(details, list) else details
    return error["code"], first.get("field", ""), first["rule"]


def last_due(state: dict[str, Any]) -> date:
    return kst_date(datetime.fromisoformat(state["milestones"][-1]["due_at"]))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[-2000:]
    return found.group(1)


async def test_amendments_notice_at_once_approval_after_decision_with_versions(stack: Stack,
                                                                               site: httpx.AsyncClient) -> None:
    startup = await drive(stack, "in_poc")
    sid, me = startup.id, startup.me(stack)
    officer, other_officer = stack.as_role(PO, "po-amend-a"), stack.as_role(PO, "po-amend-b")
    signed = await stack.state(sid, officer)
    assert "request-amendment" in signed["allowed_actions"] and signed["amendments"]["versions"] == []
    first_document = signed["agreement_acceptance"]["document"]

    # A person of the startup, signed in to the portal, asks on its agreement page. 통보 사항 (the
    # task's content): made at once, no new version; a kind without its field is refused naming it.
    ensure_user(stack, f"amend-{startup.brn}", ["startup"], startup.brn)
    form = await site.get("/signin")
    signed_in = await site.post("/signin", data={"login_id": f"amend-{startup.brn}", "password": PASSWORD,
                                                 "csrf_token": csrf(form.text)})
    assert signed_in.status_code == 303, signed_in.text
    page = await site.get(f"/portal/agreement/{sid}")
    assert page.status_code == 200 and 'action="/portal/agreement/' in page.text and "협약 변경 신청" in page.text
    asked_on_page = await site.post(f"/portal/agreement/{sid}/amendment", data={
        "csrf_token": csrf(page.text), "kind": "task_content", "task_content": "실증 범위에 물류 라인 추가",
        "new_end_on": "2030-01-01", "reason": "수요기업 요청"})
    assert asked_on_page.status_code == 303, asked_on_page.text[-2000:]
    notice = await stack.state(sid, me)
    assert notice["amendments"]["requests"][0]["status"] == "effective"
    assert notice["amendments"]["task_content"] == "실증 범위에 물류 라인 추가"
    assert notice["amendments"]["versions"] == []
    listed = await site.get(asked_on_page.headers["location"])
    assert "반영됨" in listed.text and "통보 사항" in listed.text
    missing = await site.post(f"/portal/agreement/{sid}/amendment", data={
        "csrf_token": csrf(listed.text), "kind": "poc_period", "reason": ""})
    assert missing.status_code == 422 and 'id="f-new_end_on-error"' in missing.text, missing.text[-3000:]
    wrong_field = await stack.act(sid, "request-amendment", me, {"kind": "poc_period"}, expect=422)
    assert refusal(wrong_field) == ("validation_error", "new_end_on", "amendment_field_required")

    # 승인 사항 (the PoC's end): nothing moves until approved; the asker never decides; a rejection says why.
    end = last_due(signed) + timedelta(days=30)
    asked = await stack.act(sid, "request-amendment", officer, {"kind": "poc_period", "new_end_on": end.isoformat(),
                                                                "reason": "설비 교체"})
    assert asked["amendments"]["requests"][1]["status"] == "pending" and last_due(asked) == last_due(signed)
    assert asked["amendments"]["requests"][1]["decision_due_at"]
    # Left in the inbox past its decision day, it is escalated once, as a review waiting too long is.
    await stack.skipper.fast_forward(stack.client.get_workflow_handle(sid),
                                     timedelta(days=startup.program.amendments.decision_days + 1))
    escalated = await wait_until(lambda: stack.notifications(sid, "amendment_overdue"), bool,
                                 what="the late decision escalated")
    assert [(n["to"], n["data"]["kind_name"]) for n in escalated] == [("program_manager", "사업 기간")]
    again = await stack.act(sid, "request-amendment", me, {"kind": "task_content", "task_content": "x"}, expect=409)
    assert refusal(again)[2] == "one_amendment_at_a_time"
    own = await stack.act(sid, "decide-amendment", officer, {"decision": "approve"}, expect=403)
    assert refusal(own)[2] == "four_eyes"
    bare = await stack.act(sid, "decide-amendment", other_officer, {"decision": "reject"}, expect=422)
    assert refusal(bare)[1:] == ("reason", "reason_for_rejection")
    rejected = await stack.act(sid, "decide-amendment", other_officer, {"decision": "reject", "reason": "근거 부족"})
    assert rejected["amendments"]["requests"][1]["status"] == "rejected" and last_due(rejected) == last_due(signed)

    # Asked again by the startup, approved: the clock moves and the agreement's 변경 1 waits for acceptance.
    await stack.act(sid, "request-amendment", me, {"kind": "poc_period", "new_end_on": end.isoformat(),
                                                   "reason": "설비 교체 일정 확정"})
    approved = await stack.act(sid, "decide-amendment", other_officer, {"decision": "approve", "reason": "타당"})
    assert last_due(approved) == end
    assert datetime.fromisoformat(approved["milestones"][-1]["due_at"]) == end_of_kst_day(end)
    first_version = approved["amendments"]["versions"][0]
    assert first_version["version"] == 1 and first_version["approved_by_name"] == "po-amend-b"
    assert first_version["document"]["sha256"] != first_document["sha256"]
    await stack.wait_until_state(sid, lambda s: bool(s["amendments"]["versions"]), "변경 1 readable")
    assert "accept-agreement" in (await stack.state(sid, me))["allowed_actions"]
    blocked = await stack.act(sid, "request-amendment", officer, {"kind": "task_content", "task_content": "y"},
                              expect=409)
    assert refusal(blocked)[2] == "one_amendment_at_a_time"
    password = startup_password(stack, startup.brn)
    stale = await stack.act(sid, "accept-agreement", me, {"agreement_sha256": first_document["sha256"],
                                                          "password": password}, expect=409)
    assert refusal(stale)[2] == "agreement_changed"
    await stack.act(sid, "accept-agreement", me, {"agreement_sha256": first_version["document"]["sha256"]},
                    expect=422)
    # The startup reads 변경 1 on its agreement page and accepts it there, its password typed again.
    page = await site.get(f"/portal/agreement/{sid}")
    assert page.status_code == 200 and "변경 1" in page.text, page.text[-3000:]
    assert f'name="agreement_sha256" value="{first_version["document"]["sha256"]}"' in page.text
    taken = await site.post(f"/portal/agreement/{sid}", data={
        "csrf_token": csrf(page.text), "agreement_sha256": first_version["document"]["sha256"],
        "password": PASSWORD, "read_confirmed": "true"})
    assert taken.status_code == 303, taken.text[-2000:]
    accepted = await stack.state(sid, me)
    assert accepted["amendments"]["versions"][0]["accepted_by_id"] and accepted["phase"] == "in_poc"
    assert "변경 1 협약서에 동의했습니다" in (await site.get(taken.headers["location"])).text

    # Another partner (비수도권, by the match's rule), approved: 변경 2, whose document names both changes.
    capital = await stack.act(sid, "request-amendment", officer, {"kind": "sme_partner", "partners": [
        {"name": "㈜서울기계", "brn": new_brn(), "region": "서울"}]}, expect=422)
    assert refusal(capital)[1:] == ("partners.0.region", "regional_partner")
    await stack.act(sid, "request-amendment", officer, {"kind": "sme_partner", "partners": [
        {"name": "㈜부산정밀", "brn": new_brn(), "region": "부산"}], "reason": "기존 수요기업 폐업"})
    second = await stack.act(sid, "decide-amendment", other_officer, {"decision": "approve", "reason": "대체 기업 적격"})
    assert [p["name"] for p in second["partners"]] == ["㈜부산정밀"]
    versions = second["amendments"]["versions"]
    assert [v["version"] for v in versions] == [1, 2] and len({v["document"]["sha256"] for v in versions}) == 2
    text = await _document_text(stack, versions[1]["document"]["id"])
    assert "변경 2" in text and "변경 1" in text and "㈜부산정밀" in text and end.isoformat() in text
    await stack.act(sid, "accept-agreement", me, {"agreement_sha256": versions[1]["document"]["sha256"],
                                                  "password": password})

    # The history keeps every request, decision and acceptance, with who did each.
    async def entries() -> list[dict[str, Any]]:
        return (await stack.call("GET", f"/startups/{sid}/history", stack.as_role(Role.AUDITOR)))["entries"]

    history = await wait_until(entries, lambda es: sum(e["action"] == "accept-agreement" for e in es) == 3,
                               what="the amended versions' acceptances in the history")
    decisions = [(e["actor_name"], e["details"]["decision"], e["details"].get("label")) for e in history
                 if e["action"] == "decide-amendment"]
    assert decisions == [("po-amend-b", "reject", None), ("po-amend-b", "approve", "변경 1"),
                         ("po-amend-b", "approve", "변경 2")]
    assert [e["details"]["type"] for e in history if e["action"] == "request-amendment"] == [
        "notice", "approval", "approval", "approval"]
    assert [e["actor"] for e in history if e["action"] == "amendment_overdue"] == ["system:timer"]
    # Each side is told: the officer of every request, the startup of every decision.
    told = [(n["kind"], n["to"], n["data"].get("decision")) for n in await stack.notifications(sid)
            if n["kind"].startswith("amendment_") and n["kind"] != "amendment_overdue"]
    assert told == [("amendment_requested", "program_officer", None)] * 2 + [
        ("amendment_decided", "startup", "reject"), ("amendment_requested", "program_officer", None),
        ("amendment_decided", "startup", "approve"), ("amendment_requested", "program_officer", None),
        ("amendment_decided", "startup", "approve")]
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES") and (not SAVED_HISTORY.exists()
                                                       or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite"):
        exported = await stack.call("GET", f"/startups/{sid}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")


async def _document_text(stack: Stack, document_id: str) -> str:
    response = await stack.http.get(f"/documents/{document_id}", headers=stack.as_role(Role.AUDITOR))
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8")

