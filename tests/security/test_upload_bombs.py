"""ZIP bombs of every container kind an upload may be (plain ZIP, DOCX, XLSX, HWPX) are refused with
a 422 naming the file and the rule, while the API's memory stays flat: the stack serves the API in
this very process, so its peak RSS (VmHWM, reset before each upload) is the API's. The bounds
themselves (member count, nesting, total size) are checked on files without a server."""

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest

from domain.phases import Role
from store.document_types import detect
from store.zip_limits import UPLOADS, ZipLimits, ZipRefused, check_zip
from tests.conftest import Stack, new_brn

MiB = 1024 * 1024
BOMB_MIB = 64  # inflated size of each bomb's payload: 64 KiB on the wire
ZEROS = bytes(MiB)
CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def _zip(members: dict[str, bytes | int]) -> bytes:
    """A ZIP of the given members; an int stands for that many MiB of zeros, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                for _ in range(content):
                    member.write(ZEROS)
    return out.getvalue()


BOMBS = {
    "zip": ("자료.zip", {"data.bin": BOMB_MIB}),
    "docx": ("보고서.docx", {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": BOMB_MIB}),
    "xlsx": ("예산.xlsx", {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>",
                          "xl/worksheets/sheet1.xml": BOMB_MIB}),
    # The upload that took the API to 1.8 GiB: HWPX's mimetype member was read whole.
    "hwpx": ("사업계획서.hwpx", {"mimetype": BOMB_MIB}),
}


def _status_kib(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert found, field
    return int(found.group(1))


@pytest.mark.parametrize("kind", list(BOMBS))
async def test_a_zip_bomb_is_refused_and_costs_the_api_no_memory(stack: Stack, kind: str) -> None:
    filename, members = BOMBS[kind]
    bomb = _zip(members)
    assert len(bomb) < 200 * 1024
    program = await stack.program()
    brn = new_brn()
    # The peak resident size starts again from what the process holds now (Linux clear_refs 5).
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    response = await stack.http.post(f"/startups/startup:{program.id}:{brn}/documents",
                                     headers=stack.as_startup(brn), data={"kind": "proposal"},
                                     files={"file": (filename, bomb, "application/octet-stream")})
    grown_mib = (_status_kib("VmHWM") - before) / 1024
    assert grown_mib < 12, f"the API's peak memory grew {grown_mib:.1f} MiB on a {kind} bomb"
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert (detail["field"], detail["rule"]) == ("file", "zip_bomb")
    assert "압축" in detail["message"] and "compressed more than 100 to 1" in detail["message"]
    listed = await stack.call("GET", f"/startups/startup:{program.id}:{brn}/documents",
                              stack.as_role(Role.PROGRAM_OFFICER))
    assert listed["items"] == []


def _write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _refusal(path: str, limits: ZipLimits = UPLOADS) -> str:
    with pytest.raises(ZipRefused) as refused:
        check_zip(path, limits)
    return refused.value.rule


def test_too_many_members_are_refused_before_the_directory_is_parsed(tmp_path: Path) -> None:
    many = _write(tmp_path, "many.zip", _zip({f"{i}.txt": b"" for i in range(21)}))
    assert _refusal(many, ZipLimits(members=20)) == "zip_members"
    assert _refusal(many, ZipLimits(directory_bytes=1000)) == "zip_members"
    check_zip(many, ZipLimits(members=21))


def test_declared_sizes_are_bounded_per_member_and_in_all(tmp_path: Path) -> None:
    # Plain text compresses about 4 to 1: under the ratio, so only the size bounds refuse it.
    text = b"".join(f"{i:08d} 사업비 집행 내역\n".encode() for i in range(120_000))
    path = _write(tmp_path, "big.zip", _zip({"a.txt": text, "b.txt": text}))
    check_zip(path)
    assert _refusal(path, ZipLimits(member_bytes=len(text) - 1)) == "zip_bomb"
    assert _refusal(path, ZipLimits(total_bytes=2 * len(text) - 1)) == "zip_bomb"


def test_nested_archives_are_inspected_one_level_and_refused_deeper(tmp_path: Path) -> None:
    inner_bomb = _zip({"zeros.bin": 8})
    docx = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})
    check_zip(_write(tmp_path, "docs.zip", _zip({"보고서.docx": docx, "읽어보기.txt": b"hello"})))
    assert _refusal(_write(tmp_path, "hidden.zip", _zip({"inner.zip": inner_bomb}))) == "zip_bomb"
    deep = _zip({"level2.zip": _zip({"level3.zip": docx})})
    assert _refusal(_write(tmp_path, "deep.zip", deep)) == "zip_nesting"
    assert _refusal(_write(tmp_path, "wide.zip", _zip({"a.zip": docx, "b.zip": docx})),
                    ZipLimits(nested_bytes=len(docx) * 3 // 2)) == "zip_nesting"


# ---- OLE compound files (HWP): a directory read within bounds, never as a recursive tree

FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _entry(name: str, kind: int, left: int = NO_STREAM, right: int = NO_STREAM, child: int = NO_STREAM,
           start: int = END, size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", left, right, child) + b"\0" * 36 + struct.pack("<IQ", start, size))


def _compound(directory: list[bytes], after: list[bytes] = (), minifat: bool = False) -> bytes:
    """A version 3 compound file (512-byte sectors): FAT sectors, the directory, then `after`'s
    sectors (one chain each, in order); with `minifat`, the last of them is the mini FAT."""
    directory_sectors = (len(directory) + 3) // 4
    fats = 1
    while fats * 128 < fats + directory_sectors + len(after):
        fats += 1
    chain = [FAT_SECTOR] * fats + [fats + i + 1 for i in range(directory_sectors - 1)] + [END] + [END] * len(after)
    table = struct.pack(f"<{fats * 128}I", *chain, *[FREE] * (fats * 128 - len(chain)))
    minifat_at = fats + directory_sectors + len(after) - 1 if minifat else END
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, fats, fats, 0, 4096, minifat_at, int(minifat), END, 0)
              + struct.pack("<109I", *range(fats), *[FREE] * (109 - fats)))
    return header + table + b"".join(directory).ljust(directory_sectors * 512, b"\0") + b"".join(after)


def _hwp_with_mini_streams() -> bytes:
    """An HWP laid out as Hancom writes one: FileHeader (256 bytes) in the mini stream, behind another."""
    mini_stream_sector = 2  # sector 0: the FAT, sector 1: the directory
    mini = b"preview text".ljust(256, b"\0") + b"HWP Document File V5.00".ljust(256, b"\0")
    minifat = struct.pack("<128I", 1, 2, 3, END, 5, 6, 7, END, *[FREE] * 120)
    directory = [_entry("Root Entry", 5, child=1, start=mini_stream_sector, size=len(mini)),
                 _entry("PrvText", 2, right=2, start=0, size=256), _entry("FileHeader", 2, start=4, size=256)]
    return _compound(directory, [mini, minifat], minifat=True)


def _huge_directory(entries: int, tree: bool) -> bytes:
    """A directory of `entries` storages, reachable as one long chain of siblings or as a tree."""
    directory = [_entry("Root Entry", 5, child=1)]
    for i in range(1, entries):
        left, right = (2 * i, 2 * i + 1) if tree else (NO_STREAM, i + 1)
        directory.append(_entry(f"BinData{i}", 1, left if left < entries else NO_STREAM,
                                right if right < entries else NO_STREAM))
    return _compound(directory)


def test_an_hwp_is_told_by_its_file_header_in_the_mini_stream(tmp_path: Path) -> None:
    path = tmp_path / "사업계획서.hwp"
    path.write_bytes(_hwp_with_mini_streams())
    assert detect(path).type_name == "hwp"


@pytest.mark.parametrize("shape", ["chain", "tree"])
async def test_an_ole_directory_too_large_is_refused_in_bounded_memory(stack: Stack, shape: str) -> None:
    # 40,000 entries (5 MB): olefile recursed through the chain into a RecursionError (a 500),
    # and built the tree as 40,000 objects (31 MiB).
    document = _huge_directory(40_000, tree=shape == "tree")
    program = await stack.program()
    brn = new_brn()
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    response = await stack.http.post(f"/startups/startup:{program.id}:{brn}/documents",
                                     headers=stack.as_startup(brn), data={"kind": "proposal"},
                                     files={"file": ("사업계획서.hwp", document, "application/x-hwp")})
    grown_mib = (_status_kib("VmHWM") - before) / 1024
    assert grown_mib < 12, f"the API's peak memory grew {grown_mib:.1f} MiB on an OLE {shape}"
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert (detail["field"], detail["rule"], detail["type"]) == ("file", "file_type", "damaged-ole")
