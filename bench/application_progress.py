"""Figure: GET /api/v1/applications/{ref} with a 20-event timeline vs a bare Flask JSON endpoint.

Same gunicorn settings, same client, same run. Target (issue 6): >= 50 % of bare, p99 <= 20 ms.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import against_bare, bench_database, emit, environment_for_bench, timed_parser  # noqa: E402


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """A citizen with a token and one application of theirs whose timeline has 20 events."""
    import os

    os.environ.update(env)
    from config import load_settings
    from miniapp_api.applications import services
    from miniapp_api.applications.models import ApplicationStatus as S
    from miniapp_api.centres.models import Centre, ServiceItem, Window
    from miniapp_api.citizens.models import AuthSession, Citizen
    from miniapp_api.citizens.services import hash_token
    from miniapp_api.migrations import upgrade
    from miniapp_api.platform.clock import utcnow
    from miniapp_api.platform.db import db
    from miniapp_api.platform.privacy import FieldCipher
    from miniapp_api.platform.queues import redis_store
    from miniapp_api.staff.services import create_staff

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    redis_store.configure(settings.redis_url)   # status messages are enqueued after commit
    cipher = FieldCipher(settings.data_keys)
    token, now = "bs_bench-progress-token", utcnow()
    with db.new_session() as session:
        citizen = Citizen(openid="o-bench-progress", real_name="测试")
        centre = Centre(name="聊城经济技术开发区政务服务中心", level="district", region="开发区", address="黄河路1号")
        item = ServiceItem(code="FOOD-NEW", name="食品经营许可证（新办）", audience="business",
                           time_limit_working_days=10, pinyin_initials="spjyxkz")
        session.add_all([citizen, centre, item])
        session.flush()
        session.add(Window(centre_id=centre.id, name="综合受理窗口", kind="general", counters=2, items=[item]))
        session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(token), expires_at=now + timedelta(days=1)))
        staff = create_staff(session, username="bench", display_name="王芳", password="bench-password-2026",
                             roles=["window_staff"], centre_ids=[centre.id])
        application = services.intake(session, cipher, staff, item_code=item.code, centre_id=centre.id,
                                      applicant=services.Applicant("person", "李娜", id_number="371502198001010016",
                                                                   phone="13812345678"), now=now,
                                      accept=services.Advance(S.ACCEPTED))
        application.citizen_id = citizen.id
        services.advance(session, staff, application, services.Advance(S.IN_REVIEW), now)
        while len(application.events) < 19:   # 补正 back and forth: two events per round
            services.advance(session, staff, application, services.Advance(
                S.NEEDS_CORRECTION, corrections=[("经营场所平面图", "请标注比例尺")], public_note="请补正平面图"), now)
            services.advance(session, staff, application, services.Advance(S.IN_REVIEW), now)
        services.advance(session, staff, application, services.Advance(S.APPROVED), now)
        assert len(application.events) == 20, len(application.events)
        reference = application.reference
        session.commit()
    db.engine.dispose()
    return token, reference


def main() -> None:
    parser = timed_parser()
    args = parser.parse_args()

    with bench_database("banshi_bench") as (database_url, redis_url):
        env = environment_for_bench(database_url, redis_url)
        token, reference = prepare(env)
        subject, bare = against_bare(env, f"/api/v1/applications/{reference}", {"Authorization": f"Bearer {token}"},
                                     clients=args.clients, seconds=args.seconds)
    ratio = subject["rps"] / bare["rps"] if bare["rps"] else 0.0
    p99 = subject["p99_ms"]
    emit({"figure": "application_progress",
          "subject": "GET /api/v1/applications/{ref}, 20 timeline events (bearer auth + PostgreSQL)",
          "reference": "bare Flask JSON endpoint, same gunicorn settings", "clients": args.clients,
          "seconds": args.seconds, "subject_result": subject, "reference_result": bare, "ratio": round(ratio, 3),
          "target_ratio": 0.5, "target_p99_ms": 20,
          "meets_target": ratio >= 0.5 and p99 is not None and p99 <= 20})


if __name__ == "__main__":
    main()
