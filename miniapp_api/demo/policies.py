"""Demo 政策快享: the 15 policy items of policies.yaml, each rule saved with its test cases and published.

Publishing runs the same checks as the console (every case must pass) and queues their matching run.
Items are valid from their document's date until a year after `now`, so the demo stays in force.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre
from miniapp_api.platform.clock import local_date
from miniapp_api.policies import matching, services
from miniapp_api.policies.models import PolicyDocument, PolicyItem

POLICIES_FILE = Path(__file__).with_name("policies.yaml")
OWNER_CENTRE = "聊城市政务服务中心"


def demo_policies() -> list[dict]:
    return yaml.safe_load(POLICIES_FILE.read_text(encoding="utf-8"))["documents"]


def seed_policies(session: Session, now: datetime, *, centre: Centre | None = None) -> int:
    """Create and publish the demo items not there yet (by code); how many were added."""
    centre = centre or session.scalars(select(Centre).where(Centre.name == OWNER_CENTRE)).one()
    existing = set(session.scalars(select(PolicyItem.code)))
    until = local_date(now) + timedelta(days=365)
    added = 0
    for spec in demo_policies():
        fresh = [item for item in spec["items"] if item["code"] not in existing]
        if not fresh:
            continue
        document = PolicyDocument(title=spec["title"], department=spec["department"], centre_id=centre.id,
                                  issued_on=spec["issued_on"], summary=spec["summary"])
        session.add(document)
        session.flush()
        for raw in fresh:
            values = {k: v for k, v in raw.items() if k not in ("rule", "cases")}
            item = PolicyItem(document_id=document.id, status="draft", valid_from=min(spec["issued_on"],
                              local_date(now)), valid_until=until, **values)
            session.add(item)
            session.flush()
            services.save_rule(session, None, item, raw["rule"], raw["cases"])
            services.publish(session, None, item, now)
            added += 1
    # The demo is small: every published rule against everyone, inline.
    matching.plan(session, f"seed:{now.isoformat()}", now)
    matching.run_open_tasks(session, now)
    return added
