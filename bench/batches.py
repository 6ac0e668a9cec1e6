"""Figure: 批量办理 of 1,000 members from an uploaded XLSX — the list read and checked whole (openpyxl), then the
members created as the worker does (chunks of 100, one transaction each: applicant encrypted and hashed, a
reference drawn, the timeline's first event).

Reference in the same run: the same 1,000 application rows written by one INSERT … SELECT in SQL (no checks, no
encryption, no events). Reported: the list's check time, the creation time, members per second and the ratio.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench  # noqa: E402

MEMBERS = 1000
REFERENCE = """
INSERT INTO application (reference, batch_id, item_id, centre_id, applicant_type, applicant_name, status, updated_at)
SELECT 'REF' || lpad(i::text, 10, '0'), :batch, :item, :centre, 'person', '作业人员' || i, 'submitted', now()
  FROM generate_series(1, :count) AS i
"""


def member_list(count: int) -> bytes:
    from openpyxl import Workbook

    from tests.factories import id_number

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "手机号"])
    for n in range(count):
        sheet.append([f"作业人员{n:04d}", id_number(10_000 + n), f"139{n:08d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    with bench_database("banshi_bench_batches") as (database_url, redis_url):
        os.environ.update(environment_for_bench(database_url, redis_url))
        from sqlalchemy import text

        from config import load_settings
        from miniapp_api.applications import batches
        from miniapp_api.applications.member_lists import parse
        from miniapp_api.centres.models import Centre, ServiceItem, Window
        from miniapp_api.migrations import upgrade
        from miniapp_api.platform.clock import utcnow
        from miniapp_api.platform.db import db
        from miniapp_api.platform.privacy import FieldCipher
        from miniapp_api.platform.unit_of_work import transaction
        from miniapp_api.staff.services import create_staff

        settings = load_settings()
        upgrade(settings.sqlalchemy_url)
        db.configure(settings.sqlalchemy_url)
        cipher = FieldCipher(settings.data_keys)
        data = member_list(MEMBERS)
        started = time.perf_counter()
        members = parse("名单.xlsx", data, "person")
        check_seconds = time.perf_counter() - started
        with db.new_session() as session:
            centre = Centre(name="聊城经济技术开发区政务服务中心", level="district", region="开发区")
            item = ServiceItem(code="TS-REVIEW", name="特种设备作业人员证复审", audience="citizen")
            session.add_all([centre, item])
            session.flush()
            session.add(Window(centre_id=centre.id, name="综合窗口", kind="general", counters=2, items=[item]))
            staff = create_staff(session, username="bench-clerk", display_name="窗口", password="bench-Pass-2026",
                                 roles=["window_staff"], centre_ids=[centre.id])
            batch = batches.queue_batch(session, cipher, staff, item_code=item.code, centre_id=centre.id,
                                        title="叉车司机复审", business_name="聊城某物流公司", credit_code=None,
                                        members=members, now=utcnow())
            batch_id, item_id, centre_id = batch.id, item.id, centre.id
            session.commit()
            started = time.perf_counter()
            while True:
                with transaction(session):
                    more = batches.create_members_chunk(session, cipher, batch_id, utcnow())
                if not more:
                    break
            create_seconds = time.perf_counter() - started
            started = time.perf_counter()
            with transaction(session):
                session.execute(text(REFERENCE), {"batch": batch_id, "item": item_id, "centre": centre_id,
                                                  "count": MEMBERS})
            reference_seconds = time.perf_counter() - started
            created = session.scalar(text("SELECT members_created FROM application_batch WHERE id = :b"),
                                     {"b": batch_id})
    rate, reference_rate = MEMBERS / create_seconds, MEMBERS / reference_seconds
    emit({"figure": "batch: 1,000 members from an XLSX (check, then create in chunks of 100)",
          "members": MEMBERS, "created": created, "list_check_seconds": round(check_seconds, 2),
          "create_seconds": round(create_seconds, 2), "rate": round(rate, 1),
          "reference_rate": round(reference_rate, 1), "ratio": round(rate / reference_rate, 4)})


if __name__ == "__main__":
    main()
