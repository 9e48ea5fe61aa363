"""Staff's second factor: TOTP (RFC 6238, an authenticator app) with one-use recovery codes.

Required for admins and finance officers (they manage people and approve money), optional for
other staff. A required person without one enrols at their next sign-in, before any session
starts: the secret is shown as text and as a QR code, the first code typed back confirms it, and
ten recovery codes are shown once (kept as SHA-256; each high-entropy, so a fast hash suffices).
A code is accepted once: the time step of the last accepted code is kept. API tokens are not
affected: they are issued by an admin to a named holder and revoked the same way.
"""

import hashlib
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete
from sqlmodel import Session, col, select

from store.account_tables import RecoveryCode, TotpFactor
from store.user_tables import User

ISSUER = "axflow"
REQUIRED_FOR = frozenset({"admin", "finance_officer"})
RECOVERY_CODES = 10
# Codes of the step before and after are accepted too (a phone's clock a little off).
DRIFT_STEPS = 1


def required(user: User) -> bool:
    return user.kind == "staff" and bool(REQUIRED_FOR & set(user.roles))


def enrolled(session: Session, user_id: str) -> TotpFactor | None:
    factor = session.get(TotpFactor, user_id)
    return factor if factor is not None and factor.enrolled_at is not None else None


def begin_enrolment(session: Session, user: User) -> str:
    """The secret being enrolled (a new one unless an unconfirmed one waits)."""
    factor = session.get(TotpFactor, user.id)
    if factor is None or factor.enrolled_at is not None:
        factor = factor or TotpFactor(user_id=user.id, secret="")
        factor.secret, factor.enrolled_at, factor.last_step = pyotp.random_base32(), None, 0
        session.add(factor)
        session.commit()
    return factor.secret


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.login_id, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG (no image request, so the page's CSP stays as it is)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=False)


def _accepted_step(secret: str, code: str, last_step: int, at: datetime) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(session: Session, user: User, code: str, at: datetime) -> list[str] | None:
    """The first code confirms the enrolment: returns the recovery codes (shown once), or None."""
    factor = session.get(TotpFactor, user.id)
    if factor is None or factor.enrolled_at is not None:
        return None
    step = _accepted_step(factor.secret, code, 0, at)
    if step is None:
        return None
    factor.enrolled_at, factor.last_step = at, step
    session.add(factor)
    codes = _new_recovery_codes(session, user, at)
    session.commit()
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).replace("-", "").lower().encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User, at: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, one use, and guesses are throttled
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(code_hash=_hash(raw), user_id=user.id, created_at=at))
    return codes


def check_code(session: Session, user: User, code: str, at: datetime) -> bool:
    """A current TOTP code not used before, or an unused recovery code (used up now)."""
    factor = enrolled(session, user.id)
    if factor is None:
        return False
    step = _accepted_step(factor.secret, code, factor.last_step, at)
    if step is not None:
        factor.last_step = step
        session.add(factor)
        session.commit()
        return True
    row = session.get(RecoveryCode, _hash(code)) if len(code) <= 40 else None
    if row is None or row.user_id != user.id or row.used_at is not None:
        return False
    row.used_at = at
    session.add(row)
    session.commit()
    return True


def recovery_codes_left(session: Session, user_id: str) -> int:
    return len(session.exec(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))).all())


def remove(session: Session, user: User) -> None:
    """Turn the second factor off (only for people not required to have one)."""
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.execute(delete(TotpFactor).where(col(TotpFactor.user_id) == user.id))
    session.commit()
