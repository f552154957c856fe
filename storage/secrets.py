"""Secrets at rest (sellers' provider keys): Fernet tokens under a key derived from SECRET_KEY.

SECRET_KEY_PREVIOUS still decrypts, so SECRET_KEY can be rotated without a stop: set the new
one, keep the old as previous, run `chatpay rotate-keys`, then drop the previous one.
"""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.errors import SecretUnreadable

#: binds the derived key to this use: the same SECRET_KEY signs other things elsewhere
KDF_INFO = b"chatpay stored secrets v1"


def fernet_key(secret_key: str) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) derived from a SECRET_KEY by HKDF-SHA256."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KDF_INFO).derive(
        secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


class SecretBox:
    """Encrypts under SECRET_KEY; decrypts under it or SECRET_KEY_PREVIOUS."""

    def __init__(self, secret_key: str, previous: str = "") -> None:
        if not secret_key:
            raise ValueError("SecretBox needs a SECRET_KEY.")
        keys = [secret_key] + ([previous] if previous and previous != secret_key else [])
        self._fernet = MultiFernet([Fernet(fernet_key(k)) for k in keys])

    @classmethod
    def from_settings(cls, settings: object) -> SecretBox:
        return cls(settings.secret_key, getattr(settings, "secret_key_previous", ""))

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadable(
                "A stored secret cannot be decrypted with SECRET_KEY or SECRET_KEY_PREVIOUS: "
                "was SECRET_KEY changed without keeping the old one as SECRET_KEY_PREVIOUS?"
            ) from exc

    def rotate(self, token: str) -> str:
        """The same secret encrypted under the current SECRET_KEY."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadable(
                "A stored secret cannot be re-encrypted: it decrypts with neither SECRET_KEY "
                "nor SECRET_KEY_PREVIOUS.") from exc
