"""The zero-setup path: embedded PostgreSQL and Redis start, serve, and stop without orphans."""

import psutil
import psycopg
import pytest
import redis

from miniapp_api.platform.embedded import EmbeddedServers


def processes_using(folder: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(folder in part for part in process.info["cmdline"] or []):
            found.append(process)
    return found


def test_embedded_servers_start_serve_and_stop(tmp_path):
    servers = EmbeddedServers(tmp_path / "instance")
    database_url, redis_url = servers.start()
    try:
        with psycopg.connect(database_url) as connection:
            version = connection.execute("SHOW server_version_num").fetchone()[0]
            assert int(version) >= 150000
            assert connection.execute("SELECT current_database()").fetchone()[0] == "banshi"
        client = redis.Redis.from_url(redis_url)
        assert client.ping()
        client.set("banshi:probe", "1")
        assert client.get("banshi:probe") == b"1"
        assert processes_using(str(tmp_path / "instance" / "pgdata"))
    finally:
        servers.stop()
    assert processes_using(str(tmp_path / "instance" / "pgdata")) == []
    assert not (tmp_path / "instance" / "pgdata" / "postmaster.pid").exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url).ping()
