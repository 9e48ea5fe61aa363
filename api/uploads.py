"""Multipart uploads read as a stream: the file part goes straight into a sink (a staged blob, or a
hash) chunk by chunk as it arrives, so an upload of any size costs constant memory.

Starlette's own form parsing spools each file to a temporary file first and hands it over only at
the end; here the bytes are hashed and checked against the size limit while they arrive.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request
from python_multipart.multipart import MultipartParser

from api.errors import ApiError
from domain.documents import filename_problem
from domain.rule_ids import RuleId
from domain.text import hidden_character
from domain.text import problem as hidden_problem

FIELD_LIMIT = 1024  # bytes of a text field (kind, milestone)
# Room for the multipart framing around the file (boundaries, part headers, small fields).
FRAMING_ALLOWANCE = 64 * 1024
UPLOAD_ROUTES = re.compile(r"^/startups/[^/]+/documents$|^/documents/verify$|^/console/audit/verify/file$")
# The portal's upload form (api/pages/portal/documents.py), held to the same limits.
PORTAL_UPLOADS = re.compile(r"^/portal/documents/[^/]+$")


def upload_body_limit(method: str, path: str, largest_file: int) -> int | None:
    """The body size the Protection middleware lets through for the upload routes (the routes
    then hold each file to its own kind's limit); None for every other route."""
    uploads = UPLOAD_ROUTES.match(path) or PORTAL_UPLOADS.match(path)
    return largest_file + FRAMING_ALLOWANCE if method == "POST" and uploads else None


class Sink(Protocol):
    def write(self, chunk: bytes) -> None: ...


def invalid(field_name: str, rule: RuleId, message: str, status: int = 422, **extra: object) -> ApiError:
    code = "validation_error" if status == 422 else "payload_too_large"
    return ApiError(code, message, [{"field": field_name, "rule": rule, "message": message, **extra}], status)


def too_large(limit: int) -> ApiError:
    return invalid("file", RuleId.MAX_SIZE, f"파일이 {limit} 바이트를 넘습니다 — the file is over {limit} bytes",
                   413, limit=limit)


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    size: int = 0


def _disposition(value: str) -> dict[str, str]:
    """The parameters of a part's Content-Disposition (name, filename), quoted or not. UTF-8 names
    (how browsers and httpx send Korean file names) are kept as they are."""
    params: dict[str, str] = {}
    for match in re.finditer(r';\s*([A-Za-z0-9_.*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', value):
        key, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[key] = raw
    return params


@dataclass
class _Part:
    """The part of the multipart body being read."""

    headers: dict[str, bytes] = field(default_factory=dict)
    value: bytearray = field(default_factory=bytearray)
    file: bool = False
    name: str = ""


async def read_upload(request: Request, open_sink: Callable[[str, dict[str, str]], Sink],
                      limit: Callable[[dict[str, str]], int], upload: Upload | None = None) -> Upload:
    """Read the multipart body: text fields into `fields`, the part named `file` into the sink
    `open_sink(filename, fields_so_far)` gives. `limit(fields)` is the size limit, asked again as
    fields arrive (a kind sent after the file is checked once the body is complete). A caller that
    passes its own `upload` still has the fields read before a refusal (what a form had typed)."""
    content_type = request.headers.get("content-type", "")
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/form-data") or boundary is None:
        raise invalid("file", RuleId.MULTIPART_REQUIRED,
                      "multipart/form-data 본문에 file이 필요합니다 — a multipart/form-data body with a file is required")
    upload = upload if upload is not None else Upload()
    part = _Part()
    header: list[bytes] = [b"", b""]
    sink: Sink | None = None

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        part.headers[header[0].decode("latin-1").lower()] = header[1]
        header[0], header[1] = b"", b""

    def on_headers_finished() -> None:
        nonlocal sink
        raw = part.headers.get("content-disposition", b"")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise invalid("file", RuleId.FILENAME_ENCODING,
                          "파일 이름은 UTF-8이어야 합니다 — the file name must be UTF-8") from err
        params = _disposition(text)
        part.name = params.get("name", "")
        if part.name != "file" or "filename" not in params:
            return
        if not params["filename"]:
            return  # a form sent with no file chosen: treated as no file
        if sink is not None:
            raise invalid("file", RuleId.ONE_FILE, "파일은 하나만 올릴 수 있습니다 — send one file per upload")
        if (char := hidden_character(params["filename"])) is not None:
            raise invalid("filename", RuleId.CONTROL_CHARACTER, f"파일 이름을 쓸 수 없습니다 — {hidden_problem(char)}",
                          filename=params["filename"])
        problem = filename_problem(params["filename"])
        if problem:
            raise invalid("filename", RuleId.FILENAME, f"파일 이름을 쓸 수 없습니다 — {problem}",
                          filename=params["filename"])
        upload.filename = params["filename"]
        sink = open_sink(upload.filename, dict(upload.fields))
        part.file = True

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.file:
            assert sink is not None, "a file part has its sink from on_headers_finished"
            upload.size += end - start
            if upload.size > limit(upload.fields):
                raise too_large(limit(upload.fields))
            sink.write(data[start:end])
        else:
            part.value += data[start:end]
            if len(part.value) > FIELD_LIMIT:
                raise invalid(part.name or "form", RuleId.MAX_LENGTH, "form field too long")

    def on_part_end() -> None:
        if not part.file and part.name:
            try:
                value = bytes(part.value).decode("utf-8")
            except UnicodeDecodeError as err:
                raise invalid(part.name, RuleId.ENCODING, "form fields must be UTF-8") from err
            # A form's text field may be a textarea: tab and newline kept, as in api/text_guard.py.
            if (char := hidden_character(value, multiline=True)) is not None:
                raise invalid(part.name, RuleId.CONTROL_CHARACTER, hidden_problem(char))
            upload.fields[part.name] = value

    parser = MultipartParser(boundary.group(1).encode("latin-1"), {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end})
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ApiError:
        raise
    except Exception as err:  # the parser's own errors: a malformed body is bad input, never a 500
        raise invalid("body", RuleId.MULTIPART, f"multipart 본문을 읽을 수 없습니다 — malformed multipart body: {err}") from None
    if upload.filename is None:
        raise invalid("file", RuleId.MISSING, "file 필드가 없습니다 — the multipart body has no file field named 'file'")
    if upload.size > limit(upload.fields):
        raise too_large(limit(upload.fields))
    return upload
