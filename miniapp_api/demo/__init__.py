"""Demo data: the Liaocheng and Heze halls and items of shared/data/field-facts.yaml (field_facts.yaml),
with the guides, hours and window layout of catalogue.yaml. Running the seed twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from miniapp_api.appointments.slots import sync_slots
from miniapp_api.centres.models import Centre, OpeningPeriod, ServiceItem, Window
from miniapp_api.centres.services import pinyin_initials


@dataclass(frozen=True)
class SeedReport:
    centres: int
    items: int
    windows: int
    slots_added: int


def _load(name: str) -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def field_facts() -> dict:
    return _load("field_facts.yaml")


def item_code(position: int) -> str:
    """Stable demo codes by position in the facts file (real codes come from the province's catalogue)."""
    return f"SD{position + 1:04d}"


def _upsert(session: Session, model, key: str, values: dict) -> None:
    session.execute(insert(model).values(**values).on_conflict_do_update(
        index_elements=[key], set_={k: v for k, v in values.items() if k != key}))


def _seed_items(session: Session, facts: dict, catalogue: dict) -> list[ServiceItem]:
    for position, row in enumerate(facts["service_items"]):
        detail = catalogue["items"].get(row["name"], {})
        _upsert(session, ServiceItem, "code", {
            "code": item_code(position), "name": row["name"], "audience": row["audience"],
            "high_frequency": bool(row.get("high_frequency")), "note": row.get("note"),
            "category": detail.get("category"), "pinyin_initials": pinyin_initials(row["name"]),
            "duration_minutes": detail.get("duration_minutes", 15),
            "time_limit_working_days": detail.get("time_limit_working_days"),
            "guide": detail.get("guide", {}), "materials": detail.get("materials", [])})
    return list(session.scalars(select(ServiceItem).order_by(ServiceItem.code)))


def _seed_centres(session: Session, facts: dict, catalogue: dict) -> dict[str, Centre]:
    for row in facts["centers"]:
        place = catalogue["centres"].get(row["name"], {})
        _upsert(session, Centre, "name", {
            "name": row["name"], "level": row["level"], "region": row["region"], "brand": row.get("brand"),
            "note": row.get("note"), "latitude": place.get("latitude"), "longitude": place.get("longitude")})
    centres = {c.name: c for c in session.scalars(select(Centre))}
    for row in facts["centers"]:
        if row.get("parent"):
            centres[row["name"]].parent_id = centres[row["parent"]].id
    return centres


def _seed_hours(centre: Centre, profile: list[dict]) -> None:
    if centre.hours:
        return
    for period in profile:
        for weekday in period["weekdays"]:
            centre.hours.append(OpeningPeriod(weekday=weekday, opens=time.fromisoformat(period["opens"]),
                                              closes=time.fromisoformat(period["closes"]), label=period.get("label")))


def _seed_windows(session: Session, centre: Centre, layout: list[dict], items: list[ServiceItem]) -> int:
    existing = {w.name: w for w in session.scalars(select(Window).where(Window.centre_id == centre.id))}
    for spec in layout:
        window = existing.get(spec["name"]) or Window(centre_id=centre.id, name=spec["name"])
        window.kind, window.counters, window.slot_minutes = spec["kind"], spec["counters"], spec["slot_minutes"]
        window.items = {"all": items, "none": [],
                        "high_frequency": [i for i in items if i.high_frequency]}[spec["items"]]
        session.add(window)
    return len(layout)


def seed_demo(session: Session, now: datetime | None = None) -> SeedReport:
    """Insert or refresh the demo catalogue; with `now`, also fill every centre's booking horizon."""
    facts, catalogue = field_facts(), _load("catalogue.yaml")
    items = _seed_items(session, facts, catalogue)
    centres = _seed_centres(session, facts, catalogue)
    windows = 0
    for name, centre in centres.items():
        place = catalogue["centres"].get(name, {})
        _seed_hours(centre, catalogue["hours"][place.get("hours", "standard")])
        layout = catalogue["windows"]["large" if centre.level in ("city", "district") else "small"]
        windows += _seed_windows(session, centre, layout, items)
    session.flush()
    added = sum(sync_slots(session, centre.id, now) for centre in centres.values()) if now else 0
    return SeedReport(centres=len(centres), items=len(items), windows=windows, slots_added=added)
