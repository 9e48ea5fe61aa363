"""Optional single sign-on: OIDC/JWT bearer tokens validated against the agency's issuer.

Off unless AXFLOW_OIDC_JWKS_URL is set. A JWT's signature is checked with the issuer's published
keys (JWKS, cached), and its issuer, audience and expiry; a claim names the axflow role (and, for a
startup, its business registration number). API tokens keep working beside it.
"""

from functools import lru_cache

import jwt

from axflow.config import Settings
from domain.phases import Role
from domain.state import Actor


class InvalidToken(Exception):
    pass


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("axf_")


@lru_cache(maxsize=8)
def _keys(jwks_url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300)


def actor_from_jwt(token: str, settings: Settings) -> Actor:
    try:
        key = _keys(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256", "ES256"], audience=settings.oidc_audience,
                            issuer=settings.oidc_issuer, options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.PyJWTError as err:
        raise InvalidToken(str(err)) from err
    try:
        role = Role(claims.get(settings.oidc_role_claim))
    except ValueError as err:
        raise InvalidToken(f"claim {settings.oidc_role_claim!r} names no axflow role") from err
    if role is Role.SYSTEM or (role is Role.STARTUP and not claims.get(settings.oidc_brn_claim)):
        raise InvalidToken("a startup token needs its business registration number claim")
    name = str(claims.get(settings.oidc_name_claim) or claims["sub"])
    brn = claims.get(settings.oidc_brn_claim) if role is Role.STARTUP else None
    return Actor(id=name, name=name, role=role, brn=brn)
