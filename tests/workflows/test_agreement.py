"""The agreement in two steps, end to end over the API: the system generates the agreement at the
match and stores it as a document; the startup accepts those bytes with its password typed again;
the program officer countersigns; only then is the startup contracted. Both steps are in the
history with who, when and the document's hash."""

import hashlib
from typing import Any

from axflow.agreement import render_agreement
from domain.phases import Role
from domain.state import StartupState
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import PO, STARTUP_PASSWORD, drive, match, startup_password

AUDITOR = Role.AUDITOR


async def _download(stack: Stack, document_id: str, headers: dict[str, str]) -> tuple[bytes, str]:
    response = await stack.http.get(f"/documents/{document_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.content, response.headers["content-type"]


async def _verify(stack: Stack, data: bytes) -> dict[str, Any]:
    response = await stack.http.post("/documents/verify", headers=stack.as_role(AUDITOR),
                                     files={"file": ("협약서.html", data, "text/html")})
    assert response.status_code == 200, response.text
    return response.json()


async def _history_through(stack: Stack, startup_id: str, action: str) -> list[dict[str, Any]]:
    """The readable history once the read model holds `action` (it is written just after the Update)."""
    async def fetch() -> list[dict[str, Any]]:
        return (await stack.call("GET", f"/startups/{startup_id}/history", stack.as_role(AUDITOR)))["entries"]
    return await wait_until(fetch, lambda entries: any(e["action"] == action for e in entries),
                            what=f"{action} in the history")


def _refusal(answer: dict[str, Any]) -> tuple[str, Any]:
    error = answer["error"]
    details = error["details"]
    rule = details[0]["rule"] if isinstance(details, list) else (details or {}).get("rule")
    return error["code"], rule


async def test_the_startup_accepts_then_the_officer_countersigns(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    me, officer = startup.me(stack), stack.as_role(PO)
    matched = await match(stack, startup.id)
    assert matched["phase"] == "matched" and matched["agreement_two_step"] is True
    document = matched["agreement_document"]
    assert document["kind"] == "agreement" and document["filename"].endswith(".html")
    assert "accept-agreement" in (await stack.state(startup.id, me))["allowed_actions"]
    assert "sign-agreement" not in (await stack.state(startup.id, officer))["allowed_actions"]

    # The startup downloads the generated agreement: its bytes are the recorded hash, and the same
    # program and match render the same bytes again.
    data, content_type = await _download(stack, document["id"], me)
    assert hashlib.sha256(data).hexdigest() == document["sha256"] and content_type.startswith("text/html")
    text = data.decode("utf-8")
    assert startup.program.name in text and "강원 정밀 SME" in text and "56,000,000원" in text
    program = await stack.program_definition(startup.program.id)
    assert render_agreement(program, StartupState.model_validate(matched)) == data

    # Refused: the countersign before the startup accepted; another company's user; no password,
    # a wrong one; a hash that is not the agreement's.
    early = await stack.act(startup.id, "sign-agreement", officer, {"agreement_no": "AX-2"}, expect=409)
    assert _refusal(early) == ("conflict", "startup_accepts_first")
    body = {"agreement_sha256": document["sha256"], "password": startup_password(stack, startup.brn)}
    stranger = new_brn()
    startup_password(stack, stranger)
    assert _refusal(await stack.act(startup.id, "accept-agreement", stack.as_startup(stranger), body,
                                    expect=404)) == ("not_found", None)
    missing = await stack.act(startup.id, "accept-agreement", me, body | {"password": ""}, expect=422)
    assert _refusal(missing) == ("validation_error", "reauthentication")
    assert missing["error"]["details"][0]["field"] == "password"
    wrong = await stack.act(startup.id, "accept-agreement", me, body | {"password": "Wrong!pass-2025"}, expect=422)
    assert _refusal(wrong) == ("validation_error", "password_mismatch")
    assert "비밀번호" in wrong["error"]["message"]
    stale = await stack.act(startup.id, "accept-agreement", me, body | {"agreement_sha256": "0" * 64}, expect=409)
    assert _refusal(stale) == ("conflict", "agreement_changed")

    accepted = await stack.act(startup.id, "accept-agreement", me, body | {"reason": "내용 확인"})
    assert accepted["phase"] == "matched"
    assert accepted["agreement_acceptance"]["document"]["sha256"] == document["sha256"]
    assert accepted["agreement_acceptance"]["by_id"] == stack.user_id(f"startup-{startup.brn}")
    signed = await stack.act(startup.id, "sign-agreement", officer, {"agreement_no": "AX-2"})
    assert signed["phase"] == "contracted" and signed["agreement_documents"][0]["sha256"] == document["sha256"]

    # The history: both steps, who (user id, name, role), when, and the hash.
    entries = await _history_through(stack, startup.id, "sign-agreement")
    steps = {e["action"]: e for e in entries if e["action"] in ("accept-agreement", "sign-agreement")}
    accept, sign = steps["accept-agreement"], steps["sign-agreement"]
    assert (accept["actor"], accept["actor_name"], accept["role"]) == (
        stack.user_id(f"startup-{startup.brn}"), f"startup-{startup.brn}", "startup")
    assert (sign["actor"], sign["role"], sign["from_phase"], sign["to_phase"]) == (
        stack.user_id(PO.value), "program_officer", "matched", "contracted")
    assert accept["details"]["sha256"] == sign["details"]["sha256"] == document["sha256"]
    assert sign["details"]["accepted_by"] == accept["actor"] and accept["at"] < sign["at"]
    # The password was checked by the API and went no further.
    raw = await stack.http.get(f"/startups/{startup.id}/history", params={"format": "temporal"},
                               headers=stack.as_role(AUDITOR))
    assert STARTUP_PASSWORD not in raw.text and "Wrong!pass-2025" not in raw.text

    # Anyone holding the file can check it is the agreement both parties signed.
    def actions_using(answer: dict[str, Any]) -> set[str]:
        return {a["action"] for s in answer["submissions"] for a in s["actions"]}

    # The file's uses are read from the read model, which may trail the history by a moment.
    verified = await wait_until(lambda: _verify(stack, data),
                                lambda answer: {"match", "accept-agreement", "sign-agreement"} <= actions_using(answer),
                                what="the agreement's three uses in the read model")
    assert verified["ours"] is True

    # Guessing through this route stops: after five wrong passwords even the right one is refused.
    for _ in range(4):
        await stack.act(startup.id, "accept-agreement", me, body | {"password": "Wrong!pass-2025"}, expect=422)
    throttled = await stack.act(startup.id, "accept-agreement", me, body, expect=429)
    assert throttled["error"]["details"]["rule"] == "reauthentication_throttled"


async def test_a_new_match_withdraws_the_acceptance_and_makes_a_new_agreement(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    me, officer = startup.me(stack), stack.as_role(PO)
    first = (await match(stack, startup.id))["agreement_document"]
    await stack.act(startup.id, "accept-agreement", me,
                    {"agreement_sha256": first["sha256"], "password": startup_password(stack, startup.brn)})
    rematched = await stack.act(startup.id, "match", officer, {"partners": [
        {"name": "경북 부품 SME", "brn": new_brn(), "region": "경북"}]})
    second = rematched["agreement_document"]
    assert second["sha256"] != first["sha256"] and rematched["agreement_acceptance"] is None
    refused = await stack.act(startup.id, "sign-agreement", officer, {"agreement_no": "AX-3"}, expect=409)
    assert _refusal(refused) == ("conflict", "startup_accepts_first")
    # The old agreement can no longer be accepted; the new one can, and is countersigned.
    old = await stack.act(startup.id, "accept-agreement", me,
                          {"agreement_sha256": first["sha256"], "password": STARTUP_PASSWORD}, expect=409)
    assert _refusal(old) == ("conflict", "agreement_changed")
    await stack.act(startup.id, "accept-agreement", me, {"agreement_sha256": second["sha256"],
                                                         "password": STARTUP_PASSWORD})
    signed = await stack.act(startup.id, "sign-agreement", officer, {"agreement_no": "AX-3"})
    assert signed["phase"] == "contracted" and signed["agreement_documents"][0]["sha256"] == second["sha256"]
    history = await _history_through(stack, startup.id, "sign-agreement")
    assert [e["details"].get("acceptance_withdrawn", False) for e in history if e["action"] == "match"] == [
        False, True]
