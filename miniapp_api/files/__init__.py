from __future__ import annotations

from miniapp_api.platform.domains import Domain, Periodic

DOMAIN = Domain(
    "files",
    blueprints=("miniapp_api.files.views.bp", "miniapp_api.files.views.staff_bp", "miniapp_api.files.views.links_bp"),
    models="miniapp_api.files.models",
    jobs="miniapp_api.files.jobs",
    schedule=(
        # Uploads nobody attached within a week, and blobs of requests that died before their record committed.
        Periodic("sweep-files", "miniapp_api.files.jobs.sweep_files", "10 4 * * *", job_timeout=3600),
    ),
)
