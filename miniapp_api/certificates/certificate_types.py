"""The certificate types (types.yaml), read once, and the identifiers issued under them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    source: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class CertificateType:
    code: str
    licence_type: str
    holder: str
    validity_years: int
    issued_by: tuple[str, ...]
    renewed_by: tuple[str, ...]
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Catalogue:
    types: tuple[CertificateType, ...]
    region_codes: dict[str, str]
    default_region_code: str

    def for_item(self, item_name: str) -> CertificateType | None:
        """The type a completed application of this item issues or renews (None: the item issues nothing)."""
        return next((t for t in self.types if item_name in t.issued_by or item_name in t.renewed_by), None)

    def region_code(self, region: str) -> str:
        return self.region_codes.get(region, self.default_region_code)


@cache
def catalogue() -> Catalogue:
    raw = yaml.safe_load((Path(__file__).parent / "types.yaml").read_text(encoding="utf-8"))
    types = tuple(CertificateType(
        code=t["code"], licence_type=t["licence_type"], holder=t["holder"], validity_years=int(t["validity_years"]),
        issued_by=tuple(t.get("issued_by") or ()), renewed_by=tuple(t.get("renewed_by") or ()),
        fields=tuple(Field(**f) for f in t["fields"])) for t in raw["types"])
    return Catalogue(types, dict(raw["region_codes"]), raw["default_region_code"])


def check_character(text: str) -> str:
    """ISO 7064 MOD 37,36 (the hybrid system over 0–9A–Z): catches every single wrong character and every
    swap of two neighbours, as the check character of an identifier read aloud or typed must."""
    modulus, product = 36, 36
    for character in text:
        product = (product + ALPHABET.index(character)) % modulus or modulus
        product = (product * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


def identifier(type_code: str, region_code: str, year: int, sequence: int) -> str:
    """`1120371571202600001X`-like: type code, issuing region, year, six-digit running number, check
    character — in the spirit of GB/T 36904's electronic licence identifier."""
    body = f"{type_code}{region_code}{year:04d}{sequence:06d}"
    return body + check_character(body)


def is_valid_identifier(value: str) -> bool:
    return len(value) > 1 and all(c in ALPHABET for c in value) and check_character(value[:-1]) == value[-1]
