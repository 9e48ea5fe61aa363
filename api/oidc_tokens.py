"""The identity provider's signed tokens, checked: the JOSE by joserfc, the ID token's rules by Authlib.

Two kinds arrive. An API client sends a bearer JWT: signed by the provider, for the API's audience,
from the configured issuer, not expired. A browser sign-in receives an ID token from the token
endpoint, checked as OpenID Connect Core 1.0 §3.1.3.7 asks: the issuer, our client id among the
audiences, `azp` (required and ours when there are several audiences), the nonce this browser's
sign-in sent, `exp`, and `iat` neither in the future nor older than the exchange that just
produced it. Blocking (a key fetch may happen): call these off the event loop.

The provider's keys come from its JWKS URL and are kept for KEYS_FRESH_FOR; a token that names a
key not yet seen (the provider rotated its keys) fetches them again, but not more often than every
REFETCH_AFTER, so a stream of made-up key ids cannot make us hammer the provider.
"""

import threading
import time
from functools import lru_cache
from typing import Any

import httpx
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry, Token

from axflow.config import Settings

ALGORITHMS = ["RS256", "ES256"]
# Clocks of the provider and of our replicas drift apart a little.
LEEWAY_SECONDS = 30
# The ID token is minted by the token request we just made: one issued longer ago than this is a
# replay of an earlier exchange.
ID_TOKEN_MAX_AGE_SECONDS = 300
KEYS_FRESH_FOR = 300.0
REFETCH_AFTER = 30.0
# What each claim is, for the message of a refusal (log lines and the API's 401).
CLAIM_WORDS = {"iss": "issuer", "aud": "audience", "azp": "authorized party", "exp": "expiry",
               "iat": "issued-at time", "nonce": "nonce", "sub": "subject", "nbf": "not-before time"}


class InvalidToken(Exception):
    pass


class ProviderKeys:
    """The provider's published signing keys, fetched when missing, stale or rotated."""

    def __init__(self, jwks_url: str) -> None:
        self.jwks_url = jwks_url
        self.key_set: KeySet | None = None
        self.fetched_at = float("-inf")
        self.lock = threading.Lock()

    def current(self) -> KeySet:
        with self.lock:
            if self.key_set is None or time.monotonic() - self.fetched_at > KEYS_FRESH_FOR:
                self._fetch()
            assert self.key_set is not None
            return self.key_set

    def after_unknown_key(self) -> KeySet | None:
        """Fresh keys after a token named a key we lack; None when they were fetched too recently."""
        with self.lock:
            if time.monotonic() - self.fetched_at < REFETCH_AFTER:
                return None
            self._fetch()
            return self.key_set

    def _fetch(self) -> None:
        try:
            answer = httpx.get(self.jwks_url, timeout=10)
            answer.raise_for_status()
            self.key_set = KeySet.import_key_set(answer.json())
        except (httpx.HTTPError, ValueError, JoseError) as err:
            raise InvalidToken(f"the identity provider's keys could not be read: {err}") from err
        self.fetched_at = time.monotonic()


@lru_cache(maxsize=8)
def provider_keys(jwks_url: str) -> ProviderKeys:
    return ProviderKeys(jwks_url)


def _signed(token: str, settings: Settings) -> Token:
    """The token's header and claims once its signature is proven by one of the provider's keys."""
    if not settings.oidc_jwks_url:
        raise InvalidToken("single sign-on is not configured")
    keys = provider_keys(settings.oidc_jwks_url)
    try:
        try:
            return jwt.decode(token, keys.current(), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            rotated = keys.after_unknown_key()
            if rotated is None:
                raise
            return jwt.decode(token, rotated, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as err:
        raise InvalidToken(f"the token's signature could not be verified ({err})") from err


def _refusal(err: ClaimError) -> InvalidToken:
    if isinstance(err, ExpiredTokenError):
        return InvalidToken("the token has expired")
    words = ", ".join(CLAIM_WORDS.get(name, name) for name in err.claim.split(","))
    return InvalidToken(f"{err.description} ({words})")


def _issuer_option(settings: Settings) -> ClaimsOption:
    # Production refuses to start without an issuer (axflow/production.py); a development setup
    # without one still requires the claim.
    return {"essential": True, "value": settings.oidc_issuer} if settings.oidc_issuer else {"essential": True}


def verify_bearer(token: str, settings: Settings) -> dict[str, Any]:
    """The claims of a bearer JWT the provider signed for the API's audience."""
    if not settings.oidc_audience:
        raise InvalidToken("no audience is configured for single sign-on tokens (AXFLOW_OIDC_AUDIENCE)")
    signed = _signed(token, settings)
    registry = JWTClaimsRegistry(leeway=LEEWAY_SECONDS, iss=_issuer_option(settings),
                                 aud={"essential": True, "value": settings.oidc_audience},
                                 exp={"essential": True}, sub={"essential": True})
    try:
        registry.validate(signed.claims)
    except ClaimError as err:
        raise _refusal(err) from err
    return dict(signed.claims)


def verify_id_token(token: str, settings: Settings, nonce: str, now: int) -> dict[str, Any]:
    """The claims of the ID token a browser's code exchange returned, checked by OIDC Core's rules."""
    if not (settings.oidc_issuer and settings.oidc_client_id):
        raise InvalidToken("browser single sign-on needs the issuer and the client id configured")
    signed = _signed(token, settings)

    def not_stale(_claims: Any, issued_at: int | float) -> bool:
        return issued_at >= now - ID_TOKEN_MAX_AGE_SECONDS - LEEWAY_SECONDS

    options = {"iss": {"essential": True, "value": settings.oidc_issuer},
               "aud": {"essential": True, "value": settings.oidc_client_id},
               "nonce": {"essential": True, "value": nonce},
               "exp": {"essential": True}, "sub": {"essential": True},
               "iat": {"essential": True, "validate": not_stale}}
    claims = CodeIDToken(signed.claims, signed.header, options,
                         {"nonce": nonce, "client_id": settings.oidc_client_id})
    try:
        claims.validate(now=now, leeway=LEEWAY_SECONDS)
    except ClaimError as err:
        raise _refusal(err) from err
    return dict(claims)
