"""The sign-in throttle: failed authentications counted in the database, so that every API replica
sees the same counts (a dict in one process would give an attacker N times the guesses behind N
replicas, and forget them on restart).

Why a table and not the `limits` package: `limits` keeps its counters in memory, Redis, Memcached,
MongoDB or etcd, none of which axflow runs; a table in the database every replica already shares
needs nothing new. The rule is a sliding window: a key is refused while it has `limit` failures in
the last `window` seconds, and is told when the oldest of those leaves the window.

What is counted, and under which key:
- a wrong password, under (client address, login id) with a low limit, and under the login id alone
  with a higher one (guessing one account from many addresses), so that an attacker at one address
  is stopped while the real person, elsewhere, still signs in;
- a bad API token, under the client address.
What is never counted: a request without credentials, or with a session that has lapsed. What is
never refused: a valid token or a live session (the throttle is asked only once a credential has
failed, or before a password is checked).

The client address is the TCP peer's, or the proxy's X-Forwarded-For when the peer is a proxy
named in `trusted_proxies` (api/main.py); a client's own header is never believed.
"""

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from api.errors import ApiError
from api.sessions import utc_now
from axflow.config import Settings
from domain.formatting import kst_clock
from store.account_tables import AuthFailure
from store.db import as_utc


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int


class Throttled(Exception):
    """A key is over its limit until `retry_at`."""

    def __init__(self, retry_at: datetime, now: datetime) -> None:
        super().__init__("throttled")
        self.retry_at = retry_at
        self.seconds = max(1, math.ceil((retry_at - now).total_seconds()))

    def words(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        return (f"로그인 실패가 너무 많습니다. {kst_clock(self.retry_at)} 이후(약 {minutes}분 뒤)에 다시 "
                f"시도하십시오. — too many failed sign-ins; try again after {kst_clock(self.retry_at)} "
                f"(in about {minutes} minutes)")

    def api_error(self) -> ApiError:
        return ApiError("too_many_requests", self.words(),
                        {"rule": "signin_throttled", "retry_after_seconds": self.seconds,
                         "retry_at": self.retry_at.isoformat()},
                        429, headers={"Retry-After": str(self.seconds)})


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class SigninThrottle:
    def __init__(self, settings: Settings, reader: Callable[[], Engine], writer: Callable[[], Engine]) -> None:
        # Engines are asked for when used: the app makes them when it starts (its lifespan).
        self.settings, self._reader, self._writer = settings, reader, writer
        self.window = timedelta(seconds=settings.auth_failure_window_seconds)

    def password_limits(self, address: str, login_id: str) -> list[Limit]:
        login = login_id.strip().lower()
        return [Limit(f"password {address} {login}", self.settings.auth_failure_limit),
                Limit(f"password {login}", self.settings.auth_failure_limit_per_login)]

    def address_limits(self, address: str) -> list[Limit]:
        return [Limit(f"address {address}", self.settings.auth_failure_limit)]

    def over(self, limits: list[Limit], now: datetime) -> Throttled | None:
        """The latest moment any of `limits` lets a try through again, or None when all allow one."""
        latest: datetime | None = None
        with Session(self._reader()) as db:
            for limit in limits:
                recent = db.exec(select(AuthFailure.at).where(
                    AuthFailure.key_hash == _hash(limit.key), col(AuthFailure.at) > now - self.window)
                    .order_by(col(AuthFailure.at).desc()).limit(limit.limit)).all()
                if len(recent) >= limit.limit:  # free again when the oldest of these leaves the window
                    free_at = as_utc(recent[-1]) + self.window
                    latest = free_at if latest is None else max(latest, free_at)
        return Throttled(latest, now) if latest is not None else None

    def refuse_if_over(self, limits: list[Limit], now: datetime) -> None:
        throttled = self.over(limits, now)
        if throttled is not None:
            raise throttled.api_error()

    def record(self, limits: list[Limit], now: datetime) -> None:
        """One failure under each key; rows that have left the window are dropped on the way."""
        with Session(self._writer()) as db:
            db.execute(delete(AuthFailure).where(col(AuthFailure.at) <= now - self.window))
            db.add_all(AuthFailure(key_hash=_hash(limit.key), at=now) for limit in limits)
            db.commit()

    # The per-address form, for callers that count one client's failures (single sign-on
    # callbacks, anonymous forms that send mail).
    def check(self, address: str, now: datetime | None = None) -> None:
        self.refuse_if_over(self.address_limits(address), now or utc_now())

    def failed(self, address: str, now: datetime | None = None) -> None:
        self.record(self.address_limits(address), now or utc_now())
