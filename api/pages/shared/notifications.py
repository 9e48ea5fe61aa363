"""My notifications as a page, for staff and startups alike (`/notifications`): what was sent to
me (unread first, marked read one by one or all at once) and my choices of channel per kind, with
the daily digest for staff (`/notifications/settings`). The page reads and writes through the same
store functions as `GET|PUT /me/notification-preferences` and `/me/notifications`, so a choice is
checked by the same rules (`check_preferences`, `check_language`) whichever way it comes.

The language of a person's notices is chosen here (or through the API) and nowhere else: the pages'
language switch changes only the pages, so a person who looks at the English pages once (or an
officer checking them) does not start getting English mail."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.errors import ApiError
from api.i18n import gettext
from api.pages.shared import labels
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render
from api.pages.shared.redirects import see_other
from api.pages.shared.rule_text import rule_text
from domain.notifications import CHOOSABLE_CHANNELS, KINDS, NOTICE_LANGUAGES
from domain.phases import Role
from store.db import release
from store.notifications import (
    PreferenceError,
    check_language,
    check_preferences,
    get_notice,
    list_notices,
    mark_all_read,
    mark_read,
    preferences_of,
    save_preferences,
)
from store.users import get_user

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _layout(viewer: Viewer) -> str:
    return "portal/layout.html" if viewer.role == Role.STARTUP else "console/layout.html"


def _is_staff(session: SessionDep, viewer: Viewer) -> bool:
    user = get_user(session, viewer.user.id)
    return user is not None and user.kind == "staff"


@router.get("/notifications")
async def notifications_page(request: Request, viewer: PageViewer, session: SessionDep,
                             offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                             marked: Annotated[int | None, Query(ge=0, le=1_000_000)] = None) -> Response:
    page = list_notices(session, viewer.user.id, unread_first=True, limit=PAGE_SIZE, offset=offset)
    release(session)
    notice = gettext("%(count)s건을 읽음으로 표시했습니다.") % {"count": marked} if marked is not None else None
    return render(request, viewer, "notifications/inbox.html", layout=_layout(viewer), page=page, offset=offset,
                  page_size=PAGE_SIZE, notice=notice)


async def _posted_csrf(request: Request, viewer: Viewer) -> Any:
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(viewer, token if isinstance(token, str) else None)
    return form


@router.post("/notifications/read-all", name="notifications_read_all")
async def read_all(request: Request, viewer: PageViewer, session: SessionDep) -> Response:
    await _posted_csrf(request, viewer)
    marked = mark_all_read(session, viewer.user.id)
    return see_other(request, "notifications_page", query={"marked": marked})


@router.post("/notifications/{notice_id}/read", name="notification_read")
async def read_one(request: Request, viewer: PageViewer, session: SessionDep,
                   notice_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    await _posted_csrf(request, viewer)
    notice = get_notice(session, viewer.user.id, notice_id)
    if notice is None:
        raise ApiError("not_found", gettext("알림이 없습니다."))
    mark_read(session, notice)
    return see_other(request, "notifications_page")


def _settings_page(request: Request, viewer: Viewer, staff: bool, channels: dict[str, list[str]],
                   daily_digest: bool, language: str, status: int = 200, **context: Any) -> Response:
    return render(request, viewer, "notifications/settings.html", status=status, layout=_layout(viewer),
                  kinds=KINDS, channels=channels, choosable=CHOOSABLE_CHANNELS, language=language,
                  languages=NOTICE_LANGUAGES,
                  channel_names={c: labels.label(labels.NOTICE_CHANNELS, c) for c in CHOOSABLE_CHANNELS},
                  staff=staff, daily_digest=daily_digest, **context)


@router.get("/notifications/settings")
async def settings_page(request: Request, viewer: PageViewer, session: SessionDep,
                        saved: bool = False) -> Response:
    prefs, staff = preferences_of(session, viewer.user.id), _is_staff(session, viewer)
    release(session)
    return _settings_page(request, viewer, staff, prefs.effective(), prefs.daily_digest, prefs.language,
                          notice=gettext("알림 설정을 저장했습니다.") if saved else None)


@router.post("/notifications/settings")
async def save_settings(request: Request, viewer: PageViewer, session: SessionDep) -> Response:
    """Every kind is on the form, so every kind is saved: a box left empty means the inbox only."""
    form = await _posted_csrf(request, viewer)
    chosen: dict[str, list[str]] = {kind: [str(c) for c in form.getlist(f"channels.{kind}")] for kind in KINDS}
    # A kind posted that the form never had (a tampered form) is checked, and refused, by name.
    chosen |= {key.removeprefix("channels."): [str(c) for c in form.getlist(key)]
               for key in form.keys() if key.startswith("channels.") and key.removeprefix("channels.") not in chosen}
    daily_digest = form.get("daily_digest") == "true"
    language = str(form.get("language") or preferences_of(session, viewer.user.id).language)
    staff = _is_staff(session, viewer)
    try:
        checked = check_preferences(chosen, daily_digest, staff=staff)
        check_language(language)
    except PreferenceError as err:
        release(session)
        words = rule_text(err.rule) or err.rule
        return _settings_page(request, viewer, staff, chosen, daily_digest, language, status=422,
                              errors={err.field: [f"{words} ({err})"]})
    save_preferences(session, viewer.user.id, checked, daily_digest, language)
    return see_other(request, "settings_page", query={"saved": "true"})
