"""Field encryption, keyed lookup hashes and masking for ID and phone numbers.

AES-256-GCM from `cryptography` with a key ring from DATA_KEY: the newest key
encrypts, every listed key decrypts, so keys rotate without a flag day.
Ciphertexts read `v1.<kid>.<base64(nonce|ciphertext)>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(RuntimeError):
    pass


class FieldCipher:
    def __init__(self, keys: dict[str, bytes]):
        if not keys:
            raise ValueError("at least one key is required")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self._active_kid = next(iter(keys))
        # Lookup hashes must survive key rotation, so they come from the oldest key.
        oldest = list(keys.values())[-1]
        self._lookup_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                info=b"banshi lookup hmac v1").derive(oldest)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """`context` (e.g. "citizen.id_number") binds a ciphertext to its column."""
        nonce = os.urandom(12)
        sealed = self._keys[self._active_kid].encrypt(nonce, plaintext.encode(), context.encode())
        return f"v1.{self._active_kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        try:
            version, kid, payload = token.split(".", 2)
            if version != "v1":
                raise DecryptionError(f"unknown ciphertext version {version!r}")
            raw = base64.urlsafe_b64decode(payload)
            return self._keys[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()
        except DecryptionError:
            raise
        except Exception as exc:  # wrong key, tampered data, malformed token
            raise DecryptionError("cannot decrypt field") from exc

    def lookup_hash(self, value: str, *, context: str) -> str:
        """Deterministic keyed hash: find or count by a value without storing it."""
        return hmac.new(self._lookup_key, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """3715**********1234: region prefix and last four only."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """张*, 欧阳**: the family name (first character) only, for screens others may see."""
    return value[:1] + "*" * max(1, len(value) - 1)


def mask_phone(value: str) -> str:
    """138****5678."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mobile_is_valid(value: str) -> bool:
    """A mainland mobile number: 11 digits, 13x–19x."""
    return bool(MOBILE.match(value))


def id_number_is_valid(value: str) -> bool:
    """GB 11643-1999 resident ID: 17 digits and a checksum digit (0-9 or X)."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == value[17].upper()


def id_check_digit(first17: str) -> str:
    """The checksum digit for 17 digits; used by demo data and test factories."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_char(first17: str) -> str:
    """GB 32100-2015 unified social credit code (统一社会信用代码) check character."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_is_valid(value: str) -> bool:
    value = value.upper()
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        return False
    return credit_check_char(value[:17]) == value[17]
