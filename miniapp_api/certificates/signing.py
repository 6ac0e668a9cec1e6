"""The organisation's seal: detached signatures over canonical JSON, and the key ring that verifies them.

Canonical JSON: keys sorted, no spaces, UTF-8 as is (no \\u escapes). Payloads hold strings, booleans and
lists/objects of them only, so the bytes are the same however often they go through JSONB.

The ring holds the current signing key and the public keys retired by earlier rotations. A signature names
the key that made it (its key id: the first 16 hex characters of the SHA-256 of the raw public key), so
after a rotation the old key id still finds its public key. A retired key may be revoked from a date (it
leaked, or its holder left): signatures whose signed time is on or after that date no longer count.

The algorithm sits behind `Suite`: Ed25519 (CRYPTO_SUITE=intl) or SM2 over SM3 with the default user id
"1234567812345678" of GM/T 0009 (CRYPTO_SUITE=gm). A ring may hold keys of both, so what one signed still
verifies after a move to the other. An SM2 key id is the first 16 hex characters of the SM3 of its public key
(04|x|y, 65 bytes); a signature is the DER of (r, s), in base64 like an Ed25519 one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from tongsuopy.crypto import hashes as gm_hashes
from tongsuopy.crypto import serialization as gm_serialization
from tongsuopy.crypto.asymciphers import ec as gm_ec
from tongsuopy.crypto.exceptions import InternalError as GmInternalError
from tongsuopy.crypto.exceptions import InvalidSignature as GmInvalidSignature

from miniapp_api.platform.crypto_suite import CryptoSuite, sm3


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"              # not this payload, not a key of the ring, or not a signature at all
    KEY_REVOKED = "key_revoked"      # a genuine signature by a key revoked from a date on or before its time


@dataclass(frozen=True)
class Suite:
    """One signature algorithm: how its keys are read, named and used."""

    name: str
    public_bytes: int    # the length of a raw public key, which tells the suites apart in the settings

    def key_id(self, public_raw: bytes) -> str:
        return hashlib.sha256(public_raw).hexdigest()[:16]

    def private_key(self, raw: bytes) -> Any:
        return Ed25519PrivateKey.from_private_bytes(raw)

    def public_raw(self, private: Any) -> bytes:
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, private: Any, message: bytes) -> bytes:
        return private.sign(message)

    def checks(self, public_raw: bytes, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def validate_public(self, public_raw: bytes) -> None:
        Ed25519PublicKey.from_public_bytes(public_raw)   # ValueError when it is not a key of this suite


# GB/T 32918.5: the order n of the SM2 curve; a private key is an integer in [1, n - 2].
SM2_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


class Sm2Suite(Suite):
    """SM2 signatures over SM3; Tongsuo applies the GM/T 0009 default user id "1234567812345678" (its Z value)."""

    def key_id(self, public_raw: bytes) -> str:
        return sm3(public_raw).hex()[:16]

    def private_key(self, raw: bytes) -> Any:
        value = int.from_bytes(raw, "big")
        if len(raw) != 32 or not 1 <= value <= SM2_ORDER - 2:
            raise ValueError("an SM2 private key is 32 bytes, an integer from 1 to n-2")
        return gm_ec.derive_private_key(value, gm_ec.SM2())

    def public_raw(self, private: Any) -> bytes:
        return private.public_key().public_bytes(gm_serialization.Encoding.X962,
                                                 gm_serialization.PublicFormat.UncompressedPoint)

    def sign(self, private: Any, message: bytes) -> bytes:
        return private.sign(message, gm_ec.ECDSA(gm_hashes.SM3()))

    def checks(self, public_raw: bytes, signature: bytes, message: bytes) -> bool:
        try:
            gm_ec.EllipticCurvePublicKey.from_encoded_point(gm_ec.SM2(), public_raw).verify(
                signature, message, gm_ec.ECDSA(gm_hashes.SM3()))
        except (GmInvalidSignature, GmInternalError, ValueError):   # Tongsuo refuses malformed DER as internal
            return False
        return True

    def validate_public(self, public_raw: bytes) -> None:
        if len(public_raw) != self.public_bytes:
            raise ValueError(f"an SM2 public key is {self.public_bytes} bytes (04|x|y)")
        gm_ec.EllipticCurvePublicKey.from_encoded_point(gm_ec.SM2(), public_raw)


ED25519 = Suite("ed25519", 32)
SM2 = Sm2Suite("sm2", 65)
SUITES = {CryptoSuite.INTL: ED25519, CryptoSuite.GM: SM2}


def suite_of_public(raw: bytes) -> Suite:
    """The suite of a raw public key, by its length (32: Ed25519, 65: SM2)."""
    for suite in SUITES.values():
        if len(raw) == suite.public_bytes:
            return suite
    raise ValueError(f"a public key is 32 bytes (Ed25519) or 65 bytes (SM2), not {len(raw)}")


@dataclass(frozen=True)
class PublicKey:
    suite: Suite
    raw: bytes
    revoked_from: date | None = None

    @property
    def key_id(self) -> str:
        return self.suite.key_id(self.raw)


@dataclass(frozen=True)
class Signer:
    """The current signing key."""

    private: Any
    suite: Suite = ED25519

    @classmethod
    def from_base64(cls, value: str, suite: Suite = ED25519) -> Signer:
        return cls(suite.private_key(base64.b64decode(value)), suite)

    @property
    def public_raw(self) -> bytes:
        return self.suite.public_raw(self.private)

    @property
    def key_id(self) -> str:
        return self.suite.key_id(self.public_raw)

    def public_base64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    def sign(self, payload: dict[str, Any]) -> str:
        return base64.b64encode(self.suite.sign(self.private, canonical(payload))).decode()


@dataclass(frozen=True)
class KeyRing:
    """Signs with the current key; verifies with whichever key of the ring the signature names."""

    signer: Signer
    retired: tuple[PublicKey, ...] = ()
    _by_id: dict[str, PublicKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        current = PublicKey(self.signer.suite, self.signer.public_raw)
        keys = {current.key_id: current}
        for key in self.retired:
            key.suite.validate_public(key.raw)
            if key.key_id == current.key_id:
                raise ValueError(f"retired key {key.key_id} is the current signing key: a rotation retires the "
                                 "previous key, not the one in use")
            if key.key_id in keys:
                raise ValueError(f"retired key {key.key_id} is listed twice")
            keys[key.key_id] = key
        object.__setattr__(self, "_by_id", keys)

    @classmethod
    def of(cls, private_base64: str, retired: Iterable[tuple[str, date | None]] = (),
           suite: CryptoSuite | str = CryptoSuite.INTL) -> KeyRing:
        """From the settings: the current private key (of CRYPTO_SUITE's algorithm) and the retired public keys
        (base64, revoked from; each of the suite its length names)."""
        keys = []
        for raw, revoked_from in retired:
            public = base64.b64decode(raw)
            keys.append(PublicKey(suite_of_public(public), public, revoked_from))
        return cls(Signer.from_base64(private_base64, SUITES[CryptoSuite(suite)]), tuple(keys))

    @property
    def key_id(self) -> str:
        return self.signer.key_id

    def key(self, key_id: str) -> PublicKey | None:
        return self._by_id.get(key_id)

    def sign(self, payload: dict[str, Any]) -> str:
        return self.signer.sign(payload)

    def verify(self, payload: dict[str, Any], signature: str, key_id: str, signed_on: date | None) -> Verdict:
        """Whether `signature` is the named key's over exactly this payload, made while that key was trusted.

        `signed_on` is the day the payload itself says it was signed; it is read only once the signature
        holds, so it is as trustworthy as the payload. None (the payload names no day) cannot be placed
        before a revocation."""
        key = self._by_id.get(key_id)
        if key is None:
            return Verdict.INVALID
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            return Verdict.INVALID
        if not key.suite.checks(key.raw, raw, canonical(payload)):
            return Verdict.INVALID
        if key.revoked_from is not None and (signed_on is None or signed_on >= key.revoked_from):
            return Verdict.KEY_REVOKED
        return Verdict.VALID

    # A seal kept in one text column: `<suite>:<key id>:<base64 signature>`.

    def seal(self, payload: dict[str, Any]) -> str:
        return f"{self.signer.suite.name}:{self.key_id}:{self.sign(payload)}"

    def check_seal(self, payload: dict[str, Any], seal: str | None, signed_on: date | None) -> tuple[Verdict, str]:
        """The verdict on a seal and the key id it names ("" when it is no seal at all)."""
        suite, _, rest = (seal or "").partition(":")
        key_id, _, signature = rest.partition(":")
        key = self._by_id.get(key_id)
        if key is None or key.suite.name != suite or not signature:
            return Verdict.INVALID, key_id if key is not None else ""
        return self.verify(payload, signature, key_id, signed_on), key_id
