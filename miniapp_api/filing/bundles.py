"""一件事 bundle definitions (bundles.yaml): the items, the shared form (一表申请) and how each item's materials
fold into one set (一套材料). Plain values; the services turn a submitted bundle into a parent case with a
child case per item."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from miniapp_api.filing.forms import TYPES, FormDefinition, FormField


@dataclass(frozen=True)
class BundleItem:
    item_name: str
    department: str


@dataclass(frozen=True)
class SharedField:
    field: FormField
    maps: dict[str, str] | None       # item name → that item's field key; None: every item, same key
    receiving_province: bool = False


@dataclass(frozen=True)
class BundleDefinition:
    code: str
    name: str
    applicant: str                    # person | business
    summary: str
    items: tuple[BundleItem, ...]
    fields: tuple[SharedField, ...]
    same: dict[str, str]              # material name → the name it is kept under
    not_needed: dict[str, str]        # material name → why the applicant need not hand it in

    @property
    def item_names(self) -> list[str]:
        return [i.item_name for i in self.items]

    @property
    def departments(self) -> dict[str, str]:
        """Item name → the department that handles it."""
        return {i.item_name: i.department for i in self.items}

    def form(self) -> FormDefinition:
        """The shared form, checked field by field like any item's form."""
        return FormDefinition(self.name, self.applicant, tuple(f.field for f in self.fields))

    def values_for(self, item_name: str, values: dict[str, Any]) -> dict[str, Any]:
        """What the shared form says for one item, under that item's own field keys."""
        out = {}
        for shared in self.fields:
            key = shared.field.key if shared.maps is None else shared.maps.get(item_name)
            if key is not None and shared.field.key in values:
                out[key] = values[shared.field.key]
        return out

    def receiving_province(self, values: dict[str, Any]) -> str | None:
        return next((values.get(f.field.key) for f in self.fields if f.receiving_province), None)


@dataclass(frozen=True)
class SetMaterial:
    name: str
    key: bool
    items: tuple[str, ...]            # the items that need it


def material_set(definition: BundleDefinition, item_materials: dict[str, list[dict]]) -> list[SetMaterial]:
    """One set for all the items: a document two items need is asked for once (key when any item says so);
    those the bundle makes unnecessary are left out."""
    found: dict[str, SetMaterial] = {}
    for item_name in definition.item_names:
        for material in item_materials.get(item_name, []):
            name = definition.same.get(material["name"], material["name"])
            if name in definition.not_needed:
                continue
            before = found.get(name)
            found[name] = SetMaterial(name, bool(material.get("key")) or (before.key if before else False),
                                      (before.items if before else ()) + (item_name,))
    return list(found.values())


@cache
def bundle_definitions() -> dict[str, BundleDefinition]:
    raw = yaml.safe_load((Path(__file__).parent / "bundles.yaml").read_text(encoding="utf-8"))["bundles"]
    found = {}
    for code, spec in raw.items():
        fields = []
        for f in spec["fields"]:
            maps, receiving = f.pop("maps", None), f.pop("receiving_province", False)
            field = FormField(**{**f, "choices": tuple(f.get("choices", ()))})
            assert field.type in TYPES, (code, field.key)
            fields.append(SharedField(field, maps, receiving))
        items = tuple(BundleItem(i["item"], i["department"]) for i in spec["items"])
        assert len(items) >= 2, code
        found[code] = BundleDefinition(code, spec["name"], spec["applicant"], spec["summary"], items, tuple(fields),
                                       dict(spec["materials"].get("same", {})),
                                       dict(spec["materials"].get("not_needed", {})))
    return found


def bundle_definition(code: str) -> BundleDefinition | None:
    return bundle_definitions().get(code)
