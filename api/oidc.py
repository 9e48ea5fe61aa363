"""Optional single sign-on with the agency's OpenID Connect identity provider.

Off unless AXFLOW_OIDC_JWKS_URL is set. Two ways in: an API client sends the provider's JWT as a
bearer token, or a browser signs in by the authorization-code flow with PKCE (api/routes/signin_oidc.py).
Either way the JWT's signature is checked with the issuer's published keys (JWKS, cached), and its
claims (api/oidc_tokens.py); a claim names the axflow role (and, for a startup, its business
registration number). The person is the directory user linked to the provider's subject (created
on first sign-in), so the actor recorded is that user's stable id whichever way they came in.
"""

import re
from typing import Any

from sqlmodel import Session, select

# The tokens' signatures and claims are checked in api/oidc_tokens.py; api/deps.py calls the bearer
# check by this module's older name.
from api.oidc_tokens import InvalidToken
from api.oidc_tokens import verify_bearer as verify_jwt
from axflow.config import Settings
from domain.brn import normalize_brn
from domain.phases import Role
from store.user_tables import User
from store.users import DirectoryError, create_user, normalize_login

__all__ = ["InvalidToken", "directory_user", "looks_like_jwt", "role_of", "verify_jwt"]


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("axf_")


def role_of(claims: dict[str, Any], settings: Settings) -> tuple[Role, str | None]:
    try:
        role = Role(claims.get(settings.oidc_role_claim, ""))
    except ValueError as err:
        raise InvalidToken(f"claim {settings.oidc_role_claim!r} names no axflow role") from err
    if role is Role.SYSTEM or (role is Role.STARTUP and not claims.get(settings.oidc_brn_claim)):
        raise InvalidToken("a startup token needs its business registration number claim")
    if role is not Role.STARTUP:
        return role, None
    try:
        return role, normalize_brn(str(claims[settings.oidc_brn_claim]))
    except ValueError as err:
        raise InvalidToken(f"claim {settings.oidc_brn_claim!r}: {err}") from None


def directory_user(db: Session, claims: dict[str, Any], settings: Settings) -> tuple[User, Role]:
    """The directory user linked to this issuer's subject, created on first sign-in. The provider
    vouches for the role its claim names: a linked user gains it if missing. A disabled user, or a
    role that does not fit the user's kind (staff / startup), is refused."""
    role, brn = role_of(claims, settings)
    subject = f"{claims['iss']} {claims['sub']}"
    user = db.exec(select(User).where(User.oidc_subject == subject)).first()
    if user is None:
        user = _provision(db, claims, settings, subject, role, brn)
    if not user.active:
        raise InvalidToken("this user is disabled")
    if (role is Role.STARTUP) != (user.kind == "startup") or (brn and brn != user.brn):
        raise InvalidToken("the role claim does not fit this user")
    if role.value not in user.roles:
        user.roles = [*user.roles, role.value]
        db.add(user)
        db.commit()
    return user, role


def _provision(db: Session, claims: dict[str, Any], settings: Settings, subject: str, role: Role,
               brn: str | None) -> User:
    wanted = normalize_login(str(claims.get(settings.oidc_name_claim) or claims["sub"]))
    base = re.sub(r"[^a-z0-9._@-]", "-", wanted)[:56].strip("-._@") or "sso"
    base = base if len(base) >= 3 else f"sso-{base}"
    name = str(claims.get("name") or claims.get(settings.oidc_name_claim) or claims["sub"])[:100]
    email = claims.get("email") if claims.get("email_verified") else None
    for n in range(1, 50):
        login = base if n == 1 else f"{base}-{n}"
        try:
            user = create_user(db, login_id=login, display_name=name, kind="startup" if brn else "staff",
                               roles=[role.value], brn=brn, email=email if n == 1 else None)
        except DirectoryError as err:
            if err.code != "conflict":
                raise InvalidToken(err.message) from None
            continue
        user.oidc_subject = subject
        db.add(user)
        db.commit()
        return user
    raise InvalidToken("no free login id for this subject")
