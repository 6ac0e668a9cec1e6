"""The cryptographic suite chosen by configuration (CRYPTO_SUITE): international or 国密 (GM).

| purpose                                  | intl              | gm                                      |
|------------------------------------------|-------------------|-----------------------------------------|
| personal fields sealed (privacy.py)      | AES-256-GCM       | SM4-GCM (GB/T 32907)                    |
| lookup hashes (privacy.py)               | HMAC-SHA256       | HMAC-SM3 (GB/T 32905)                   |
| signatures (certificates/signing.py)     | Ed25519           | SM2 over SM3 (GB/T 32918, GM/T 0009 id) |
| integrity digests (`digest` below)       | SHA-256           | SM3                                     |

The GM primitives come from Tongsuo through `tongsuopy`; HMAC is the standard library's RFC 2104 construction
over Tongsuo's SM3. Every sealed value, lookup hash, signature and digest names its suite, so a store can hold
both while it moves from one to the other (`banshi keys rotate`).

The process's suite is set once by the app factory (`use`); `digest` reads it, so any code may call it.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from tongsuopy.crypto import hashes as gm_hashes


class CryptoSuite(StrEnum):
    INTL = "intl"
    GM = "gm"


_suite = CryptoSuite.INTL


def use(suite: CryptoSuite | str) -> None:
    """Set this process's suite (the app factory does, from CRYPTO_SUITE)."""
    global _suite
    _suite = CryptoSuite(suite)


def current() -> CryptoSuite:
    return _suite


class _SM3:
    """SM3 shaped like a hashlib object, so the standard library's HMAC can run over it."""

    name = "sm3"
    digest_size = 32
    block_size = 64

    def __init__(self, data: bytes = b"", _context: gm_hashes.Hash | None = None):
        self._context = _context or gm_hashes.Hash(gm_hashes.SM3())
        if data:
            self._context.update(data)

    def update(self, data: bytes) -> None:
        self._context.update(data)

    def copy(self) -> _SM3:
        return _SM3(_context=self._context.copy())

    def digest(self) -> bytes:
        return self._context.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()


def sm3(data: bytes) -> bytes:
    return _SM3(data).digest()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, _SM3).digest()


DIGEST_PREFIX = {CryptoSuite.INTL: "sha256", CryptoSuite.GM: "sm3"}


def digest(data: bytes) -> str:
    """The integrity digest of `data` under this process's suite: "sha256:<hex>" (intl) or "sm3:<hex>" (gm)."""
    return digest_with(_suite, data)


def digest_with(suite: CryptoSuite | str, data: bytes) -> str:
    suite = CryptoSuite(suite)
    raw = sm3(data) if suite is CryptoSuite.GM else hashlib.sha256(data).digest()
    return f"{DIGEST_PREFIX[suite]}:{raw.hex()}"


def digest_matches(data: bytes, value: str) -> bool:
    """Whether `value` (as `digest` wrote it, under either suite) is the digest of `data`."""
    algorithm, _, _ = value.partition(":")
    for suite, prefix in DIGEST_PREFIX.items():
        if algorithm == prefix:
            return hmac.compare_digest(digest_with(suite, data), value)
    return False
