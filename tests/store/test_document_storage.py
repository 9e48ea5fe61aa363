"""Document storage on both backends (the filesystem, and S3 over HTTP against an S3-compatible
server), type detection from content, the clamd client, and the verify / cleanup commands."""

import hashlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from activities.virus_scan import ScannerUnavailable, scan_file
from axflow.config import Settings
from domain.documents import extension_contradicts, filename_problem
from store.db import make_engine, migrate, session_scope
from store.document_checks import cleanup_unreferenced, verify_documents
from store.document_types import detect
from store.documents import Document, mark_referenced
from store.storage import BlobStore, FilesystemStore, make_blob_store
from store.storage_s3 import S3Store
from tests.documents_support import EICAR, SAMPLES, ClamdServer, clamd, ole, pdf, s3_endpoint  # noqa: F401


def s3_settings(tmp_path: Path, endpoint: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/docs.db", document_storage="s3",
                    s3_endpoint_url=endpoint, s3_bucket=f"axflow-test-{uuid.uuid4().hex[:8]}",
                    s3_access_key_id="test", s3_secret_access_key="test", s3_region="us-east-1")


@pytest.fixture(params=["filesystem", "s3"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "filesystem":
        return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/docs.db")
    made = s3_settings(tmp_path, request.getfixturevalue("s3_endpoint"))
    store = make_blob_store(made)
    assert isinstance(store, S3Store)
    store.create_bucket_if_missing()
    return made


@pytest.fixture
def store(settings: Settings) -> BlobStore:
    return make_blob_store(settings)


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def test_put_hashes_while_streaming_and_reads_back(store: BlobStore) -> None:
    data = os.urandom(300_000)
    sha256, size = store.put(_chunks(data))
    assert (sha256, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.exists(sha256) and b"".join(store.chunks(sha256)) == data
    assert list(store.hashes()) == [sha256]
    assert store.staging_leftovers() == []
    assert not store.exists(hashlib.sha256(b"other").hexdigest())
    with pytest.raises(FileNotFoundError):
        store.open(hashlib.sha256(b"other").hexdigest())


def test_storage_is_write_once(store: BlobStore) -> None:
    sha256, _ = store.put([b"first bytes"])
    if isinstance(store, FilesystemStore):
        # Whatever lies under a hash stays: a second put of the same bytes leaves the file alone.
        before = store.path_of(sha256).stat()
        store.put([b"first bytes"])
        after = store.path_of(sha256).stat()
        assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
        assert after.st_mode & 0o222 == 0  # read-only on disk
    else:
        store.put([b"first bytes"])
    assert list(store.hashes()) == [sha256] and store.staging_leftovers() == []


def test_a_failed_put_leaves_nothing(store: BlobStore) -> None:
    def broken() -> Iterator[bytes]:
        yield b"partial"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        store.put(broken())
    assert list(store.hashes()) == [] and store.staging_leftovers() == []


def test_delete_if_unreferenced_asks_first(store: BlobStore) -> None:
    sha256, _ = store.put([b"kept or not"])
    assert not store.delete_if_unreferenced(sha256, lambda _: True)
    assert store.exists(sha256)
    assert store.delete_if_unreferenced(sha256, lambda _: False)
    assert not store.exists(sha256)
    with pytest.raises(ValueError):
        store.delete_if_unreferenced("../../etc/passwd", lambda _: False)


@pytest.mark.parametrize("type_name", sorted(SAMPLES))
def test_every_allowed_type_is_told_from_its_content(tmp_path: Path, type_name: str) -> None:
    make, filename = SAMPLES[type_name]
    path = tmp_path / "upload"
    path.write_bytes(make())
    found = detect(path)
    assert (found.type_name, found.allowed) == (type_name, True)
    assert not extension_contradicts(type_name, filename)


@pytest.mark.parametrize("content,expected", [
    (ole("WordDocument", b"x"), "doc"), (b"MZ\x90\x00" + b"\0" * 200, "exe"), (b"GIF89a" + b"\0" * 64, "gif"),
    (b"just some text", "unknown"), (b"", "empty"), (b"PK\x03\x04 not really a zip", "damaged-zip"),
])
def test_types_outside_the_allowlist_are_named(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "upload"
    path.write_bytes(content)
    assert (detect(path).type_name, detect(path).allowed) == (expected, False)


def test_extensions_and_file_names() -> None:
    assert extension_contradicts("pdf", "보고서.hwp") and extension_contradicts("pdf", "scan.exe")
    assert not extension_contradicts("jpeg", "사진.JPG") and not extension_contradicts("pdf", "스캔본")
    assert filename_problem("2025 착수보고서 (최종).pdf") is None
    for bad in ("../x.pdf", "a/b.pdf", "C:\\x.pdf", "a\x00.pdf", "a\nb.pdf", "\x1b[31m.pdf", "", "..",
                "a%0D%0Ab.pdf", "..%2Fx.pdf"):
        assert filename_problem(bad), bad


def test_clamd_client_speaks_instream(clamd: ClamdServer, tmp_path: Path) -> None:  # noqa: F811
    clean, infected = tmp_path / "clean.pdf", tmp_path / "eicar.com"
    clean.write_bytes(pdf() * 50)  # several INSTREAM chunks
    infected.write_bytes(EICAR)
    assert scan_file(clamd.address, clean) is None
    assert scan_file(clamd.address, infected) == "Eicar-Test-Signature"
    assert clamd.scanned == 2
    closed = ClamdServer()
    address = closed.address
    closed.stop()
    with pytest.raises(ScannerUnavailable):
        scan_file(address, clean, timeout=5)


def _document(store: BlobStore, data: bytes, *, days_old: int = 0, filename: str = "보고서.pdf") -> Document:
    sha256, size = store.put([data])
    return Document(id=uuid.uuid4().hex, startup_id="startup:p1:1248100998", program_id="p1", kind="deliverable",
                    milestone="kickoff", uploader_id="startup-1248100998", uploader_role="startup",
                    uploaded_at=datetime.now(UTC) - timedelta(days=days_old), size=size, type_name="pdf",
                    content_type="application/pdf", sha256=sha256, filename=filename)


def _tamper(store: BlobStore, sha256: str, data: bytes) -> None:
    """What an intruder with access to the store would do: replace the bytes under a hash."""
    if isinstance(store, FilesystemStore):
        path = store.path_of(sha256)
        os.chmod(path, 0o644)
        path.write_bytes(data)
    else:
        assert isinstance(store, S3Store)
        store.client.put_object(Bucket=store.bucket, Key=store.key(sha256), Body=data)


def test_verify_names_a_tampered_file_and_the_cli_exits_1(settings: Settings, store: BlobStore,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    good, bad = _document(store, pdf("good")), _document(store, pdf("bad"), filename="중간보고.pdf")
    with session_scope(engine) as session:
        session.add_all([good, bad])
        session.commit()
        assert verify_documents(session, store) == (2, [])
    _tamper(store, bad.sha256, pdf("altered"))
    with session_scope(engine) as session:
        checked, mismatches = verify_documents(session, store)
    assert checked == 2 and [m.document_id for m in mismatches] == [bad.id]
    assert hashlib.sha256(pdf("altered")).hexdigest() in mismatches[0].problem

    from axflow import config
    from axflow.cli import app

    for name, value in settings.model_dump(mode="json").items():
        if value is not None and not isinstance(value, dict):
            monkeypatch.setenv(f"AXFLOW_{name.upper()}", str(value))
    config.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["documents", "verify"])
    finally:
        config.get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert f"MISMATCH {bad.id} (중간보고.pdf)" in result.output and good.id not in result.output
    engine.dispose()


def test_cleanup_deletes_old_unused_uploads_only(settings: Settings, store: BlobStore) -> None:
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    old_unused = _document(store, pdf("old unused"), days_old=40)
    old_used = _document(store, pdf("old used"), days_old=40)
    recent = _document(store, pdf("recent"), days_old=1)
    # The same bytes uploaded twice: deleting the old row must not take the bytes from the new one.
    shared_old = _document(store, pdf("shared"), days_old=40)
    shared_new = _document(store, pdf("shared"), days_old=0)
    with session_scope(engine) as session:
        session.add_all([old_unused, old_used, recent, shared_old, shared_new])
        session.commit()
        assert mark_referenced(session, [old_used.id], "submit-milestone #7", datetime.now(UTC)) == 1
        deleted = cleanup_unreferenced(session, store, days=30)
        assert sorted(deleted) == sorted([old_unused.id, shared_old.id])
        remaining = {row.id for row in session.query(Document).all()}
    assert remaining == {old_used.id, recent.id, shared_new.id}
    assert not store.exists(old_unused.sha256)
    assert store.exists(old_used.sha256) and store.exists(recent.sha256) and store.exists(shared_new.sha256)
    engine.dispose()
