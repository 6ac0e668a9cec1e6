"""Figure: an authenticated read endpoint (GET /api/v1/me) vs a bare Flask JSON endpoint.

Both run under the same gunicorn settings, loaded by the same client in the
same run. Target (DESIGN.md §7): read endpoints reach >= 50 % of bare.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import against_bare, bench_database, emit, environment_for_bench, timed_parser  # noqa: E402


def prepare(database_url: str, env: dict[str, str]) -> str:
    """A migrated database with one citizen; returns a bearer token for them."""
    import os

    os.environ.update(env)
    from config import load_settings
    from miniapp_api.citizens.models import AuthSession, Citizen
    from miniapp_api.citizens.services import hash_token
    from miniapp_api.migrations import upgrade
    from miniapp_api.platform.clock import utcnow
    from miniapp_api.platform.db import db

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    token = "bs_bench-read-endpoint-token"
    with db.new_session() as session:
        citizen = Citizen(openid="o-bench-reader", real_name="测试")
        session.add(citizen)
        session.flush()
        session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(token),
                                expires_at=utcnow() + timedelta(days=1)))
        session.commit()
    db.engine.dispose()
    return token


def main() -> None:
    parser = timed_parser()
    args = parser.parse_args()

    with bench_database("banshi_bench") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        token = prepare(database_url, env)
        subject, reference = against_bare(env, "/api/v1/me", {"Authorization": f"Bearer {token}"},
                                          clients=args.clients, seconds=args.seconds)
    ratio = subject["rps"] / reference["rps"] if reference["rps"] else 0.0
    emit({"figure": "read_endpoint", "subject": "GET /api/v1/me (bearer auth + PostgreSQL read)",
          "reference": "bare Flask JSON endpoint, same gunicorn settings", "clients": args.clients,
          "seconds": args.seconds, "subject_result": subject, "reference_result": reference,
          "ratio": round(ratio, 3), "target_ratio": 0.5, "meets_target": ratio >= 0.5})


if __name__ == "__main__":
    main()
