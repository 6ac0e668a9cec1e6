"""The 国密 suite against the standards' published examples, and both suites side by side in one store."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tongsuopy.crypto.ciphers import Cipher, algorithms, modes

from config.settings import new_data_key, new_signing_key, parse_data_keys
from miniapp_api.certificates.signing import ED25519, SM2, KeyRing, PublicKey, Signer, Verdict, canonical
from miniapp_api.platform import crypto_suite
from miniapp_api.platform.crypto_suite import CryptoSuite, digest, digest_matches, digest_with, hmac_sm3, sm3
from miniapp_api.platform.privacy import DecryptionError, FieldCipher, is_gm_hash

# GB/T 32918.2-2016 Annex A (GM/T 0003.2-2012): the example on the recommended curve, user id
# "1234567812345678" (the default of GM/T 0009), message "message digest".
SM2_PRIVATE = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
SM2_PUBLIC_X = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
SM2_PUBLIC_Y = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
SM2_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
SM2_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
SM2_PUBLIC = b"\x04" + SM2_PUBLIC_X.to_bytes(32, "big") + SM2_PUBLIC_Y.to_bytes(32, "big")


def gm_cipher(raw: str | None = None) -> FieldCipher:
    return FieldCipher(parse_data_keys(raw or "g1:" + new_data_key("gm")))


def test_sm3_gives_the_standards_examples():
    # GB/T 32905-2016 Annex A: "abc", and "abcd" repeated to 512 bits.
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_encrypts_the_standards_block_example():
    # GB/T 32907-2016 Annex A, example 1: key = plaintext.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_is_the_rfc_2104_construction_over_sm3():
    key, message = b"k" * 20, b"banshi"
    inner = sm3(bytes(b ^ 0x36 for b in key.ljust(64, b"\0")) + message)
    outer = sm3(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")) + inner)
    assert hmac_sm3(key, message) == outer
    assert hmac_sm3(key, message) != hmac_sm3(key, b"banshj")


def test_sm2_public_key_from_the_standards_private_key_and_its_published_signature_verifies():
    signer = Signer.from_base64(base64.b64encode(SM2_PRIVATE.to_bytes(32, "big")).decode(), SM2)
    assert signer.public_raw == SM2_PUBLIC
    published = encode_dss_signature(SM2_R, SM2_S)
    assert SM2.checks(SM2_PUBLIC, published, b"message digest")
    assert not SM2.checks(SM2_PUBLIC, published, b"message digesT")
    assert not SM2.checks(SM2_PUBLIC, encode_dss_signature(SM2_R, SM2_S ^ 1), b"message digest")
    assert not SM2.checks(SM2_PUBLIC, b"\x30\x01", b"message digest")


def test_sm2_signs_and_verifies_a_payload_with_the_standards_key():
    ring = KeyRing.of(base64.b64encode(SM2_PRIVATE.to_bytes(32, "big")).decode(), suite="gm")
    payload = {"identifier": "D-1", "holder_name": "王芳"}
    signature = ring.sign(payload)
    assert SM2.checks(SM2_PUBLIC, base64.b64decode(signature), canonical(payload))
    assert ring.verify(payload, signature, ring.key_id, None) is Verdict.VALID
    assert ring.verify({**payload, "holder_name": "王方"}, signature, ring.key_id, None) is Verdict.INVALID
    assert ring.key_id == sm3(SM2_PUBLIC).hex()[:16]
    seal = ring.seal(payload)
    assert seal.startswith(f"sm2:{ring.key_id}:") and ring.check_seal(payload, seal, None)[0] is Verdict.VALID
    # A seal claiming another suite for the same key is no seal.
    assert ring.check_seal(payload, "ed25519" + seal.removeprefix("sm2"), None)[0] is Verdict.INVALID


def test_a_private_key_outside_the_sm2_range_is_refused():
    with pytest.raises(ValueError, match="1 to n-2"):
        Signer.from_base64(base64.b64encode(b"\xff" * 32).decode(), SM2)
    with pytest.raises(ValueError, match="1 to n-2"):
        Signer.from_base64(base64.b64encode(b"\0" * 32).decode(), SM2)


def test_a_ring_moved_to_sm2_still_verifies_what_the_ed25519_key_signed():
    old = KeyRing.of(new_signing_key("intl"))
    payload = {"identifier": "D-2"}
    signature = old.sign(payload)
    moved = KeyRing.of(new_signing_key("gm"), [(old.signer.public_base64(), None)], "gm")
    assert moved.signer.suite is SM2 and moved.key(old.key_id).suite is ED25519
    assert moved.verify(payload, signature, old.key_id, None) is Verdict.VALID
    assert moved.check_seal(payload, old.seal(payload), None) == (Verdict.VALID, old.key_id)
    assert moved.check_seal(payload, moved.seal(payload), None) == (Verdict.VALID, moved.key_id)
    with pytest.raises(ValueError):
        KeyRing(moved.signer, (PublicKey(SM2, b"\x04" + b"\x01" * 64),))   # not a point of the curve


def test_sm4_gcm_seals_bound_to_its_column_and_names_its_suite():
    cipher = gm_cipher("g7:" + new_data_key("gm"))
    sealed = cipher.encrypt("371502199001011234", context="citizen.id_number")
    assert sealed.startswith("g1.g7.") and "371502199001011234" not in sealed
    assert cipher.decrypt(sealed, context="citizen.id_number") == "371502199001011234"
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed, context="citizen.phone")
    body = base64.urlsafe_b64decode(sealed.split(".", 2)[2])
    tampered = "g1.g7." + base64.urlsafe_b64encode(body[:-1] + bytes([body[-1] ^ 1])).decode()
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, context="citizen.id_number")
    with pytest.raises(DecryptionError):   # the same key named under the other suite's version
        cipher.decrypt("v1" + sealed[2:], context="citizen.id_number")
    assert cipher.is_current(sealed)


def test_gm_lookup_hashes_are_hmac_sm3_and_name_their_suite():
    cipher = gm_cipher()
    hashed = cipher.lookup_hash("13812345678", context="citizen.phone")
    assert is_gm_hash(hashed) and len(hashed) <= 64
    assert hashed == cipher.lookup_hash("13812345678", context="citizen.phone")
    assert hashed != cipher.lookup_hash("13812345678", context="citizen.id_number")
    assert cipher.lookup_hashes("13812345678", context="citizen.phone") == (hashed,)


def test_a_store_moving_from_intl_reads_both_and_answers_both_lookup_hashes():
    old_key = "k1:" + new_data_key()
    intl = FieldCipher(parse_data_keys(old_key))
    old_sealed = intl.encrypt("13812345678", context="p")
    old_hash = intl.lookup_hash("13812345678", context="p")
    moving = FieldCipher(parse_data_keys("g2:" + new_data_key("gm") + "," + old_key))
    assert moving.suite is CryptoSuite.GM
    assert moving.decrypt(old_sealed, context="p") == "13812345678" and not moving.is_current(old_sealed)
    assert moving.encrypt("13812345678", context="p").startswith("g1.g2.")
    new_hash = moving.lookup_hash("13812345678", context="p")
    assert is_gm_hash(new_hash) and new_hash == moving.moved_hash(old_hash)
    assert moving.lookup_hashes("13812345678", context="p") == (new_hash, old_hash)


def test_the_integrity_digest_follows_the_suite_and_names_its_algorithm():
    before = crypto_suite.current()
    try:
        crypto_suite.use("gm")
        assert digest(b"abc") == "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        crypto_suite.use("intl")
        assert digest(b"abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    finally:
        crypto_suite.use(before)
    assert digest_matches(b"abc", digest_with("gm", b"abc")) and digest_matches(b"abc", digest_with("intl", b"abc"))
    assert not digest_matches(b"abd", digest_with("gm", b"abc")) and not digest_matches(b"abc", "md5:00")


def test_before_a_move_an_intl_ring_can_open_what_the_coming_gm_key_seals():
    """Runbook step 2: the gm key listed last under intl, so every process opens what the first gm ones seal."""
    gm_key = "g2:" + new_data_key("gm")
    intl_first = FieldCipher(parse_data_keys("k1:" + new_data_key() + "," + gm_key))
    sealed_by_gm = gm_cipher(gm_key).encrypt("13812345678", context="p")
    assert intl_first.suite is CryptoSuite.INTL and intl_first.encrypt("x", context="p").startswith("v1.k1.")
    assert intl_first.decrypt(sealed_by_gm, context="p") == "13812345678"
    assert not is_gm_hash(intl_first.lookup_hash("1", context="p"))
    assert intl_first.lookup_hashes("1", context="p") == (intl_first.lookup_hash("1", context="p"),)
