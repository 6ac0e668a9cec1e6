"""Demo data from the field facts of Liaocheng and Heze service halls (shared/data/field-facts.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre, ServiceItem


@dataclass(frozen=True)
class SeedReport:
    centres: int
    items: int


def field_facts() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("field_facts.yaml").read_text(encoding="utf-8"))


def item_code(position: int) -> str:
    """Stable demo codes by position in the facts file (real codes come from the province's catalogue)."""
    return f"SD{position + 1:04d}"


def seed_demo(session: Session) -> SeedReport:
    """Insert or refresh the demo centres and items; running it twice changes nothing."""
    facts = field_facts()
    for row in facts["centers"]:
        values = {"name": row["name"], "level": row["level"], "region": row["region"],
                  "brand": row.get("brand"), "note": row.get("note")}
        session.execute(insert(Centre).values(**values).on_conflict_do_update(
            index_elements=["name"], set_={k: v for k, v in values.items() if k != "name"}))
    ids = dict(session.execute(select(Centre.name, Centre.id)).tuples().all())
    for row in facts["centers"]:
        if row.get("parent"):
            session.get(Centre, ids[row["name"]]).parent_id = ids[row["parent"]]  # type: ignore[union-attr]
    for position, row in enumerate(facts["service_items"]):
        values = {"code": item_code(position), "name": row["name"], "audience": row["audience"],
                  "high_frequency": bool(row.get("high_frequency")), "note": row.get("note")}
        session.execute(insert(ServiceItem).values(**values).on_conflict_do_update(
            index_elements=["code"], set_={k: v for k, v in values.items() if k != "code"}))
    session.flush()
    return SeedReport(centres=len(facts["centers"]), items=len(facts["service_items"]))
