"""The signed-in home, "내 할 일" (my work): what waits on me in each of my roles, overdue first,
with counts per kind. A startup's people have their own home in the portal."""

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.i18n import gettext
from api.pages.shared.common import PageViewer, render
from api.pages.shared.redirects import see_other
from api.services.conflicts import declared_conflicts
from api.services.programs import calls_awaiting_selection
from domain.phases import Role
from store.db import release
from store.work_items import inbox

router = APIRouter(include_in_schema=False)
INBOX_LIMIT = 200


@router.get("/")
async def home(request: Request, viewer: PageViewer, db: SessionDep, extended: bool = False) -> Response:
    if viewer.role is Role.STARTUP:
        return see_other(request, "my_page")
    user = viewer.user
    conflicts = declared_conflicts(db, user.id)  # the person's, whatever role they act in
    # The portal is the startup role's inbox: here, the staff roles only.
    staff_roles = [r for r in user.roles if r != Role.STARTUP.value]
    items = inbox(db, user.id, staff_roles, None, conflicts, viewer.now, INBOX_LIMIT)
    # A selection to finalize is the program's, not a startup's: it has no work item of its own.
    selections = calls_awaiting_selection(db, viewer.now) if viewer.role is Role.PROGRAM_OFFICER else []
    release(db)
    counts = Counter(item.kind for item in items)
    notice = gettext("세션을 연장했습니다.") if extended else None
    return render(request, viewer, "home.html", items=items, counts=sorted(counts.items(), key=lambda kv: -kv[1]),
                  overdue=sum(item.overdue for item in items), limit=INBOX_LIMIT, notice=notice,
                  several_roles=len(staff_roles) > 1, selections=selections)
