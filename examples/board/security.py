"""Passwords (argon2) and API tokens (signed, expiring, stateless)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = ["TokenSigner", "hash_password", "verify_password"]

_hasher = PasswordHasher()
# Verifying against this when the user does not exist takes as long as a real check, so
# response times do not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: no such user; still takes the time)."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class TokenSigner:
    """Bearer tokens carrying a user id, signed with the app's secret key.

    Args:
        secret_key: The signing key.
        max_age: Seconds a token stays valid.
    """

    def __init__(self, secret_key: str, max_age: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="board.api-token")
        self.max_age = max_age

    def issue(self, user_id: int) -> str:
        """A token for ``user_id``."""
        return self._serializer.dumps({"uid": user_id})

    def user_id(self, token: str) -> int | None:
        """The user id of a valid, unexpired token, else None."""
        try:
            data = self._serializer.loads(token, max_age=self.max_age)
        except BadSignature:
            return None
        uid = data.get("uid") if isinstance(data, dict) else None
        return uid if isinstance(uid, int) else None
