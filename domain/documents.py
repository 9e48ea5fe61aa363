"""Documents as the workflow sees them: a reference that pins the exact bytes an action relied on.

Plain pydantic only (no tables, no I/O): workflow code imports this module, and the Update payload
of an action carries `DocumentRef`s so that Temporal's history alone proves which bytes were used.
"""

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.text import describe, hidden_character


class DocumentKind(StrEnum):
    PROPOSAL = "proposal"  # 사업계획서
    AGREEMENT = "agreement"  # 협약서 (signed)
    DELIVERABLE = "deliverable"  # a milestone's report or result (착수·중간·최종 보고 등)
    RECEIPT = "receipt"  # 증빙: a settlement spend line's receipt
    OTHER = "other"


class DocumentRef(BaseModel):
    """One stored document by its id and the SHA-256 of its bytes."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: DocumentKind
    filename: str = Field(min_length=1, max_length=255)


# The file types axflow keeps: what Korean offices send. Name → the MIME type served back.
ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "hwp": "application/x-hwp",
    "hwpx": "application/hwp+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "zip": "application/zip",
}

# The extensions each type may carry; a name whose extension belongs to another type is refused.
EXTENSIONS: dict[str, frozenset[str]] = {
    "pdf": frozenset({"pdf"}),
    "hwp": frozenset({"hwp"}),
    "hwpx": frozenset({"hwpx"}),
    "docx": frozenset({"docx"}),
    "xlsx": frozenset({"xlsx"}),
    "pptx": frozenset({"pptx"}),
    "png": frozenset({"png"}),
    "jpeg": frozenset({"jpg", "jpeg"}),
    "zip": frozenset({"zip"}),
}


# Characters Windows will not put in a file name; ':' also names an NTFS stream ('a.html::$DATA').
WINDOWS_FORBIDDEN = frozenset(':*?"<>|')
# Names Windows gives to devices, whatever extension follows ('nul.pdf' is the device NUL).
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                             *(f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³")})
# Characters that read as a full stop but do not separate an extension ('poly．html').
LOOKALIKE_DOTS = frozenset("\u2024\ufe52\uff0e\u3002\uff61\u06d4\u0701\u0702\u2e3c")


def filename_problem(name: str) -> str | None:
    """Why an uploaded file's name cannot be kept as it is, or None. Korean and other non-ASCII
    letters are fine; a path (a separator, or a name that is only dots), a control or format
    character, or a name that Windows would save under another name or extension is not."""
    if not name or not name.strip():
        return "the file name is empty"
    if len(name) > 255:
        return "the file name is longer than 255 characters"
    if "/" in name or "\\" in name or name in (".", ".."):
        return "the file name contains a path"
    if (char := hidden_character(name)) is not None:
        return f"the file name contains a control or format character ({describe(char)})"
    # Windows drops a trailing dot or space when it saves: 'poly.html.' becomes 'poly.html'.
    if name[-1] in ". ":
        return "the file name ends with a dot or a space"
    if forbidden := sorted(WINDOWS_FORBIDDEN.intersection(name)):
        return f"the file name contains {' '.join(forbidden)}, which Windows does not allow in a name"
    if name.split(".", 1)[0].strip().upper() in WINDOWS_DEVICES:
        return "the file name is a Windows device name"
    if LOOKALIKE_DOTS.intersection(name):
        return "the file name contains a character that looks like a dot but is not one"
    # Browsers and HTTP clients send a multipart file name with control characters (and quotes)
    # percent-escaped (HTML5 form encoding): an escaped control character or separator is refused too.
    if re.search(r"%(?:[01][0-9A-Fa-f]|7[Ff]|2[Ff]|5[Cc])", name):
        return "the file name contains an escaped control character or path separator"
    return None


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def extension_contradicts(type_name: str, filename: str) -> bool:
    """True when the name has an extension and it is not one of the content's type: a PDF named
    'scan.exe' or 'report.hwp' is refused, one named 'scan' (no extension) is kept."""
    ext = extension_of(filename)
    return bool(ext) and ext not in EXTENSIONS[type_name]
