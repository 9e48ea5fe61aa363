"""Re-authentication for a signature: accepting the agreement (accept-agreement) needs the startup
user's own password, typed again at that moment, whether the request comes from the portal page
or from an API client with a token.

Why the password every time, and not "signed in within the last few minutes": an agreement is
signed with intent, and a session or a token left open (a shared office PC, a leaked token) must
not be enough to sign for a company. The password is checked here, in the action path both the
API and the page use, and never travels on: the body model excludes it from the Update payload,
so Temporal's history and the audit trail never hold it. Wrong passwords are refused with the
field named, and after `FAILURES_ALLOWED` wrong ones within `FAILURE_WINDOW` the acceptance is
refused outright for the rest of that window (no guessing through this route).

The argon2 check (~25 ms of CPU) runs on a worker thread, after the session has given its pooled
connection back: on the event loop it stalled every other request, and a request holding a
connection while it waited let concurrent acceptances drain the pool (HTTP 500, issue 28).
"""

from datetime import UTC, datetime, timedelta

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.errors import ApiError
from domain.commands import AcceptAgreementBody
from domain.phases import Action
from domain.rule_ids import RuleId
from domain.state import Actor
from store.db import release
from store.passwords import verify_password
from store.tables import RefusedAttempt
from store.user_tables import User

FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=15)
MISSING = "비밀번호를 다시 입력하십시오. 협약 동의에는 본인 확인이 필요합니다. — re-enter your password: accepting the " \
          "agreement needs it"
WRONG = "비밀번호가 맞지 않습니다. — the password is not correct"


def _problem(rule: RuleId, message: str) -> ApiError:
    return ApiError("validation_error", message, [{"field": "password", "rule": rule, "message": message}])


def recent_failures(session: Session, actor_id: str, now: datetime) -> int:
    rows = session.exec(select(RefusedAttempt.details).where(
        RefusedAttempt.actor_id == actor_id, RefusedAttempt.action == Action.ACCEPT_AGREEMENT.value,
        col(RefusedAttempt.at) >= now - FAILURE_WINDOW)).all()
    return sum(1 for details in rows if isinstance(details, list)
               and any(isinstance(d, dict) and d.get("rule") == RuleId.PASSWORD_MISMATCH for d in details))


async def confirm_password(session: Session, actor: Actor, body: BaseModel) -> None:
    """For accept-agreement: the acting user's own password must be in the body, and right."""
    if not isinstance(body, AcceptAgreementBody):
        return
    if not body.password:
        raise _problem(RuleId.REAUTHENTICATION, MISSING)
    if recent_failures(session, actor.id, datetime.now(UTC)) >= FAILURES_ALLOWED:
        raise ApiError("too_many_requests", f"비밀번호를 {FAILURES_ALLOWED}번 잘못 입력했습니다. 잠시 후 다시 "
                       f"시도하십시오. — {FAILURES_ALLOWED} wrong passwords; try again in "
                       f"{int(FAILURE_WINDOW.total_seconds() // 60)} minutes",
                       {"field": "password", "rule": RuleId.REAUTHENTICATION_THROTTLED})
    user = session.get(User, actor.id)
    password_hash = user.password_hash if user is not None else None
    release(session)  # no pooled connection held while the hash is checked
    if not await run_in_threadpool(verify_password, password_hash, body.password):
        raise _problem(RuleId.PASSWORD_MISMATCH, WRONG)
