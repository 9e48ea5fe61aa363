"""What the evaluator pool tells the evaluator it concerns, as notices of their own kinds
(domain/notifications.py: `evaluator_invited`, `evaluator_assigned`, `evaluator_excluded`; words in
axflow/notices/templates/, Korean and English): an invitation into a program's pool (with where to
sign the pledge), each startup newly assigned to them, and an exclusion (제척) with its reason.

Sent by the API, not a lifecycle, to one person: the event is kept (store/notifications.py's
`record_event`), the notice goes into their in-app inbox in their language, and an email goes when
their preferences keep email for the kind (the default). A mail server that is down is logged, never
a failed request: the pool's record and the inbox notice are what count."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal
from uuid import uuid4

import structlog
from sqlmodel import Session

from axflow.config import Settings
from axflow.mail import send_mail
from axflow.notices import render
from domain.notifications import EMAIL, NoticeKind, NotificationEvent
from store.db import release
from store.notifications import add_notice, preferences_of, record_event
from store.tables import ProgramRow, StartupRow
from store.user_tables import User

log = structlog.get_logger()

What = Literal["invited", "assigned", "excluded"]
KIND_OF: dict[str, NoticeKind] = {"invited": NoticeKind.EVALUATOR_INVITED, "assigned": NoticeKind.EVALUATOR_ASSIGNED,
                                  "excluded": NoticeKind.EVALUATOR_EXCLUDED}


def _link(settings: Settings, what: What, program_id: str, startup_id: str) -> str:
    """Where the notice sends them: the pledge to sign, or the score sheet of the startup."""
    base = settings.public_base()
    if what == "invited":
        return f"{base}/console/programs/{program_id}/pledge"
    return f"{base}/console/evaluations/{startup_id}"


async def tell_evaluator(settings: Settings, session: Session, evaluator_id: str, what: What, program_id: str,
                         startup_id: str = "", reason: str = "") -> bool:
    """Put the notice in the evaluator's inbox and email it as they chose; True when a mail left."""
    user = session.get(User, evaluator_id)
    program = session.get(ProgramRow, program_id)
    startup = session.get(StartupRow, startup_id) if startup_id else None
    if user is None or program is None:
        release(session)
        return False
    kind = KIND_OF[what]
    event = NotificationEvent(
        key=f"pool:{what}:{uuid4().hex}", kind=kind, recipients=[], startup_id=startup_id, program_id=program_id,
        brn=startup.brn if startup is not None else "", at=datetime.now(UTC),
        data={"program_name": program.name, "company_name": startup.company_name if startup is not None else "",
              "reason": reason})
    preferences = preferences_of(session, evaluator_id)
    rendered = render(kind, event.data, recipient_name=user.display_name,
                      link=_link(settings, what, program_id, startup_id), language=preferences.language)
    address = user.email if EMAIL in preferences.channels_for(kind) else None
    record_event(session, event)
    add_notice(session, user_id=evaluator_id, event=event, subject=rendered.subject, body=rendered.text)
    session.commit()
    release(session)
    if not address:
        return False
    try:
        await send_mail(settings, to=address, subject=rendered.subject, text=rendered.text,
                        language=preferences.language)
        return True
    except Exception as err:  # MailRefused, MailUnavailable, a socket error: the request still succeeds
        log.warning("evaluator pool mail not sent", to=address, what=what, error=str(err))
        return False


async def tell_assigned(settings: Settings, session: Session, program_id: str,
                        before: Mapping[str, Sequence[str]], after: Mapping[str, Sequence[str]]) -> int:
    """Tell each evaluator of every startup newly on their panel (`after` less `before`, startup id →
    evaluator ids); the number of notices."""
    told = 0
    for startup_id, panel in after.items():
        for evaluator_id in panel:
            if evaluator_id not in before.get(startup_id, ()):
                await tell_evaluator(settings, session, evaluator_id, "assigned", program_id, startup_id)
                told += 1
    return told
