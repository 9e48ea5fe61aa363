"""Staff upload a document from an action's form (e.g. the signed agreement's scan before 협약
체결): `POST /console/startups/{id}/documents`, multipart, through `receive_document`, the path the
API's upload route and the portal take (streamed, hashed, size-limited, type-checked, virus-scanned).
The form goes back to the action with the new document ticked; a refused file comes back as a page
naming why, in the page's language, with a way back. Who may upload is the API upload route's rule
(api/policy.py PAGE_ROLES): program officers and admins, never an auditor or another desk."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep, SettingsDep
from api.errors import ApiError
from api.i18n import gettext
from api.pages.shared.common import PageViewer, check_csrf, render
from api.pages.shared.document_words import upload_words
from api.pages.shared.redirects import page_path
from api.scope import check_scope
from api.services.documents import receive_document
from api.services.startups import startup_row
from domain.documents import DocumentKind
from domain.phases import Action
from store.db import release

router = APIRouter(include_in_schema=False)

# What an action's form offers to upload: the kinds its `documents` field takes.
UPLOAD_KINDS: dict[Action, tuple[DocumentKind, ...]] = {
    Action.SIGN_AGREEMENT: (DocumentKind.AGREEMENT, DocumentKind.OTHER),
    Action.SUBMIT_MILESTONE: (DocumentKind.DELIVERABLE,),
    Action.SUBMIT_SETTLEMENT: (DocumentKind.RECEIPT,),
}


def back_to_form(request: Request, startup_id: str, target: str | None) -> str:
    """The action form the upload came from (only a form of this startup), else its page."""
    page = page_path(request, "startup_page", startup_id=startup_id)
    prefix = f"{page}/actions/"
    if target and target.startswith(prefix) and "//" not in target and "?" not in target and "\\" not in target:
        return target
    return page


@router.post("/console/startups/{startup_id}/documents", name="console_upload")
async def upload(startup_id: str, request: Request, viewer: PageViewer, session: SessionDep,
                 settings: SettingsDep) -> Response:
    check_scope(startup_id, viewer.actor)
    startup = startup_row(session, startup_id)
    release(session)  # the upload's record is written in a transaction of its own
    if startup is None:
        raise ApiError("not_found", gettext("알 수 없는 기업입니다: %(id)s") % {"id": startup_id})
    seen: dict[str, str] = {}

    def check_fields(fields: dict[str, str]) -> None:
        seen.update(fields)
        check_csrf(viewer, fields.get("csrf_token"))

    try:
        document = await receive_document(request, session, settings, viewer.actor, startup_id, startup.program_id,
                                          [kind for kinds in UPLOAD_KINDS.values() for kind in kinds],
                                          check_fields)
    except ApiError as err:
        if err.code == "forbidden":
            raise
        return render(request, viewer, "console/upload_error.html", status=err.status,
                      message=upload_words(err, settings, seen.get("kind")),
                      back=back_to_form(request, startup_id, seen.get("next")))
    return RedirectResponse(f"{back_to_form(request, startup_id, seen.get('next'))}?documents={document.id}", 303)
