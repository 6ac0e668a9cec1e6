"""Field encryption, keyed lookup hashes and masking for ID and phone numbers.

A key ring from DATA_KEY: the newest key seals, every listed key opens, so keys rotate without a flag day.
A key's length names its suite (crypto_suite.py): 32 bytes is an AES-256-GCM key (intl), 16 bytes an SM4-GCM
key (gm). A sealed value names its suite and key: `v1.<kid>.<base64(nonce|ciphertext)>` (AES-256-GCM) or
`g1.<kid>.<base64(nonce|ciphertext)>` (SM4-GCM), so a store may hold both while it moves.

Lookup hashes are keyed by the oldest key of each suite, so they survive rotations within a suite:
HMAC-SHA256 as 64 hex digits (intl), or `sm3:` and the base64url of an HMAC-SM3 (gm). A ring that also holds
intl keys (a store moved from intl) hashes under gm the intl hash, not the value: hashes whose value is
stored nowhere (an imported fact, a booking's person) can then be moved too (`banshi keys rotate`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from tongsuopy.crypto.ciphers.aead import SM4GCM

from miniapp_api.platform.crypto_suite import CryptoSuite, hmac_sm3

KEY_BYTES = {CryptoSuite.INTL: 32, CryptoSuite.GM: 16}
VERSIONS = {CryptoSuite.INTL: "v1", CryptoSuite.GM: "g1"}
GM_HASH_PREFIX = "sm3:"
_LOOKUP_INFO = b"banshi lookup hmac v1"


class DecryptionError(RuntimeError):
    pass


def key_suite(key: bytes) -> CryptoSuite:
    """The suite a data key belongs to, by its length."""
    for suite, size in KEY_BYTES.items():
        if len(key) == size:
            return suite
    raise ValueError(f"a data key is 32 bytes (AES-256) or 16 bytes (SM4), not {len(key)}")


def sealed_with(token: str) -> tuple[CryptoSuite | None, str]:
    """The suite and key id a sealed value names (None when it names no known version)."""
    version, _, rest = token.partition(".")
    kid = rest.partition(".")[0]
    return next((suite for suite, v in VERSIONS.items() if v == version), None), kid


def is_gm_hash(value: str) -> bool:
    return value.startswith(GM_HASH_PREFIX)


class _Key(NamedTuple):
    suite: CryptoSuite
    aead: AESGCM | SM4GCM


class FieldCipher:
    def __init__(self, keys: dict[str, bytes], *, answer_old_hashes: bool = True):
        """`answer_old_hashes`: in a store moving from intl to gm, lookups also ask for the intl hash (off once
        `banshi keys rotate` has moved every hash: CRYPTO_MOVE_DONE)."""
        if not keys:
            raise ValueError("at least one key is required")
        self._keys = {kid: _Key(key_suite(key), (AESGCM if key_suite(key) is CryptoSuite.INTL else SM4GCM)(key))
                      for kid, key in keys.items()}
        self._active_kid = next(iter(keys))
        self.suite = self._keys[self._active_kid].suite
        oldest = {key_suite(key): key for key in keys.values()}   # the last listed of each suite
        self._intl_lookup_key = (HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LOOKUP_INFO)
                                 .derive(oldest[CryptoSuite.INTL]) if CryptoSuite.INTL in oldest else None)
        self._gm_lookup_key = hmac_sm3(oldest[CryptoSuite.GM], _LOOKUP_INFO) if CryptoSuite.GM in oldest else None
        self._answer_old_hashes = answer_old_hashes

    @property
    def active_kid(self) -> str:
        return self._active_kid

    @property
    def moves_from_intl(self) -> bool:
        """Sealing under gm with intl keys still in the ring: a store that was (or is being) moved from intl."""
        return self.suite is CryptoSuite.GM and self._intl_lookup_key is not None

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """`context` (e.g. "citizen.id_number") binds a ciphertext to its column."""
        key = self._keys[self._active_kid]
        nonce = os.urandom(12)
        sealed = key.aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{VERSIONS[key.suite]}.{self._active_kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        try:
            version, kid, payload = token.split(".", 2)
            if version not in VERSIONS.values():
                raise DecryptionError(f"unknown ciphertext version {version!r}")
            key = self._keys[kid]
            if VERSIONS[key.suite] != version:
                raise DecryptionError(f"key {kid!r} is not a key of version {version!r}")
            raw = base64.urlsafe_b64decode(payload)
            return key.aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except DecryptionError:
            raise
        except Exception as exc:  # wrong key, tampered data, malformed token
            raise DecryptionError("cannot decrypt field") from exc

    def is_current(self, token: str) -> bool:
        """Whether a sealed value is sealed with the key that seals now (nothing to re-seal)."""
        version, kid = sealed_with(token)
        return version is self.suite and kid == self._active_kid

    def lookup_hash(self, value: str, *, context: str) -> str:
        """Deterministic keyed hash: find or count by a value without storing it."""
        intl = self._intl_hash(value, context) if self._intl_lookup_key is not None else None
        if self.suite is CryptoSuite.INTL:
            assert intl is not None
            return intl
        return self.moved_hash(intl) if intl is not None else self._gm_hash(f"{context}:{value}".encode())

    def lookup_hashes(self, value: str, *, context: str) -> tuple[str, ...]:
        """Every hash a stored row may carry for this value: the current one and, in a store moving from
        intl to gm (both suites in the ring), the intl one not moved yet."""
        current = self.lookup_hash(value, context=context)
        if self.moves_from_intl and self._answer_old_hashes:
            return current, self._intl_hash(value, context)
        return (current,)

    def moved_hash(self, intl_hash: str) -> str:
        """The gm hash of a value whose intl hash this is (a store moved from intl hashes in two steps)."""
        return self._gm_hash(intl_hash.encode())

    def _intl_hash(self, value: str, context: str) -> str:
        assert self._intl_lookup_key is not None
        return hmac.new(self._intl_lookup_key, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()

    def _gm_hash(self, message: bytes) -> str:
        assert self._gm_lookup_key is not None, "a gm lookup hash needs an SM4 key in DATA_KEY"
        return GM_HASH_PREFIX + base64.urlsafe_b64encode(hmac_sm3(self._gm_lookup_key, message)).decode().rstrip("=")


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
