"""The startup's appeal (이의신청) from its page on the portal: the form read into file-appeal's body,
refusals shown beside the field they name. The appeals themselves and the panel's decisions are
listed by portal/appeal_section.html from the lifecycle's state."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.pages.portal.common import StartupViewer
from api.pages.portal.my import _workspace as render_workspace  # the form's page, shown again on a refusal
from api.pages.portal.my import refusal_errors
from api.pages.shared.common import check_csrf
from api.pages.shared.redirects import see_other
from api.scope import check_scope
from api.services.actions import perform_action
from domain.phases import Action

router = APIRouter(include_in_schema=False)
FIELDS = {"kind", "entry_id", "reasons", "documents"}


@router.post("/portal/my/{startup_id}/appeal", response_class=HTMLResponse)
async def file_appeal(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                      viewer: StartupViewer) -> Response:
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    check_scope(startup_id, viewer.actor)
    entry_id = str(form.get("entry_id") or "").strip()
    body = {"kind": str(form.get("kind") or "").strip(), "reasons": str(form.get("reasons") or "").strip(),
            "documents": [str(d) for d in form.getlist("documents")], **({"entry_id": entry_id} if entry_id else {})}
    try:
        await perform_action(startup_id, Action.FILE_APPEAL, body, viewer.actor, session, temporal,
                             request.state.request_id)
    except ApiError as err:
        if err.status == 404:
            raise
        return await render_workspace(request, session, temporal, viewer, startup_id, refusal_errors(err, FIELDS),
                                      err.status)
    return see_other(request, "workspace", startup_id=startup_id, query={"done": "appeal"}, fragment="appeals")
