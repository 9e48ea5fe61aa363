"""Bounds on an uploaded ZIP (a plain ZIP, DOCX/XLSX/PPTX or HWPX) checked before anything inside
it is decompressed: a few hundred KiB of deflated zeros can declare gigabytes.

The end-of-central-directory record is read first (the last 64 KiB of the file at most), so the
member count and the directory's size are known before `zipfile` parses the directory into one
object per member. Then every member's declared size and compression ratio are checked against
the limits below, and a member that is itself a ZIP (an embedded workbook, a ZIP in a ZIP) is
checked the same way one level down, copied out in small pieces. Nothing here reads more than a
piece at a time, so the memory it takes does not grow with what the archive claims to hold.

Python's `zipfile` never inflates a member past its declared size, which is what makes checking
the declared sizes enough.
"""

import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from domain.rule_ids import RuleId

MiB = 1024 * 1024
PIECE = 64 * 1024


@dataclass(frozen=True)
class ZipLimits:
    members: int = 10_000  # a large DOCX has a few hundred parts
    directory_bytes: int = 4 * MiB  # the central directory: about 100 bytes a member
    member_bytes: int = 512 * MiB  # one member, inflated
    total_bytes: int = 1024 * MiB  # all members, inflated (nested ones included)
    ratio: int = 100  # inflated / deflated size, for members larger than ratio_floor
    ratio_floor: int = 1 * MiB  # a small member may compress as well as it likes
    depth: int = 2  # a ZIP inside a ZIP is inspected; a ZIP inside that is refused
    nested_bytes: int = 64 * MiB  # all nested archives together, copied out to be inspected


UPLOADS = ZipLimits()

EOCD = b"PK\x05\x06"
EOCD64_LOCATOR = b"PK\x06\x07"
EOCD64 = b"PK\x06\x06"
ZIP_MAGIC = b"PK\x03\x04"


class ZipRefused(Exception):
    """Why an archive is refused: its rule (the words pages show are RULE_WORDS') and what is over
    which limit, in Korean and English (the API's message)."""

    def __init__(self, rule: RuleId, korean: str, english: str) -> None:
        super().__init__(rule)
        self.rule, self.korean, self.english = rule, korean, english

    def __str__(self) -> str:
        return f"{self.korean} — {self.english}"


def _directory_extent(f: BinaryIO) -> tuple[int, int]:
    """(members, central directory bytes) as the end record declares them, read from the tail."""
    size = f.seek(0, 2)
    tail_start = max(0, size - (22 + 65535))
    f.seek(tail_start)
    tail = f.read()
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory record")
    members, directory_bytes = struct.unpack("<xxxxxxxxxxHI", tail[at:at + 16])
    locator = tail_start + at - 20
    if (members == 0xFFFF or directory_bytes == 0xFFFFFFFF) and locator >= 0:
        f.seek(locator)
        record = f.read(20)
        if record[:4] == EOCD64_LOCATOR:
            f.seek(struct.unpack("<Q", record[8:16])[0])
            zip64 = f.read(56)
            if zip64[:4] == EOCD64:
                members, directory_bytes = struct.unpack("<QQ", zip64[32:48])
    return members, directory_bytes


class _Budget:
    def __init__(self) -> None:
        self.total = 0
        self.nested = 0


def check_zip(path: str, limits: ZipLimits = UPLOADS, depth: int = 1, budget: _Budget | None = None) -> None:
    """Raise ZipRefused when the ZIP at `path` is over a limit; zipfile.BadZipFile when unreadable."""
    budget = budget or _Budget()
    with open(path, "rb") as f:
        members, directory_bytes = _directory_extent(f)
    if members > limits.members or directory_bytes > limits.directory_bytes:
        raise _too_many(limits)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > limits.members:  # the end record understated the count
            raise _too_many(limits)
        for info in infos:
            _check_member(info, limits)
            budget.total += info.file_size
            if budget.total > limits.total_bytes:
                raise ZipRefused(RuleId.ZIP_BOMB, f"압축을 풀면 모두 {_mib(limits.total_bytes)}를 넘습니다",
                                 f"the archive inflates to more than {_mib(limits.total_bytes)} in all")
        for info in infos:
            if not info.is_dir() and _starts_like_zip(archive, info):
                _check_nested(archive, info, limits, depth, budget)


def _mib(size: int) -> str:
    return f"{size / MiB:g} MiB"


def _too_many(limits: ZipLimits) -> ZipRefused:
    return ZipRefused(RuleId.ZIP_MEMBERS, f"압축 파일 안의 파일이 {limits.members}개를 넘거나 목록이 "
                      f"{_mib(limits.directory_bytes)}를 넘습니다", f"the archive holds more than "
                      f"{limits.members} files or its directory is over {_mib(limits.directory_bytes)}")


def _check_member(info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    if info.file_size > limits.member_bytes:
        raise ZipRefused(RuleId.ZIP_BOMB, f"압축 파일 안의 {info.filename}을(를) 풀면 {_mib(limits.member_bytes)}를 넘습니다",
                         f"{info.filename} inflates to more than {_mib(limits.member_bytes)}")
    if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * info.compress_size:
        raise ZipRefused(RuleId.ZIP_BOMB, f"압축 파일 안의 {info.filename}의 압축률이 {limits.ratio}배를 넘습니다",
                         f"{info.filename} is compressed more than {limits.ratio} to 1")


def _starts_like_zip(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    try:
        with archive.open(info) as member:
            return member.read(4) == ZIP_MAGIC
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError):
        return False  # an encrypted or unsupported member: nothing here inflates it


def _check_nested(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, depth: int,
                  budget: _Budget) -> None:
    if depth >= limits.depth:
        raise ZipRefused(RuleId.ZIP_NESTING, f"압축 파일이 {limits.depth}단계보다 깊게 겹쳐 있습니다 ({info.filename})",
                         f"archives are nested more than {limits.depth} deep ({info.filename})")
    budget.nested += info.file_size
    if budget.nested > limits.nested_bytes:
        raise ZipRefused(RuleId.ZIP_NESTING, f"압축 파일 안의 압축 파일들이 모두 {_mib(limits.nested_bytes)}를 넘습니다",
                         f"the archives inside the archive exceed {_mib(limits.nested_bytes)} in all")
    with tempfile.NamedTemporaryFile(prefix="axflow-nested-", suffix=".zip") as copy:
        with archive.open(info) as member:
            shutil.copyfileobj(member, copy, PIECE)
        copy.flush()
        try:
            check_zip(copy.name, limits, depth + 1, budget)
        except zipfile.BadZipFile:
            pass  # not really a ZIP past its first bytes: nothing more inflates from it
