"""The language switch in every page's header: `GET /language/en` or `/language/ko` keeps the
choice in a cookie for a year and goes back to the page it was pressed on. A plain link, so it works
without JavaScript and from the keyboard; only a path on this site is gone back to."""

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from api import i18n
from api.errors import ApiError

router = APIRouter(include_in_schema=False)
YEAR_SECONDS = 365 * 24 * 3600


def local_path(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/language/{code}")
def switch_language(request: Request, code: str, next: str | None = Query(None, max_length=2000)) -> RedirectResponse:
    if code not in i18n.LANGUAGES:
        raise ApiError("not_found", f"unknown language {code!r}; one of {', '.join(i18n.LANGUAGES)} "
                       "(지원하지 않는 언어입니다)", {"field": "code", "allowed": list(i18n.LANGUAGES)})
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(i18n.COOKIE, code, max_age=YEAR_SECONDS, httponly=True, samesite="lax",
                        secure=request.app.state.settings.env != "dev", path="/")
    return response
