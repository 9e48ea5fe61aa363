"""Documents through the real API over HTTP, on both storage backends: upload and download with
Korean names, scoping, the bad input list (none leaving a partial file behind), verification by
bytes, the ZIP archives and their manifest, the download log, and the resolver actions use."""

import csv
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import select

from api.document_refs import resolve_document_refs
from api.errors import ApiError
from api.main import create_app
from axflow.config import Settings
from domain.documents import DocumentKind
from domain.phases import Role
from store.db import session_scope
from store.documents import Document, DocumentRefusal
from store.storage import BlobStore, make_blob_store
from store.storage_s3 import S3Store
from store.tables import StartupRow
from tests.conftest import ServerThread, Stack, free_port, wait_until
from tests.documents_support import EICAR, SAMPLES, ClamdServer, clamd, pdf, s3_endpoint  # noqa: F401

RECEIPT_LIMIT = 50_000
DEFAULT_LIMIT = 2_000_000


@dataclass
class DocsApi:
    stack: Stack
    http: httpx.AsyncClient
    settings: Settings
    store: BlobStore

    def stored(self) -> set[str]:
        return set(self.store.hashes())

    def leftovers(self) -> list[str]:
        return self.store.staging_leftovers()

    async def upload(self, startup_id: str, headers: dict[str, str], content: bytes, filename: str,
                     kind: str = "deliverable", milestone: str | None = "kickoff", expect: int | None = 201
                     ) -> Any:
        data = {"kind": kind} | ({"milestone": milestone} if milestone and kind == "deliverable" else {})
        response = await self.http.post(f"/startups/{startup_id}/documents", headers=headers, data=data,
                                        files={"file": (filename, content, "application/octet-stream")})
        if expect is not None:
            assert response.status_code == expect, response.text
        return response.json()


async def _api(stack: Stack, settings: Settings) -> AsyncIterator[DocsApi]:
    port = free_port()
    settings = settings.model_copy(update={"api_url": f"http://127.0.0.1:{port}"})
    server = ServerThread(create_app(settings), port)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=settings.api_url, timeout=60) as http:
            yield DocsApi(stack, http, settings, make_blob_store(settings))
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["filesystem", "s3"])
async def docs(request: pytest.FixtureRequest, stack: Stack) -> AsyncIterator[DocsApi]:
    """An API server of its own over the shared stack, with small document limits, per backend."""
    base = stack.settings.model_copy(update={"document_max_bytes": DEFAULT_LIMIT,
                                             "document_max_bytes_by_kind": {"receipt": RECEIPT_LIMIT}})
    if request.param == "filesystem":
        settings = base.model_copy(update={"document_dir": stack.settings.data_dir / "documents-api"})
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        settings = base.model_copy(update={
            "document_storage": "s3", "s3_endpoint_url": endpoint, "s3_bucket": "axflow-api-test",
            "s3_access_key_id": "test", "s3_secret_access_key": "test", "s3_region": "us-east-1"})
        store = make_blob_store(settings)
        assert isinstance(store, S3Store)
        store.create_bucket_if_missing()
    async for api in _api(stack, settings):
        yield api
    forget_documents_kept_elsewhere(stack)


def forget_documents_kept_elsewhere(stack: Stack) -> None:
    """This module's API keeps bytes in a store of its own; the rows it left in the shared database
    would point the shared API (and the schema fuzzer's downloads) at bytes it cannot find."""
    shared = make_blob_store(stack.settings)
    with session_scope(stack.engine) as session:
        for row in session.exec(select(Document)).all():
            if not shared.exists(row.sha256):
                session.delete(row)
        session.commit()


async def new_startup(stack: Stack) -> tuple[str, str]:
    program = await stack.program()
    startup_id = await stack.apply(program)

    async def row() -> StartupRow | None:
        with session_scope(stack.engine) as session:
            return session.get(StartupRow, startup_id)
    await wait_until(row, lambda r: r is not None, what=f"{startup_id} in the read model")
    return startup_id, startup_id.rsplit(":", 1)[1]


async def test_upload_and_download_keep_the_korean_name_and_never_render_inline(docs: DocsApi) -> None:
    stack = docs.stack
    startup_id, brn = await new_startup(stack)
    content = pdf("kickoff report")
    created = await docs.upload(startup_id, stack.as_startup(brn), content, "착수 보고서 (최종).pdf")
    assert created["sha256"] == hashlib.sha256(content).hexdigest() and created["size"] == len(content)
    assert (created["type"], created["kind"], created["milestone"]) == ("pdf", "deliverable", "kickoff")
    # The uploader is the authenticated actor's id (whatever form the user directory gives it).
    assert created["filename"] == "착수 보고서 (최종).pdf" and created["uploaded_by"]
    assert created["sha256"] in docs.stored() and docs.leftovers() == []

    for headers in (stack.as_startup(brn), stack.as_role(Role.AUDITOR), stack.as_role(Role.EVALUATOR)):
        response = await docs.http.get(f"/documents/{created['id']}", headers=headers)
        assert response.status_code == 200 and response.content == content
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "inline" not in disposition
    assert f"filename*=UTF-8''{quote('착수 보고서 (최종).pdf', safe='')}" in disposition
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/pdf"

    other = stack.as_startup((await new_startup(stack))[1])
    assert (await docs.http.get(f"/documents/{created['id']}", headers=other)).status_code == 404
    assert (await docs.http.get("/documents/no-such-document", headers=stack.as_role(Role.AUDITOR))).status_code == 404
    listed = (await docs.http.get(f"/startups/{startup_id}/documents", headers=stack.as_startup(brn))).json()
    assert [d["id"] for d in listed["items"]] == [created["id"]]
    assert (await docs.http.get(f"/startups/{startup_id}/documents", headers=other)).status_code == 404

    log = (await docs.http.get("/audit/downloads", params={"document_id": created["id"]},
                               headers=stack.as_role(Role.AUDITOR))).json()["items"]
    assert sorted(entry["role"] for entry in log) == ["auditor", "evaluator", "startup"]
    assert created["uploaded_by"] in {entry["actor_id"] for entry in log}


async def test_every_allowed_type_is_accepted(docs: DocsApi) -> None:
    startup_id, brn = await new_startup(docs.stack)
    for type_name, (make, filename) in SAMPLES.items():
        created = await docs.upload(startup_id, docs.stack.as_startup(brn), make(), filename, kind="other")
        assert created["type"] == type_name, created


async def test_bad_input_is_refused_and_leaves_nothing_behind(docs: DocsApi) -> None:
    stack = docs.stack
    startup_id, brn = await new_startup(stack)
    me = stack.as_startup(brn)
    before = docs.stored()

    async def refused(status: int, field: str, **upload: Any) -> dict[str, Any]:
        body = await docs.upload(startup_id, me, **({"kind": "other", "milestone": None} | upload), expect=status)
        assert docs.stored() == before and docs.leftovers() == [], upload.get("filename")
        fields = [d["field"] for d in body["error"]["details"]]
        assert field in fields, body
        return body

    await refused(422, "file", content=b"", filename="빈파일.pdf")
    over = await refused(413, "file", content=pdf() + b"%" * RECEIPT_LIMIT, filename="영수증.pdf", kind="receipt")
    assert over["error"]["code"] == "payload_too_large"
    exe = await refused(422, "file", content=b"MZ\x90\x00" + b"\0" * 500, filename="setup.pdf")
    assert "exe" in exe["error"]["message"]
    mismatch = await refused(422, "file", content=pdf(), filename="보고서.hwp")
    assert "pdf" in mismatch["error"]["message"] and mismatch["error"]["details"][0]["rule"] == "extension_mismatch"
    for name in ("../../etc/passwd.pdf", "dir\\보고서.pdf", "보고서\x07.pdf", "a\r\nX-Injected: 1.pdf"):
        await refused(422, "filename", content=pdf(), filename=name)
    await refused(422, "kind", content=pdf(), filename="보고서.pdf", kind="invoice")
    await refused(422, "milestone", content=pdf(), filename="보고서.pdf", kind="deliverable", milestone=None)
    await refused(422, "milestone", content=pdf(), filename="보고서.pdf", kind="deliverable", milestone="nope")

    # A client that sends a raw control character in the part header (no escaping).
    boundary = "axflowboundary"
    raw = (f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nother\r\n'
           f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="보고서\x07\t.pdf"\r\n'
           f"Content-Type: application/pdf\r\n\r\n").encode() + pdf() + f"\r\n--{boundary}--\r\n".encode()
    control = await docs.http.post(f"/startups/{startup_id}/documents", content=raw,
                                   headers=me | {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert control.status_code == 422 and control.json()["error"]["details"][0]["field"] == "filename"
    assert docs.stored() == before and docs.leftovers() == []

    no_file = await docs.http.post(f"/startups/{startup_id}/documents", headers=me,
                                   data={"kind": "other"}, files={"other": ("x.pdf", pdf())})
    assert no_file.status_code == 422 and no_file.json()["error"]["details"][0]["field"] == "file"
    not_multipart = await docs.http.post(f"/startups/{startup_id}/documents", headers=me, json={"kind": "other"})
    assert not_multipart.status_code == 422
    # Over the largest limit of any kind: refused from Content-Length, before a byte is read.
    huge = await docs.http.post(f"/startups/{startup_id}/documents", headers=me, data={"kind": "other"},
                                files={"file": ("big.pdf", pdf() + b"%" * (DEFAULT_LIMIT + 100_000))})
    assert huge.status_code == 413
    someone_else = await docs.http.post(f"/startups/{startup_id}/documents",
                                        headers=stack.as_startup((await new_startup(stack))[1]),
                                        data={"kind": "other"}, files={"file": ("x.pdf", pdf())})
    assert someone_else.status_code == 404
    assert docs.stored() == before and docs.leftovers() == []


async def test_verify_answers_for_submitted_bytes_and_foreign_ones(docs: DocsApi) -> None:
    stack = docs.stack
    startup_id, brn = await new_startup(stack)
    content = pdf(f"midterm {startup_id}")  # bytes no other test submits
    created = await docs.upload(startup_id, stack.as_startup(brn), content, "중간보고.pdf", milestone="midterm")
    auditor = stack.as_role(Role.AUDITOR)
    ours = (await docs.http.post("/documents/verify", headers=auditor,
                                 files={"file": ("whatever.pdf", content)})).json()
    assert ours["ours"] is True and ours["sha256"] == created["sha256"]
    assert [s["document"]["id"] for s in ours["submissions"]] == [created["id"]]
    assert ours["submissions"][0]["document"]["uploaded_by"] == created["uploaded_by"]
    foreign = (await docs.http.post("/documents/verify", headers=auditor,
                                    files={"file": ("중간보고.pdf", content + b"\n")})).json()
    assert foreign["ours"] is False and foreign["submissions"] == [] and "not ours" in foreign["message"]
    assert (await docs.http.post("/documents/verify", headers=stack.as_startup(brn),
                                 files={"file": ("x.pdf", content)})).status_code == 403


async def test_archives_stream_every_file_with_a_manifest(docs: DocsApi) -> None:
    stack = docs.stack
    startup_id, brn = await new_startup(stack)
    files = {"영수증-1.pdf": pdf("receipt 1"), "영수증-2.png": SAMPLES["png"][0]()}
    made = [await docs.upload(startup_id, stack.as_startup(brn), data, name, kind="receipt")
            for name, data in files.items()]
    made.append(await docs.upload(startup_id, stack.as_startup(brn), pdf("plan"), "사업계획서.pdf", kind="proposal"))
    assert (await docs.http.get(f"/startups/{startup_id}/documents/archive",
                                headers=stack.as_startup(brn))).status_code == 403
    response = await docs.http.get(f"/startups/{startup_id}/documents/archive", headers=stack.as_role(Role.AUDITOR))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    raw = archive.read("manifest.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["sha256"] for r in rows} == {d["sha256"] for d in made}
    for row in rows:
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
        assert row["uploader"] == made[0]["uploaded_by"] and row["kind"] in ("receipt", "proposal")
    assert any(r["file"].endswith("영수증-1.pdf") for r in rows)

    program_id = startup_id.split(":")[1]
    receipts = await docs.http.get(f"/programs/{program_id}/receipts/archive",
                                   headers=stack.as_role(Role.FINANCE_OFFICER))
    assert receipts.status_code == 200
    program_archive = zipfile.ZipFile(io.BytesIO(receipts.content))
    listed = list(csv.DictReader(io.StringIO(program_archive.read("manifest.csv").decode("utf-8-sig"))))
    assert sorted(r["kind"] for r in listed) == ["receipt", "receipt"]
    assert all(r["file"].startswith(f"{brn}/receipt/") for r in listed)
    log = (await docs.http.get("/audit/downloads", params={"startup_id": startup_id},
                               headers=stack.as_role(Role.AUDITOR))).json()["items"]
    assert sum(1 for e in log if e["via"] == "archive") == 3 + 2


async def test_resolver_gives_refs_and_refuses_unknown_foreign_and_wrong_kind_ids(docs: DocsApi) -> None:
    stack = docs.stack
    startup_id, brn = await new_startup(stack)
    other_id, other_brn = await new_startup(stack)
    deliverable = await docs.upload(startup_id, stack.as_startup(brn), pdf("d"), "최종.pdf", milestone="final_report")
    receipt = await docs.upload(startup_id, stack.as_startup(brn), pdf("r"), "영수증.pdf", kind="receipt")
    foreign = await docs.upload(other_id, stack.as_startup(other_brn), pdf("f"), "남의것.pdf", kind="receipt")
    with session_scope(stack.engine) as session:
        refs = resolve_document_refs(session, startup_id, [deliverable["id"]], kind=DocumentKind.DELIVERABLE,
                                     field="documents", milestone="final_report")
        assert [(r.id, r.sha256, r.filename) for r in refs] == [(deliverable["id"], deliverable["sha256"], "최종.pdf")]
        with pytest.raises(ApiError) as refused:
            resolve_document_refs(session, startup_id, [receipt["id"], "nope", foreign["id"], deliverable["id"]],
                                  kind=DocumentKind.RECEIPT, field="lines.0.receipts")
    error = refused.value
    assert error.status == 422 and error.code == "validation_error"
    assert [(d["field"], d["document_id"], d["rule"]) for d in error.details] == [
        ("lines.0.receipts[1]", "nope", "unknown_document"),
        ("lines.0.receipts[2]", foreign["id"], "unknown_document"),
        ("lines.0.receipts[3]", deliverable["id"], "document_kind")]


async def test_an_infected_upload_is_refused_and_recorded(stack: Stack, clamd: ClamdServer) -> None:  # noqa: F811
    settings = stack.settings.model_copy(update={"clamd_address": clamd.address,
                                                 "document_dir": stack.settings.data_dir / "documents-scan"})
    async for docs in _api(stack, settings):
        startup_id, brn = await new_startup(stack)
        clean = await docs.upload(startup_id, stack.as_startup(brn), pdf(), "보고서.pdf")
        infected = io.BytesIO()
        with zipfile.ZipFile(infected, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("eicar.com", EICAR)
        before = docs.stored()
        body = await docs.upload(startup_id, stack.as_startup(brn), infected.getvalue(), "증빙.zip", kind="other",
                                 expect=422)
        assert body["error"]["details"][0]["finding"] == "Eicar-Test-Signature"
        assert "Eicar-Test-Signature" in body["error"]["message"]
        assert docs.stored() == before and docs.leftovers() == [] and clamd.scanned == 2
        with session_scope(stack.engine) as session:
            refusals = session.exec(select(DocumentRefusal).where(DocumentRefusal.startup_id == startup_id)).all()
            assert [(r.filename, r.finding) for r in refusals] == [("증빙.zip", "Eicar-Test-Signature")]
            assert [d.id for d in session.exec(select(Document).where(Document.startup_id == startup_id))] == \
                [clean["id"]]
