"""My notifications: the in-app inbox (`GET /me/notifications`, mark read) and my preferences
(`GET|PUT /me/notification-preferences`: channels per kind, the daily digest for staff)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from domain.formatting import kst_minute
from domain.notifications import CHOOSABLE_CHANNELS, KINDS
from domain.text import Line
from store.db import as_utc
from store.notification_tables import Notice
from store.notifications import (
    PreferenceError,
    Preferences,
    check_language,
    check_preferences,
    get_notice,
    list_notices,
    mark_all_read,
    mark_read,
    preferences_of,
    save_preferences,
    unread_count,
)
from store.users import get_user

router = APIRouter(prefix="/me", tags=["me"], responses=ERROR_RESPONSES)


class NoticePublic(BaseModel):
    id: int
    kind: str
    startup_id: str
    subject: str
    body: str
    created_at: datetime
    created_at_kst: str
    unread: bool
    read_at: datetime | None


class NoticeList(BaseModel):
    items: list[NoticePublic]
    total: int
    unread: int
    limit: int
    offset: int


class ReadAll(BaseModel):
    marked: int
    unread: int


class PreferencesPublic(BaseModel):
    # Every kind with the channels it goes out on (email and/or sms; the in-app inbox always).
    channels: dict[str, list[str]]
    # Only the kinds I chose; the others follow the default (email).
    chosen: dict[str, list[str]]
    daily_digest: bool
    last_digest_at: datetime | None
    kinds: list[str]
    choosable_channels: list[str]
    # The one language of my notices (inbox, email, SMS): "ko" (the default) or "en".
    language: str


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: dict[Line, list[Line]] = Field(
        default={}, description="kind → channels (email, sms); kinds not named keep the default, email",
        examples=[{"payment_received": ["email", "sms"], "milestone_reminder": ["sms"]}])
    daily_digest: bool = Field(default=False, description="staff only: one email a day instead of one per event")
    language: Line | None = Field(default=None, description="the language of my notices, ko or en; "
                                  "left out, the one chosen before stays (Korean at first)", examples=["en"])


def _public(notice: Notice) -> NoticePublic:
    created = as_utc(notice.created_at)
    assert created is not None and notice.id is not None
    return NoticePublic(id=notice.id, kind=notice.kind, startup_id=notice.startup_id, subject=notice.subject,
                        body=notice.body, created_at=created, created_at_kst=kst_minute(created),
                        unread=notice.unread, read_at=as_utc(notice.read_at))


def _preferences(prefs: Preferences) -> PreferencesPublic:
    return PreferencesPublic(channels=prefs.effective(), chosen=prefs.channels, daily_digest=prefs.daily_digest,
                             last_digest_at=as_utc(prefs.last_digest_at), kinds=list(KINDS),
                             choosable_channels=list(CHOOSABLE_CHANNELS), language=prefs.language)


@router.get("/notifications", response_model=NoticeList)
async def my_notifications(
    session: SessionDep, actor: Authorized,
    order: Annotated[Literal["unread_first", "newest"],
                     Query(description="unread first (then newest), or newest first")] = "unread_first",
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NoticeList:
    page = list_notices(session, actor.id, unread_first=order == "unread_first", unread_only=unread_only,
                        limit=limit, offset=offset)
    return NoticeList(items=[_public(n) for n in page.items], total=page.total, unread=page.unread,
                      limit=limit, offset=offset)


@router.post("/notifications/read-all", response_model=ReadAll)
async def read_all(session: SessionDep, actor: Authorized) -> ReadAll:
    marked = mark_all_read(session, actor.id)
    return ReadAll(marked=marked, unread=unread_count(session, actor.id))


@router.post("/notifications/{notice_id}/read", response_model=NoticePublic)
async def read_one(notice_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
                   actor: Authorized) -> NoticePublic:
    notice = get_notice(session, actor.id, notice_id)
    if notice is None:
        raise ApiError("not_found", f"알림이 없습니다 / no notification {notice_id}")
    return _public(mark_read(session, notice))


@router.get("/notification-preferences", response_model=PreferencesPublic)
async def my_preferences(session: SessionDep, actor: Authorized) -> PreferencesPublic:
    return _preferences(preferences_of(session, actor.id))


@router.put("/notification-preferences", response_model=PreferencesPublic)
async def set_my_preferences(body: PreferencesIn, session: SessionDep, actor: Authorized) -> PreferencesPublic:
    user = get_user(session, actor.id)
    if user is None:
        raise ApiError("not_found", "this identity has no directory entry")
    try:
        channels = check_preferences(body.channels, body.daily_digest, staff=user.kind == "staff")
        language = check_language(body.language) if body.language is not None else None
    except PreferenceError as err:
        raise ApiError("validation_error", str(err),
                       [{"field": err.field, "rule": err.rule, "message": str(err)}]) from None
    return _preferences(save_preferences(session, actor.id, channels, body.daily_digest, language))
