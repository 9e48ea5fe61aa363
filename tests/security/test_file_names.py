"""File names that would be saved under another name or extension than the one checked:
`poly.html.` with a PDF header was kept as a PDF and saved by the browser as `poly.html`.
Each is refused by the upload with a 422 naming `filename`, and nothing is kept."""

from domain.documents import filename_problem
from domain.phases import Role
from tests.conftest import Stack, new_brn
from tests.documents_support import pdf

# name → the rule the upload's refusal names
REFUSED = {
    "poly.html.": "filename",  # Windows drops the trailing dot: poly.html
    "x.pdf ": "filename",  # and the trailing space
    "scan.html.. .": "filename",
    "a.html::$DATA": "filename",  # an NTFS stream of a.html
    "nul.pdf": "filename",  # the device NUL on Windows
    "COM1.hwp": "filename",
    "poly\uff0ehtml": "filename",  # a fullwidth full stop: not an extension, reads as one
    "poly\u2024html": "filename",  # ONE DOT LEADER
    "보고서\u202efdp.exe": "control_character",  # right-to-left override: reads 보고서exe.pdf
    "보고서\u200b.pdf": "control_character",  # zero-width space
}
KEPT = ["2025 착수보고서 (최종).pdf", "scan", "정산·증빙 v1.2.pdf", "console.pdf", "a.b.c.pdf", "Ünïcödé.pdf"]


def test_names_windows_would_change_or_that_read_otherwise_are_refused() -> None:
    for name in REFUSED:
        assert filename_problem(name), name
    for name in KEPT:
        assert filename_problem(name) is None, name


async def test_the_upload_refuses_them_by_name_and_keeps_nothing(stack: Stack) -> None:
    program = await stack.program()
    brn = new_brn()
    startup_id = f"startup:{program.id}:{brn}"
    for name, rule in REFUSED.items():
        response = await stack.http.post(f"/startups/{startup_id}/documents", headers=stack.as_startup(brn),
                                         data={"kind": "proposal"},
                                         files={"file": (name, pdf(), "application/pdf")})
        assert response.status_code == 422, f"{name!r}: {response.text}"
        detail = response.json()["error"]["details"][0]
        assert (detail["field"], detail["rule"]) == ("filename", rule), name
        assert "파일 이름" in detail["message"], detail
    listed = await stack.call("GET", f"/startups/{startup_id}/documents", stack.as_role(Role.PROGRAM_OFFICER))
    assert listed["items"] == []


async def test_a_name_with_a_middle_dot_is_still_kept(stack: Stack) -> None:
    name = "정산·증빙 v1.2.pdf"
    program = await stack.program()
    brn = new_brn()
    response = await stack.http.post(f"/startups/startup:{program.id}:{brn}/documents",
                                     headers=stack.as_startup(brn), data={"kind": "proposal"},
                                     files={"file": (name, pdf(), "application/pdf")})
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == name
