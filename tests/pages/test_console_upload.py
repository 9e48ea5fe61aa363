"""Staff upload a document from an action's form, over real HTTP: the officer about to countersign
uploads the signed agreement's scan, comes back to the form with it ticked, and signs with it; a
file that is not what its name says is refused in words (Korean, or English with the switch), and a
post without the form's token or from a startup's session keeps nothing."""

import re

import httpx

from store.db import session_scope
from store.documents import documents_of
from tests.browser.conftest import PASSWORD, ensure_user
from tests.conftest import Stack
from tests.documents_support import pdf
from tests.flows import accept_agreement, drive, match


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(http: httpx.AsyncClient, stack: Stack, login: str, roles: list[str], brn: str | None = None) -> None:
    ensure_user(stack, login, roles, brn)
    form = await http.get("/signin")
    signed = await http.post("/signin", data={"login_id": login, "password": PASSWORD, "csrf_token": csrf(form.text)})
    assert signed.status_code == 303, signed.text


def stored(stack: Stack, startup_id: str) -> list[str]:
    with session_scope(stack.engine) as session:
        return [d.id for d in documents_of(session, startup_id)]


async def test_an_officer_uploads_the_signed_agreement_and_signs_with_it(stack: Stack, site: httpx.AsyncClient) -> None:
    startup = await drive(stack, "selected")
    await accept_agreement(stack, startup.id, await match(stack, startup.id))
    await sign_in(site, stack, "upload.officer", ["program_officer"])
    form_url = f"/console/startups/{startup.id}/actions/sign-agreement"
    form = await site.get(form_url)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert '<option value="agreement"' in form.text and '<option value="deliverable"' not in form.text
    before = stored(stack, startup.id)

    fields = {"csrf_token": csrf(form.text), "next": form_url, "kind": "agreement"}
    uploaded = await site.post(f"/console/startups/{startup.id}/documents", data=fields,
                               files={"file": ("협약서-서명본.pdf", pdf("signed agreement"), "application/pdf")})
    assert uploaded.status_code == 303, uploaded.text
    (new_id,) = set(stored(stack, startup.id)) - set(before)
    assert uploaded.headers["location"] == f"{form_url}?documents={new_id}"
    back = await site.get(uploaded.headers["location"])
    assert re.search(rf'id="doc-{new_id}" name="documents" value="{new_id}" checked', back.text)
    assert "협약서-서명본.pdf" in back.text

    signed = await site.post(form_url, data={"csrf_token": csrf(back.text), "agreement_no": "AX-UP-1",
                                             "documents": new_id}, follow_redirects=True)
    assert signed.status_code == 200
    state = await stack.wait_phase(startup.id, "contracted")
    assert new_id in [d["id"] for d in state["agreement_documents"]]

    # Text in a .pdf's clothing: refused by what it is, nothing kept; in English with the switch.
    lying = await site.post(f"/console/startups/{startup.id}/documents", data=fields,
                            files={"file": ("scan.pdf", b"just some text, not a PDF", "application/pdf")})
    assert lying.status_code == 422 and "허용되지 않는 파일 형식입니다" in lying.text
    assert f'href="{form_url}"' in lying.text
    english = await site.post(f"/console/startups/{startup.id}/documents", data=fields,
                              files={"file": ("scan.pdf", b"", "application/pdf")}, cookies={"axflow_lang": "en"})
    assert english.status_code == 422 and '<html lang="en">' in english.text and "The file is empty." in english.text
    assert len(stored(stack, startup.id)) == len(before) + 1


async def test_no_token_or_a_startup_session_keeps_nothing(stack: Stack, site: httpx.AsyncClient) -> None:
    startup = await drive(stack, "selected")
    await sign_in(site, stack, "upload.officer2", ["program_officer"])
    forged = await site.post(f"/console/startups/{startup.id}/documents", data={"kind": "agreement", "csrf_token": "x"},
                             files={"file": ("a.pdf", pdf(), "application/pdf")})
    assert forged.status_code == 403 and stored(stack, startup.id) == []

    async with httpx.AsyncClient(base_url=stack.settings.api_url) as own:
        await sign_in(own, stack, f"upload.startup.{startup.brn}", ["startup"], brn=startup.brn)
        home = await own.get("/portal/my")
        refused = await own.post(f"/console/startups/{startup.id}/documents",
                                 data={"kind": "agreement", "csrf_token": csrf(home.text)},
                                 files={"file": ("a.pdf", pdf(), "application/pdf")})
    assert refused.status_code == 403 and stored(stack, startup.id) == []
