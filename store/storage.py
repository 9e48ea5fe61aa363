"""Where documents' bytes live: one interface, content-addressed by SHA-256 and write-once.

An upload is first staged in a temporary file (hashed while it is written, so memory stays
constant whatever its size), checked, and only then committed under its hash. Two backends:
the filesystem (the embedded default) and any S3-compatible object store (store/storage_s3.py).
"""

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from axflow.config import Settings

CHUNK = 1024 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_hash(sha256: str) -> str:
    # A hash becomes a path or an object key: never let anything else through.
    if not SHA256.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


class StagedBlob:
    """An upload being received: a temporary file, hashed as it is written. Until committed it is
    nobody's document; `discard()` removes it, whatever happened."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
        self.path = Path(name)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.sha256 = ""

    def write(self, chunk: bytes) -> None:
        assert self._file is not None, "staged blob already finished"
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def finish(self) -> str:
        """Close the file (flushed to disk) and return its SHA-256."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            self.sha256 = self._hash.hexdigest()
        return self.sha256

    def head(self, n: int = 8192) -> bytes:
        with self.path.open("rb") as f:
            return f.read(n)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


class BlobStore(ABC):
    """Content-addressed, write-once storage of documents' bytes."""

    name: str

    @abstractmethod
    def stage(self) -> StagedBlob:
        """A temporary file to receive an upload into (on local disk)."""

    @abstractmethod
    def commit(self, staged: StagedBlob) -> None:
        """Keep a finished staged blob under its hash. Bytes already kept under that hash are
        never overwritten (they are the same bytes); the staged file is gone afterwards."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, to read in chunks (FileNotFoundError when absent)."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def _delete(self, sha256: str) -> None: ...

    @abstractmethod
    def hashes(self) -> Iterator[str]:
        """Every hash stored (staged uploads not included)."""

    @abstractmethod
    def staging_leftovers(self) -> list[str]:
        """Staged files still lying around (none, once every upload has finished)."""

    def put(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store a stream of bytes; returns its SHA-256 and size."""
        staged = self.stage()
        try:
            for chunk in chunks:
                staged.write(chunk)
            staged.finish()
            self.commit(staged)
        finally:
            staged.discard()
        return staged.sha256, staged.size

    def delete_if_unreferenced(self, sha256: str, is_referenced: Callable[[str], bool]) -> bool:
        """Delete the bytes unless `is_referenced(sha256)` says a document still needs them."""
        if is_referenced(check_hash(sha256)) or not self.exists(sha256):
            return False
        self._delete(sha256)
        return True

    def chunks(self, sha256: str, size: int = CHUNK) -> Iterator[bytes]:
        reader = self.open(sha256)
        try:
            while chunk := reader.read(size):
                yield chunk
        finally:
            reader.close()


class FilesystemStore(BlobStore):
    """Files under `root/ab/cd/<sha256>`; uploads are staged in `root/.incoming` (the same file
    system), so keeping one is a link into place: atomic, and refused if the name exists."""

    name = "filesystem"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / ".incoming"

    def path_of(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def stage(self) -> StagedBlob:
        return StagedBlob(self.incoming)

    def commit(self, staged: StagedBlob) -> None:
        target = self.path_of(staged.finish())
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            # A hard link never replaces an existing file (unlike rename): write-once holds even
            # when two uploads of the same bytes finish at once.
            os.link(staged.path, target)
            os.chmod(target, 0o444)
        except FileExistsError:
            pass
        staged.discard()

    def open(self, sha256: str) -> BinaryIO:
        return self.path_of(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def _delete(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    def hashes(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*")):
            if SHA256.match(path.name):
                yield path.name

    def staging_leftovers(self) -> list[str]:
        return sorted(p.name for p in self.incoming.glob("*")) if self.incoming.is_dir() else []


def make_blob_store(settings: Settings) -> BlobStore:
    if settings.document_storage == "s3":
        from store.storage_s3 import S3Store

        return S3Store.from_settings(settings)
    return FilesystemStore(settings.documents_path())
