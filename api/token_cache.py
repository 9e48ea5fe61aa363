"""Who a bearer token belongs to, remembered for a few seconds: every authenticated API request
used to read the token and its user (a join through the ORM, about 1 ms of CPU, a thirtieth of a
lifecycle's API time). A token revoked, its user disabled or their roles changed in this process
is forgotten at once (store/revocations.py); changed anywhere else (the CLI, another API process,
the database by hand), it stops working within REVOCATION_DELAY. Expiry is exact: an entry never
outlives its token. Only tokens: a browser session is read on each request (its idle clock and
sign-out)."""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from store import revocations
from store.db import as_utc
from store.tables import ApiToken
from store.tokens import hash_token
from store.user_tables import User

# The longest a revocation made outside this process goes unnoticed here.
REVOCATION_DELAY = timedelta(seconds=5)
# Tokens remembered at once; the least recently used goes first.
MAX_TOKENS = 10_000


@dataclass(frozen=True)
class TokenHolder:
    """What a request needs of a live token and its active owner (api.deps.Person), detached
    from any database session."""

    id: str
    display_name: str
    roles: list[str]
    fixed_role: str | None


class TokenCache:
    def __init__(self, delay: timedelta = REVOCATION_DELAY, max_tokens: int = MAX_TOKENS) -> None:
        self.delay, self.max_tokens = delay.total_seconds(), max_tokens
        self._entries: OrderedDict[str, tuple[float, TokenHolder]] = OrderedDict()
        self._lock = threading.Lock()
        revocations.listen(self.forget_user)

    def get(self, token: str) -> TokenHolder | None:
        key = hash_token(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, token: str, row: ApiToken, user: User) -> TokenHolder:
        holder = TokenHolder(user.id, user.display_name, list(user.roles), row.role)
        lifetime = self.delay
        if row.expires_at is not None:
            lifetime = min(lifetime, (as_utc(row.expires_at) - datetime.now(UTC)).total_seconds())
        if lifetime > 0:
            with self._lock:
                self._entries[hash_token(token)] = (time.monotonic() + lifetime, holder)
                self._entries.move_to_end(hash_token(token))
                while len(self._entries) > self.max_tokens:
                    self._entries.popitem(last=False)
        return holder

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            for key in [k for k, (_, holder) in self._entries.items() if holder.id == user_id]:
                del self._entries[key]
