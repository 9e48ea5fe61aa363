"""Turning the document ids an action names into `DocumentRef`s (id + SHA-256) for its Update
payload, so that Temporal's history pins the exact bytes; and the scoping rules for documents.

The action routes call `resolve_document_refs` before sending the Update: an unknown id, another
startup's document or one of the wrong kind is refused with 422 naming the field and the id.
"""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from api.errors import ApiError
from api.scope import brn_of
from domain.change_commands import FileAppealBody
from domain.commands import Command, RecordExpenseBody, SignAgreementBody, SubmitMilestoneBody, SubmitSettlementBody
from domain.documents import DocumentKind, DocumentRef
from domain.phases import Role
from domain.rule_ids import RuleId
from domain.state import Actor
from store.documents import Document


def visible_document(session: Session, document_id: str, actor: Actor) -> Document:
    """The document, if it exists and the caller may see it; else 404 (the same answer either way)."""
    row = session.get(Document, document_id) if len(document_id) <= 64 else None
    if row is None or (actor.role is Role.STARTUP and brn_of(row.startup_id) != actor.brn):
        raise ApiError("not_found", f"unknown document {document_id!r}")
    return row


def resolve_document_refs(session: Session, startup_id: str, document_ids: Sequence[str], *,
                          kind: DocumentKind, field: str, milestone: str | None = None) -> list[DocumentRef]:
    """The `DocumentRef` of each id, in the order given. Refused together (422, one detail per bad
    id, each naming `field[i]` and the id): an id that does not exist or belongs to another startup
    (the same answer: reveal nothing of others), a document of another kind, and, when `milestone`
    is given, a deliverable uploaded for another milestone."""
    ids = list(document_ids)
    rows = {row.id: row for row in session.exec(select(Document).where(col(Document.id).in_(ids))).all()} if ids else {}
    problems = []
    refs = []
    for i, document_id in enumerate(ids):
        where = f"{field}[{i}]"
        row = rows.get(document_id)
        if row is None or row.startup_id != startup_id:
            problems.append({"field": where, "rule": RuleId.UNKNOWN_DOCUMENT, "document_id": document_id,
                             "message": f"이 스타트업의 문서가 아닙니다 — no document {document_id!r} of this startup"})
        elif row.kind != kind.value:
            problems.append({"field": where, "rule": RuleId.DOCUMENT_KIND, "document_id": document_id,
                             "message": f"문서 종류가 {row.kind}입니다 — document {document_id!r} is a {row.kind}, "
                                        f"not a {kind.value}"})
        elif milestone is not None and row.milestone != milestone:
            problems.append({"field": where, "rule": RuleId.DOCUMENT_MILESTONE, "document_id": document_id,
                             "message": f"다른 마일스톤의 산출물입니다 — document {document_id!r} was uploaded for "
                                        f"milestone {row.milestone!r}, not {milestone!r}"})
        else:
            refs.append(DocumentRef(id=row.id, sha256=row.sha256, kind=DocumentKind(row.kind), filename=row.filename))
    if problems:
        fields = ", ".join(p["field"] for p in problems)
        raise ApiError("validation_error", f"invalid input: {fields}", problems)
    return refs


def attach_documents(session: Session, startup_id: str, command: Command[Any]) -> None:
    """Fill the command's document refs from its body's ids: a milestone's deliverables, the signed
    agreement, each settlement line's receipts, an expense's evidence. Refused (422 naming the field) before any Update."""
    body = command.body
    if isinstance(body, SubmitMilestoneBody) and body.documents:
        command.documents = resolve_document_refs(session, startup_id, body.documents, kind=DocumentKind.DELIVERABLE,
                                                  field="documents", milestone=body.milestone)
    elif isinstance(body, SignAgreementBody) and body.documents:
        command.documents = resolve_document_refs(session, startup_id, body.documents, kind=DocumentKind.AGREEMENT,
                                                  field="documents")
    elif isinstance(body, RecordExpenseBody) and body.evidence:
        # An expense's evidence (증빙): receipts uploaded first; the ledger entry pins each by its hash.
        command.documents = resolve_document_refs(session, startup_id, [e.document for e in body.evidence],
                                                  kind=DocumentKind.RECEIPT, field="evidence")
    elif isinstance(body, FileAppealBody) and body.documents:
        # An appeal's documents (이의신청 근거 자료), any the startup uploaded as `other`.
        command.documents = resolve_document_refs(session, startup_id, body.documents, kind=DocumentKind.OTHER,
                                                  field="documents")
    elif isinstance(body, SubmitSettlementBody) and any(line.receipts for line in body.lines):
        problems: list[Any] = []
        receipts: list[list[DocumentRef]] = []
        for i, line in enumerate(body.lines):
            try:
                receipts.append(resolve_document_refs(session, startup_id, line.receipts, kind=DocumentKind.RECEIPT,
                                                      field=f"lines.{i}.receipts"))
            except ApiError as err:
                problems += err.details
        if problems:
            raise ApiError("validation_error", f"invalid input: {', '.join(p['field'] for p in problems)}", problems)
        command.receipts = receipts
