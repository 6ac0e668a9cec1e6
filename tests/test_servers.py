"""The suite's own server discovery: CI requires the real servers; elsewhere it falls back."""

import pytest
import redis

from tests.servers import ServersUnavailable, find_servers

UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/postgres"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_ci_fails_when_postgres_cannot_be_reached(tmp_path, servers):
    with pytest.raises(ServersUnavailable, match="PostgreSQL at postgresql://postgres@127.0.0.1:1"):
        find_servers(ci=True, scratch=tmp_path, postgres_url=UNREACHABLE_POSTGRES,
                     redis_url=servers.redis_url)


def test_without_ci_it_falls_back_to_embedded_servers(tmp_path):
    found = find_servers(ci=False, scratch=tmp_path, postgres_url=UNREACHABLE_POSTGRES,
                         redis_url=UNREACHABLE_REDIS)
    try:
        assert found.embedded is not None
        assert str(tmp_path) in found.admin_postgres_url
        assert redis.Redis.from_url(found.redis_url).ping()
    finally:
        found.stop()
