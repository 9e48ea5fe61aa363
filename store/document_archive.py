"""Many documents as one ZIP, produced as a stream: each file is read from storage and written
into the archive chunk by chunk, and the archive's bytes are handed on as they are made, so
neither a file nor the archive is ever held whole in memory.

The archive opens with `manifest.csv` (UTF-8 with a BOM, so that Excel reads the Korean): one line
per file with its SHA-256, kind, uploader, time and the action that used it.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence

from domain.formatting import kst_second
from domain.timeutil import to_kst
from store.db import as_utc
from store.documents import Document
from store.storage import BlobStore

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ["file", "sha256", "kind", "milestone", "startup_id", "size", "uploader", "uploaded_at_kst",
                    "action"]


class _Pipe:
    """A write-only file for zipfile: what is written waits here until taken. zipfile sees no
    tell/seek and so writes each entry's sizes after its data (a data descriptor)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """zipfile never closes a file it was handed; its type asks for the method all the same."""

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def entry_name(row: Document, with_startup: bool) -> str:
    # The id keeps two files of the same name apart; the original name (Korean kept) follows it.
    name = f"{row.kind}/{row.id}_{row.filename}"
    return f"{row.startup_id.rsplit(':', 1)[-1]}/{name}" if with_startup else name


def manifest(rows: Sequence[Document], with_startup: bool, action_of: Callable[[Document], str]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(MANIFEST_COLUMNS)
    for row in rows:
        writer.writerow([entry_name(row, with_startup), row.sha256, row.kind, row.milestone or "", row.startup_id,
                         row.size, row.uploader_id, kst_second(as_utc(row.uploaded_at), zone=False),
                         action_of(row)])
    return out.getvalue().encode("utf-8")


def zip_stream(store: BlobStore, rows: Sequence[Document], with_startup: bool,
               action_of: Callable[[Document], str]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(MANIFEST, manifest(rows, with_startup, action_of))
        yield pipe.take()
        for row in rows:
            info = zipfile.ZipInfo(entry_name(row, with_startup),
                                   date_time=to_kst(as_utc(row.uploaded_at)).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=row.size > 2**31) as entry:
                for chunk in store.chunks(row.sha256):
                    entry.write(chunk)
                    if (data := pipe.take()):
                        yield data
            yield pipe.take()
    yield pipe.take()
