import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from config.settings import new_data_key, parse_data_keys
from miniapp_api.platform.privacy import (
    DecryptionError,
    FieldCipher,
    id_check_digit,
    id_number_is_valid,
    mask_id_number,
    mask_phone,
)


def cipher_for(raw: str) -> FieldCipher:
    return FieldCipher(parse_data_keys(raw))


def test_round_trip_is_bound_to_its_column():
    cipher = cipher_for("k1:" + new_data_key())
    sealed = cipher.encrypt("371502199001011234", context="citizen.id_number")
    assert "371502199001011234" not in sealed
    assert cipher.decrypt(sealed, context="citizen.id_number") == "371502199001011234"
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed, context="citizen.phone")


def test_same_value_encrypts_differently_but_hashes_the_same():
    cipher = cipher_for("k1:" + new_data_key())
    assert cipher.encrypt("13812345678", context="p") != cipher.encrypt("13812345678", context="p")
    assert cipher.lookup_hash("13812345678", context="p") == cipher.lookup_hash("13812345678", context="p")
    assert cipher.lookup_hash("13812345678", context="p") != cipher.lookup_hash("13812345679", context="p")


def test_rotation_keeps_old_ciphertexts_and_lookup_hashes():
    old_key = "k1:" + new_data_key()
    before = cipher_for(old_key)
    sealed = before.encrypt("13812345678", context="p")
    after = cipher_for("k2:" + new_data_key() + "," + old_key)
    assert after.decrypt(sealed, context="p") == "13812345678"
    assert after.encrypt("x", context="p").startswith("v1.k2.")
    assert after.lookup_hash("13812345678", context="p") == before.lookup_hash("13812345678", context="p")


def test_tampered_ciphertext_is_refused():
    cipher = cipher_for("k1:" + new_data_key())
    sealed = cipher.encrypt("13812345678", context="p")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, context="p")
    with pytest.raises(DecryptionError):
        cipher.decrypt("v9.k1.abc", context="p")


def test_masks_show_only_what_design_allows():
    assert mask_id_number("371502199001011234") == "3715**********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_id_number_checksum():
    first17 = "37150219900101123"
    valid = first17 + id_check_digit(first17)
    assert id_number_is_valid(valid)
    wrong = first17 + ("0" if valid[-1] != "0" else "1")
    assert not id_number_is_valid(wrong)
    assert not id_number_is_valid("12345")
    assert id_number_is_valid("11010519491231002X")


def test_a_database_error_never_carries_the_values_bound_to_it(db_session):
    """Crash logs print the exception: its text must not hold the ID number or phone that was being written."""
    secret = "371502199001011234"
    with pytest.raises(DBAPIError) as error:
        # PostgreSQL's own message does not echo this value: only SQLAlchemy's parameter list could show it.
        db_session.execute(text("SELECT 1 / 0 WHERE CAST(:value AS text) IS NOT NULL"), {"value": secret})
    assert secret not in str(error.value)
    assert "hidden" in str(error.value)
