import base64
import hashlib
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from config import ConfigError, load_settings
from config.settings import new_data_key, new_signing_key
from miniapp_api.platform import clock
from miniapp_api.platform.crypto_suite import sm3

PRODUCTION = {
    "banshi_env": "production",
    "database_url": "postgresql://banshi@db/banshi",
    "redis_url": "redis://redis:6379/0",
    "secret_key": "s" * 40,
    "data_key": "k1:" + new_data_key(),
    "wechat_appid": "wx0123456789abcdef",
    "wechat_secret": "0123456789abcdef0123456789abcdef",
    "certificate_signing_key": "Y2VydGlmaWNhdGUtc2lnbmluZy1rZXktMzItYnl0ZXM=",
    "proxy_hops": 1,
}


def test_complete_production_settings_load():
    settings = load_settings(**PRODUCTION)
    assert settings.is_production
    assert settings.sqlalchemy_url == "postgresql+psycopg://banshi@db/banshi"


@pytest.mark.parametrize("missing", ["database_url", "redis_url", "secret_key", "data_key", "wechat_appid",
                                     "wechat_secret", "certificate_signing_key", "proxy_hops"])
def test_production_names_the_missing_variable(missing):
    values = dict(PRODUCTION)
    del values[missing]
    with pytest.raises(ConfigError) as error:
        load_settings(**values)
    assert missing.upper() in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("data_key", "k1:short", "DATA_KEY"),
    ("data_key", "k1:" + "A" * 43 + ",k1:" + new_data_key(), "listed twice"),
    ("database_url", "sqlite:///banshi.db", "PostgreSQL only"),
    ("redis_url", "http://redis", "REDIS_URL"),
    ("secret_key", "short", "SECRET_KEY"),
    ("timezone", "Mars/Olympus", "TIMEZONE"),
    ("wechat_api_base", "ftp://x", "WECHAT_API_BASE"),
])
def test_malformed_values_are_refused_with_their_name(name, value, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(**{**PRODUCTION, name: value})


def test_without_banshi_env_it_is_production_and_fails_closed(tmp_path, monkeypatch):
    """A forgotten BANSHI_ENV must not mean development (generated secrets, simulator, rq-dashboard)."""
    monkeypatch.delenv("BANSHI_ENV", raising=False)
    with pytest.raises(ConfigError) as error:
        load_settings(instance_path=tmp_path)
    assert "BANSHI_ENV is not set" in str(error.value)
    assert not (tmp_path / "dev-secrets.json").exists()
    settings = load_settings(**{k: v for k, v in PRODUCTION.items() if k != "banshi_env"})
    assert settings.is_production and not settings.simulator_enabled


def test_an_injected_clock_is_for_tests_only(tmp_path):
    with pytest.raises(ConfigError, match="CLOCK_START"):
        load_settings(**PRODUCTION, clock_start="2026-11-23T08:00:00+08:00")
    with pytest.raises(ConfigError, match="UTC offset"):
        load_settings(banshi_env="testing", instance_path=tmp_path, clock_start="2026-11-23T08:00:00")
    settings = load_settings(banshi_env="testing", instance_path=tmp_path, clock_start="2026-11-23T08:00:00+08:00")
    assert settings.clock_start.isoformat() == "2026-11-23T08:00:00+08:00"


def test_a_process_clock_started_at_an_instant_runs_on_from_it():
    start = datetime(2026, 11, 23, 23, 30, tzinfo=clock.SHANGHAI)
    try:
        clock.start_at(start)
        first = clock.utcnow()
        assert timedelta(0) <= first - start < timedelta(seconds=5)
        assert clock.utcnow() >= first
    finally:
        clock.start_at(None)
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(seconds=1)


def test_development_fills_secrets_outside_the_repository(tmp_path):
    first = load_settings(banshi_env="development", instance_path=tmp_path)
    again = load_settings(banshi_env="development", instance_path=tmp_path)
    stored = json.loads((tmp_path / "dev-secrets.json").read_text())
    assert first.secret_key == again.secret_key == stored["secret_key"]
    assert len(first.data_keys["k1"]) == 32
    assert (tmp_path / "dev-secrets.json").stat().st_mode & 0o077 == 0


def test_check_config_command_prints_one_line_and_fails(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BANSHI_ENV": "production", "DATABASE_URL": "postgresql://x/y",
           "INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "check-config"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "REDIS_URL is required" in result.stderr


def test_retired_certificate_keys_are_read_with_their_revocation_dates():
    old, leaked = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2))
    settings = load_settings(**PRODUCTION, certificate_retired_keys=f" {old} , {leaked}@2027-03-01 ")
    assert settings.retired_certificate_keys == [(old, None), (leaked, date(2027, 3, 1))]
    assert load_settings(**PRODUCTION).retired_certificate_keys == []


@pytest.mark.parametrize(("value", "expected"), [
    ("not-base64!", "key 1 is not valid base64"),
    (base64.b64encode(b"x" * 31).decode(), "32-byte Ed25519 or a 65-byte SM2 public key, got 31 bytes"),
    (base64.b64encode(b"x" * 32).decode() + "@1 March", "YYYY-MM-DD"),
    (",".join([base64.b64encode(b"x" * 32).decode()] * 2), "key 2 is listed twice"),
])
def test_malformed_retired_certificate_keys_are_refused_with_their_name(value, expected):
    with pytest.raises(ConfigError) as error:
        load_settings(**PRODUCTION, certificate_retired_keys=value)
    assert "CERTIFICATE_RETIRED_KEYS" in str(error.value) and expected in str(error.value)


def test_the_signing_key_command_prints_the_public_keys_a_rotation_lists(tmp_path):
    private = base64.b64encode(bytes(range(32))).decode()
    retired = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)).decode()
    env = {"PATH": "/usr/bin:/bin", "BANSHI_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
           "CERTIFICATE_SIGNING_KEY": private, "CERTIFICATE_RETIRED_KEYS": f"{retired}@2027-03-01"}
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "signing-key"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    current = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)
    lines = result.stdout.splitlines()
    assert lines[0] == (f"current ed25519 {hashlib.sha256(current).hexdigest()[:16]} "
                        f"{base64.b64encode(current).decode()}")
    assert lines[1].startswith("retired ed25519 ") and lines[1].endswith(f" {retired} revoked from 2027-03-01")
    env["CERTIFICATE_RETIRED_KEYS"] = base64.b64encode(current).decode()   # the key in use cannot be retired
    refused = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "signing-key"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "current signing key" in refused.stderr


def test_the_suite_decides_the_kind_of_the_newest_data_key_and_of_the_signing_key():
    gm = {**PRODUCTION, "crypto_suite": "gm", "data_key": "g1:" + new_data_key("gm") + "," + PRODUCTION["data_key"],
          "certificate_signing_key": new_signing_key("gm")}
    assert load_settings(**gm).crypto_suite == "gm"
    with pytest.raises(ConfigError, match="CRYPTO_SUITE=gm the first \\(newest\\) key must be a 16-byte SM4 key"):
        load_settings(**{**gm, "data_key": PRODUCTION["data_key"]})
    with pytest.raises(ConfigError, match="CRYPTO_SUITE=intl the first \\(newest\\) key must be a 32-byte AES-256"):
        load_settings(**{**PRODUCTION, "data_key": "g1:" + new_data_key("gm")})
    with pytest.raises(ConfigError, match="CERTIFICATE_SIGNING_KEY: with CRYPTO_SUITE=gm it must be an SM2 private key"):
        load_settings(**{**gm, "certificate_signing_key": base64.b64encode(b"\xff" * 32).decode()})
    with pytest.raises(ConfigError, match="CRYPTO_SUITE"):
        load_settings(**{**gm, "crypto_suite": "sm"})
    sm2_public = "BAn53zEeVCGhUN19Fh5LxcZyF5+tGDP8B2uwj/NW81AgzOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRM="
    assert load_settings(**gm, certificate_retired_keys=sm2_public).retired_certificate_keys == [(sm2_public, None)]


def test_the_signing_key_command_names_an_sm2_key_by_its_sm3(tmp_path):
    private = base64.b64encode(bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")).decode()
    env = {"PATH": "/usr/bin:/bin", "BANSHI_ENV": "testing", "INSTANCE_PATH": str(tmp_path), "CRYPTO_SUITE": "gm",
           "CERTIFICATE_SIGNING_KEY": private}
    result = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "signing-key"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    public = "BAn53zEeVCGhUN19Fh5LxcZyF5+tGDP8B2uwj/NW81AgzOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRM="
    assert result.stdout.splitlines()[0] == f"current sm2 {sm3(base64.b64decode(public)).hex()[:16]} {public}"
