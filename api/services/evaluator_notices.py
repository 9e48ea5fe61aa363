"""What the evaluator pool tells the evaluator it concerns, by email in their notice language: an
invitation into a program's pool (with where to sign the pledge), and an exclusion (제척) from a
startup with its reason. A mail server that is down is logged, never a failed request: the pool's
record is what counts, and the evaluator's desk shows the pledge waiting either way."""

from typing import Literal

import structlog
from sqlmodel import Session

from api.i18n import _, language
from axflow.config import Settings
from axflow.mail import send_mail
from store.db import release
from store.notifications import preferences_of
from store.tables import ProgramRow, StartupRow
from store.user_tables import User

log = structlog.get_logger()


async def tell_evaluator(settings: Settings, session: Session, evaluator_id: str,
                         what: Literal["invited", "excluded"], program_id: str, startup_id: str = "",
                         reason: str = "") -> bool:
    """Email the evaluator (if they have an address); True when the message left."""
    user = session.get(User, evaluator_id)
    address = user.email if user is not None else None
    program = session.get(ProgramRow, program_id)
    startup = session.get(StartupRow, startup_id) if startup_id else None
    if user is None or not address or program is None:
        release(session)
        return False
    program_name, company = program.name, startup.company_name if startup is not None else startup_id
    reader = preferences_of(session, evaluator_id).language
    release(session)
    with language(reader):
        if what == "invited":
            subject = _("[axflow] %(program)s 평가위원 풀에 초대되었습니다") % {"program": program_name}
            text = _("%(name)s 님, %(program)s 사업의 평가위원 풀에 초대되었습니다.\n"
                     "서약서(비밀유지, 신청 기업과의 접촉 금지, 이해충돌 신고)에 서명하면 신청서를 보고 평가할 수 "
                     "있습니다.\n서약서: %(link)s") % {
                "name": user.display_name, "program": program_name,
                "link": settings.public_base() + f"/console/programs/{program_id}/pledge"}
        else:
            subject = _("[axflow] %(company)s 평가에서 제척되었습니다") % {"company": company}
            text = _("%(name)s 님, %(program)s 사업의 %(company)s 평가에서 제척되었습니다.\n사유: %(reason)s") % {
                "name": user.display_name, "program": program_name, "company": company, "reason": reason}
    try:
        await send_mail(settings, to=address, subject=subject, text=text, language=reader)
        return True
    except Exception as err:  # MailRefused, MailUnavailable, a socket error: the request still succeeds
        log.warning("evaluator pool mail not sent", to=address, what=what, error=str(err))
        return False
