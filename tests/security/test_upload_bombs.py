"""ZIP bombs of every container kind an upload may be (plain ZIP, DOCX, XLSX, HWPX) are refused with
a 422 naming the file and the rule, while the API's memory stays flat: the stack serves the API in
this very process, so its peak RSS (VmHWM, reset before each upload) is the API's. The bounds
themselves (member count, nesting, total size) are checked on files without a server."""

import io
import re
import zipfile
from pathlib import Path

import pytest

from domain.phases import Role
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
