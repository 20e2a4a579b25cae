"""Staff passwords: Argon2id hashes (argon2-cffi, RFC 9106 parameters), never stored in clear."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong username takes as long as a wrong
# password and does not tell an attacker which accounts exist.
_UNKNOWN_USER_HASH = _hasher.hash("no account has this password hash")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    verify_password(_UNKNOWN_USER_HASH, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, username: str) -> str:
    """Why a new password is refused, or '' when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must have at most {MAX_LENGTH} characters"
    if username and username.lower() in password.lower():
        return "the password must not contain the username"
    if len(set(password)) < 5:
        return "the password is too easy to guess (use a few words or varied characters)"
    return ""
