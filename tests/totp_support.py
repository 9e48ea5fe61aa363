"""Admins and finance officers sign in with a second factor (store/second_factor.py). Test users in
those roles are enrolled with a known secret, and the sign-in helpers type the code their
authenticator would show: the real check runs, nothing is switched off for tests."""

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pyotp
from sqlalchemy import Engine

from store.account_tables import TotpFactor
from store.db import session_scope
from store.second_factor import DRIFT_STEPS, REQUIRED_FOR

SECRET = "AXFLOWTESTSECRETAXFLOWTESTSECRET"


def needs_factor(roles: list[str]) -> bool:
    return bool(REQUIRED_FOR & set(roles))


def enrol(engine: Engine, user_id: str) -> None:
    with session_scope(engine) as session:
        if session.get(TotpFactor, user_id) is None:
            session.add(TotpFactor(user_id=user_id, secret=SECRET, enrolled_at=datetime.now(UTC)))
            session.commit()


async def next_code(engine: Engine, user_id: str, secret: str = SECRET) -> str:
    """A code the server has not seen yet for this person: each code is accepted once, so a person
    signed in again within the same 30 seconds needs the next step's code (or waits for it)."""
    totp = pyotp.TOTP(secret)
    for _ in range(400):
        with session_scope(engine) as session:
            factor = session.get(TotpFactor, user_id)
            last = factor.last_step if factor is not None else 0
        now_step = totp.timecode(datetime.now(UTC))
        # The current step, not the oldest still accepted: a code typed on a busy machine may reach
        # the server a few seconds later, and the oldest step can have left the window by then.
        step = max(now_step, last + 1)
        if step <= now_step + DRIFT_STEPS:
            return totp.generate_otp(step)
        await asyncio.sleep(0.25)
    raise AssertionError("no fresh TOTP step came")


async def pass_second_factor(http: httpx.AsyncClient, engine: Engine, user_id: str,
                             signed: httpx.Response) -> httpx.Response:
    """After a right password: the code, when the answer asks for one."""
    if signed.status_code != 303 or signed.headers.get("location") != "/signin/second-factor":
        return signed
    form = await http.get("/signin/second-factor")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    return await http.post("/signin/second-factor", data={"csrf_token": token.group(1),
                                                          "code": await next_code(engine, user_id)})
