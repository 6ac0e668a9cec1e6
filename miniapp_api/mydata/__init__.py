"""我的数据 (PIPL art. 45 查阅复制): a citizen's copy of their personal data, and 查询记录 (who viewed their records).

It reads other domains' rows (appointments, applications, feedback, ratings, notifications, identity, businesses,
certificates, files, the audit log) to gather one person's data in one place; none of them imports it but
accounts, whose 注销 cancels pending exports.
"""

from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "mydata",
    blueprints=("miniapp_api.mydata.views.bp",),
    models="miniapp_api.mydata.models",
    jobs="miniapp_api.mydata.jobs",
    schedule=(
        # Finished exports past their 24 hours: expired, files deleted; builds whose job was lost: started again.
        Periodic("sweep-data-exports", "miniapp_api.mydata.jobs.sweep_data_exports", "*/10 * * * *"),
    ),
)
