# Sourced by ./test. In CI, after a whole-suite run, the suites that seal, hash or sign personal data (identity,
# citizens, accounts, authority, businesses, policies, licences, filing, certificates, inspections, privacy and the
# cryptographic suite itself, the key move) run again under the 国密 suite: BANSHI_TEST_CRYPTO_SUITE=gm makes the
# test app seal with SM4-GCM, hash with HMAC-SM3 and sign with SM2 (tests/conftest.py).
CRYPTO_SUITES=(tests/test_crypto_suite.py tests/test_privacy.py tests/test_keys_rotate.py tests/test_no_secrets_in_logs.py
               tests/identity tests/citizens tests/accounts tests/authority tests/businesses tests/policies
               tests/licences tests/filing tests/certificates tests/inspections)

crypto_runs() {
    echo "=== the suites that seal, hash and sign, under CRYPTO_SUITE=gm ===" >&2
    BANSHI_TEST_CRYPTO_SUITE=gm .venv/bin/python -m pytest -p no:cacheprovider -q "${CRYPTO_SUITES[@]}"
}
