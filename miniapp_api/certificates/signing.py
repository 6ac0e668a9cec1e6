"""Detached Ed25519 signatures over a certificate's canonical JSON (cryptography).

Canonical JSON: keys sorted, no spaces, UTF-8 as is (no \\u escapes). The payload holds strings only, so the
bytes are the same however often it goes through JSONB. The key id is the first 16 hex characters of the
SHA-256 of the raw public key: a certificate names the key that signed it, so keys can be rotated with the
old public keys kept for verification.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def key_id_of(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey

    @classmethod
    def from_base64(cls, value: str) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(value)))

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    def public_base64(self) -> str:
        return base64.b64encode(self.public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()

    def sign(self, payload: dict[str, Any]) -> str:
        return base64.b64encode(self.private.sign(canonical(payload))).decode()

    def verify(self, payload: dict[str, Any], signature: str, key_id: str) -> bool:
        """True only for this key's untouched signature over exactly this payload."""
        if key_id != self.key_id:
            return False
        try:
            self.public.verify(base64.b64decode(signature), canonical(payload))
        except (InvalidSignature, ValueError):
            return False
        return True
