"""The agreement document: generated from the program and the match, stored like any document.

The workflow calls this when a two-step lifecycle is matched; the `DocumentRef` it answers (id and
SHA-256) goes into the state and the history, so what the startup accepts and the officer
countersigns is pinned to these exact bytes. A retry renders the same bytes (the renderer is a
pure function of its input) and finds the row it already wrote.
"""

from datetime import UTC, datetime

import structlog
from sqlalchemy import Engine
from temporalio import activity

from axflow.agreement import MEDIA_TYPE, agreement_filename, render_agreement
from domain.documents import DocumentKind, DocumentRef
from domain.io import PREPARE_AGREEMENT, AgreementInput
from domain.phases import Role
from domain.state import SYSTEM_WORKFLOW
from store.db import session_scope
from store.documents import Document
from store.storage import BlobStore

log = structlog.get_logger()


def generated_document_id(sha256: str) -> str:
    # The bytes name the startup and its program, so their hash alone identifies the document.
    return f"agreement-{sha256[:48]}"


class AgreementActivities:
    def __init__(self, engine: Engine, store: BlobStore) -> None:
        self.engine, self.store = engine, store

    @activity.defn(name=PREPARE_AGREEMENT)
    def prepare_agreement(self, inp: AgreementInput) -> DocumentRef:
        # The budget plan (사업비 계획) the startup submitted is part of the agreement: its table is in
        # the document, so the document's hash covers it. Lifecycles without one render as before.
        current = inp.state.budget.current if inp.state.budget else None
        data = render_agreement(inp.program, inp.state, current.plan() if current else None)
        sha256, size = self.store.put([data])
        filename = agreement_filename(inp.state)
        document_id = generated_document_id(sha256)
        with session_scope(self.engine) as session:
            if session.get(Document, document_id) is None:
                session.add(Document(
                    id=document_id, startup_id=inp.state.startup_id, program_id=inp.state.program_id,
                    kind=DocumentKind.AGREEMENT.value, uploader_id=SYSTEM_WORKFLOW.id, uploader_role=Role.SYSTEM.value,
                    uploaded_at=datetime.now(UTC), size=size, type_name="html", content_type=MEDIA_TYPE,
                    sha256=sha256, filename=filename))
                session.commit()
        log.info("agreement_prepared", startup_id=inp.state.startup_id, sha256=sha256, size=size)
        return DocumentRef(id=document_id, sha256=sha256, kind=DocumentKind.AGREEMENT, filename=filename)
