"""What a file is, told from its content (never from its name or the client's Content-Type).

`filetype` recognises the common signatures (PDF, PNG, JPEG, ZIP, executables, ...). Korean
offices also send HWP (an OLE compound file, like old .doc/.xls) and HWPX, DOCX, XLSX and PPTX
(all ZIP files): those are told apart by the streams or members inside them. A ZIP is held to
store/zip_limits.py's bounds before any member is read, and then only a member's first bytes are;
an OLE file's directory is read by store/ole_reader.py within its own bounds.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype

from domain.documents import ALLOWED_TYPES
from store.ole_reader import DamagedOle, read_summary
from store.zip_limits import check_zip

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP with entries, an empty ZIP
# The OLE streams that tell an HWP (FileHeader) and the old Office formats apart.
OLE_STREAMS = frozenset({"FileHeader", "WordDocument", "Workbook", "PowerPoint Document"})
# Office Open XML parts that name the application; the first one found decides.
OOXML_MAIN_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}


@dataclass(frozen=True)
class Detected:
    type_name: str  # e.g. "pdf", "hwpx" or, outside the allowlist, what it looks like ("exe", "gif")
    allowed: bool

    @property
    def content_type(self) -> str:
        return ALLOWED_TYPES.get(self.type_name, "application/octet-stream")


def detect(path: Path) -> Detected:
    """The type of the file at `path` (a staged upload, complete). Raises ZipRefused for a ZIP
    over the bounds (a ZIP bomb)."""
    with path.open("rb") as f:
        head = f.read(8192)
    if not head:
        return Detected("empty", False)
    if head.startswith(OLE_MAGIC):
        return _ole(path)
    if head.startswith(ZIP_MAGICS):
        return _zip(path)
    guess = filetype.guess(head)
    if guess is None:
        return Detected("unknown", False)
    name = {"jpg": "jpeg"}.get(guess.extension, guess.extension)
    return Detected(name, name in ("pdf", "png", "jpeg"))


def _ole(path: Path) -> Detected:
    try:
        summary = read_summary(str(path), OLE_STREAMS)
    except DamagedOle:
        # Starts like OLE, but its directory cannot be read within the bounds: not an HWP.
        return Detected("damaged-ole", False)
    if "FileHeader" in summary.names and summary.file_header.startswith(b"HWP Document File"):
        return Detected("hwp", True)
    for stream, name in (("WordDocument", "doc"), ("Workbook", "xls"), ("PowerPoint Document", "ppt")):
        if stream in summary.names:
            return Detected(name, False)
    return Detected("ole", False)


def _zip(path: Path) -> Detected:
    try:
        check_zip(str(path))
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and _first_bytes(archive, "mimetype").strip() == b"application/hwp+zip":
                return Detected("hwpx", True)
            if "[Content_Types].xml" in names:
                for part, name in OOXML_MAIN_PARTS.items():
                    if part in names:
                        return Detected(name, True)
            if "META-INF/manifest.xml" in names and "mimetype" in names:
                return Detected("odf", False)  # OpenDocument: not on the list offices here send
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        # Unreadable, or its mimetype member encrypted or packed by an unknown method.
        return Detected("damaged-zip", False)
    return Detected("zip", True)


def _first_bytes(archive: zipfile.ZipFile, member: str, count: int = 64) -> bytes:
    """A member's first bytes, inflating no more than it takes to give them."""
    with archive.open(member) as f:
        return f.read(count)
