"""Actions carry the files they rely on: a deliverable, a signed agreement, a settlement's receipts
go into the Update payload as id + SHA-256, so the Temporal history alone proves which bytes were
submitted; the documents are then kept for good and verification names the action."""

import base64
from typing import Any

from domain.phases import Role
from store.db import session_scope
from store.documents import Document
from tests.conftest import Stack, wait_until
from tests.documents_support import pdf
from tests.flows import FO, PO, accept_agreement, drive, select


async def upload(stack: Stack, startup_id: str, headers: dict[str, str], content: bytes, filename: str,
                 kind: str, milestone: str | None = None) -> dict[str, Any]:
    data = {"kind": kind} | ({"milestone": milestone} if milestone else {})
    response = await stack.http.post(f"/startups/{startup_id}/documents", headers=headers, data=data,
                                     files={"file": (filename, content, "application/pdf")})
    assert response.status_code == 201, response.text
    return response.json()


def payload_texts(node: Any) -> list[str]:
    """Every payload's data in a raw Temporal history (JSON), decoded from base64."""
    if isinstance(node, dict):
        found = [base64.b64decode(node["data"]).decode("utf-8", "replace")] if isinstance(node.get("data"), str) else []
        return found + [text for value in node.values() for text in payload_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in payload_texts(value)]
    return []


async def history(stack: Stack, startup_id: str, action: str) -> dict[str, Any]:
    """The action's entry once the read model holds it (it is written just after the Update)."""
    trail = await wait_until(
        lambda: stack.call("GET", f"/startups/{startup_id}/history", stack.as_role(Role.AUDITOR)),
        lambda answer: any(e["action"] == action for e in answer["entries"]), what=f"{action} in the history")
    return next(e for e in trail["entries"] if e["action"] == action)


async def test_a_milestone_submitted_with_a_pdf_is_pinned_in_history_and_verified(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    me = startup.me(stack)
    content = pdf(f"착수보고서 {startup.id}")
    report = await upload(stack, startup.id, me, content, "착수보고서.pdf", "deliverable", "kickoff")

    await stack.act(startup.id, "submit-milestone", me, {"milestone": "kickoff", "documents": [report["id"]]})
    state = await stack.act(startup.id, "review-milestone", stack.as_role(PO),
                            {"milestone": "kickoff", "decision": "accept"})
    kickoff = next(m for m in state["milestones"] if m["key"] == "kickoff")
    assert kickoff["status"] == "accepted" and kickoff["documents"][0]["sha256"] == report["sha256"]

    # The readable history and the raw Temporal history both carry the hash.
    entry = await history(stack, startup.id, "submit-milestone")
    assert entry["details"]["documents"] == [{"id": report["id"], "sha256": report["sha256"], "kind": "deliverable",
                                              "filename": "착수보고서.pdf"}]
    raw = await stack.call("GET", f"/startups/{startup.id}/history?format=temporal", stack.as_role(Role.AUDITOR))
    assert report["sha256"] in "\n".join(payload_texts(raw))

    # Kept for good, and verification names the action that used these bytes.
    def referenced() -> Any:
        with session_scope(stack.engine) as session:
            return session.get(Document, report["id"])

    async def fetch() -> Any:
        return referenced()
    row = await wait_until(fetch, lambda r: r.referenced, what="document marked as referenced")
    assert row.referenced_by == "submit-milestone"
    answer = (await stack.http.post("/documents/verify", headers=stack.as_role(Role.AUDITOR),
                                    files={"file": ("x.pdf", content)})).json()
    assert answer["ours"] and [a["action"] for a in answer["submissions"][0]["actions"]] == ["submit-milestone"]


async def test_documents_of_another_startup_or_kind_are_refused_naming_the_field(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    other = await drive(stack, "in_poc")
    me = startup.me(stack)
    theirs = await upload(stack, other.id, other.me(stack), pdf(f"남의 보고서 {other.id}"), "보고서.pdf",
                          "deliverable", "kickoff")
    receipt = await upload(stack, startup.id, me, pdf(f"영수증 {startup.id}"), "영수증.pdf", "receipt")
    for bad_id, rule in ((theirs["id"], "unknown_document"), (receipt["id"], "document_kind"),
                         ("no-such-document", "unknown_document")):
        response = await stack.http.post(f"/startups/{startup.id}/actions/submit-milestone", headers=me,
                                         json={"milestone": "kickoff", "documents": [bad_id]})
        assert response.status_code == 422, response.text
        detail = response.json()["error"]["details"][0]
        assert (detail["field"], detail["rule"]) == ("documents[0]", rule)
    state = await stack.state(startup.id)
    assert next(m for m in state["milestones"] if m["key"] == "kickoff")["status"] == "pending"
    # Neither words nor documents: nothing was delivered.
    response = await stack.http.post(f"/startups/{startup.id}/actions/submit-milestone", headers=me,
                                     json={"milestone": "kickoff"})
    assert response.status_code == 422


async def test_a_settlement_with_receipts_and_a_signed_agreement_pin_their_files(stack: Stack) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    await select(stack, program, {startup_id: 90})
    await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"], "agreement deadline")
    signed = await upload(stack, startup_id, stack.as_role(PO), pdf(f"협약서 {startup_id}"), "협약서.pdf", "agreement")
    matched = await stack.act(startup_id, "match", stack.as_role(PO),
                              {"partners": [{"name": "강원 정밀 SME", "brn": "1248100998", "region": "강원"}]})
    await accept_agreement(stack, startup_id, matched)
    state = await stack.act(startup_id, "sign-agreement", stack.as_role(PO),
                            {"agreement_no": "AX-9", "documents": [signed["id"]]})
    # The agreement the startup accepted comes first, then the signed copy the officer uploaded.
    assert [d["sha256"] for d in state["agreement_documents"]] == [matched["agreement_document"]["sha256"],
                                                                   signed["sha256"]]

    startup = await drive(stack, "settlement")
    me = startup.me(stack)
    receipts = [await upload(stack, startup.id, me, pdf(f"증빙 {i} {startup.id}"), f"증빙{i}.pdf", "receipt")
                for i in range(2)]
    await stack.act(startup.id, "submit-settlement", me, {"lines": [
        {"item": "인건비", "amount": 30_000_000, "receipts": [receipts[0]["id"]]},
        {"item": "장비", "amount": 20_000_000, "receipts": [receipts[1]["id"]]}]})
    entry = await history(stack, startup.id, "submit-settlement")
    assert {line: [r["sha256"] for r in refs] for line, refs in entry["details"]["receipts"].items()} == {
        "0": [receipts[0]["sha256"]], "1": [receipts[1]["sha256"]]}
    state = await stack.state(startup.id)
    assert [line["receipts"][0]["id"] for line in state["settlement"]["lines"]] == [r["id"] for r in receipts]
    await stack.act(startup.id, "approve-settlement", stack.as_role(FO))
