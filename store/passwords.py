"""Passwords: the strength rule (a pure function) and argon2id hashing (argon2-cffi).

The rule follows the Korean public-sector guidance (KISA 패스워드 선택 및 이용 안내서, and the
행정기관 정보보안 점검 items): at least 10 characters of two kinds, or 9 of three kinds (upper
case, lower case, digits, symbols); no login id inside; no four equal or consecutive characters
in a row (aaaa, 1234, abcd); and not guessable by the zxcvbn strength estimator (score at least
3 of 4), which knows the common-password lists, words, names and keyboard walks guessers try first.
"""

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

MAX_LENGTH = 128
# zxcvbn (Dropbox's estimator: dictionaries of common passwords, names and words, keyboard patterns,
# dates, l33t substitutions) scores 0–4; 3 is "safely unguessable: moderate protection from an
# offline slow-hash attack". It reads at most 72 characters; past that a password is long enough.
MIN_STRENGTH = 3
ESTIMATED_LENGTH = 72

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane; Password Storage Cheat Sheet)
# rather than argon2-cffi's heavier default (64 MiB, 3 passes, 4 lanes): one check costs ~23 ms of
# CPU instead of ~186 (bench/profile.py), the API's largest cost per lifecycle. Hashes made under
# the older parameters still verify and are upgraded at the person's next sign-in (needs_rehash).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def _kinds(password: str) -> int:
    classes = [any(c.isupper() for c in password), any(c.islower() for c in password),
               any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    return sum(classes)


def _runs(password: str, length: int = 4) -> bool:
    """Four equal characters, or four consecutive ones up or down (1234, dcba), in a row."""
    codes = [ord(c) for c in password.lower()]
    for i in range(len(codes) - length + 1):
        steps = {codes[i + k + 1] - codes[i + k] for k in range(length - 1)}
        if steps in ({0}, {1}, {-1}):
            return True
    return False


def password_problems(password: str, login_id: str = "") -> list[str]:
    """Why `password` is refused (Korean first, then English); empty when it is acceptable."""
    password = unicodedata.normalize("NFC", password)
    problems = []
    kinds = _kinds(password)
    if len(password) > MAX_LENGTH:
        problems.append(f"비밀번호는 {MAX_LENGTH}자 이하여야 합니다 (at most {MAX_LENGTH} characters)")
    if not ((len(password) >= 10 and kinds >= 2) or (len(password) >= 9 and kinds >= 3)):
        problems.append("비밀번호는 두 종류 이상의 문자로 10자 이상, 또는 세 종류 이상으로 9자 이상이어야 합니다 "
                        "(at least 10 characters of two kinds, or 9 of three kinds: upper case, lower case, "
                        "digits, symbols)")
    login = login_id.strip().lower()
    if len(login) >= 3 and login in password.lower():
        problems.append("비밀번호에 아이디를 넣을 수 없습니다 (the password may not contain the login id)")
    if _runs(password):
        problems.append("같은 문자나 연속된 문자를 4개 이상 이어 쓸 수 없습니다 "
                        "(no four equal or consecutive characters in a row)")
    if not problems and _strength(password, login) < MIN_STRENGTH:
        problems.append("추측하기 쉬운 비밀번호입니다: 흔한 단어, 이름, 날짜, 키보드 배열을 피하고 더 길게 정하십시오 "
                        "(too easy to guess: avoid common words, names, dates and keyboard patterns, or make it "
                        "longer)")
    return problems


def _strength(password: str, login: str) -> int:
    return int(zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[login] if login else [])["score"])


def hash_password(password: str) -> str:
    return _hasher.hash(unicodedata.normalize("NFC", password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. Without a hash (no password set, or no such user) a dummy
    hash is checked anyway, so that the answer takes as long either way."""
    try:
        return _hasher.verify(password_hash or _DUMMY, unicodedata.normalize("NFC", password)) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_DUMMY = _hasher.hash("axflow-no-such-password")
