"""In-process news of a person's access changing (a token revoked, the person disabled, their
roles changed), for the caches of this process that must not wait out their lifetime (the API's
token cache, api/token_cache.py). Another process (the CLI, a second API) is not told: its caches
forget within their own bound."""

import weakref
from collections.abc import Callable
from typing import Any

# Weak: a cache that is gone (an app a test made) stops listening by itself.
_listeners: list[weakref.WeakMethod[Callable[[str], None]]] = []


def listen(forget_user: Any) -> None:
    """`forget_user` is a bound method taking a user id."""
    _listeners.append(weakref.WeakMethod(forget_user))


def announce(user_id: str) -> None:
    for ref in list(_listeners):
        forget_user = ref()
        if forget_user is None:
            _listeners.remove(ref)
        else:
            forget_user(user_id)
