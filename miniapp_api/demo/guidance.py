"""Demo guidance from guidance.yaml (scenarios, synonyms, Q&A) published as version 1, the items' owners, and
the search index over all of it; and a generator of realistic size for scale tests and benchmarks.
Running the seed twice changes nothing."""

from __future__ import annotations

import random
from datetime import datetime
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapp_api.centres.models import Centre, ServiceItem
from miniapp_api.guidance import index
from miniapp_api.guidance.models import GuideEntry, GuideScenario, GuideSynonym, VersionStatus
from miniapp_api.guidance.schemas import EntryForm, ScenarioForm

AUTHOR = "演示数据"


def guidance_data() -> dict[str, Any]:
    return yaml.safe_load(resources.files(__package__).joinpath("guidance.yaml").read_text(encoding="utf-8"))


def demo_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The Q&A of guidance.yaml as entry records (code = group and position)."""
    records = []
    for group in data["entries"]:
        for position, (question, answer, variants) in enumerate(group["qa"], start=1):
            records.append({"code": f"{group['group']}-{position:02d}", "question": question, "answer": answer,
                            "variants": variants, "item_codes": group["items"],
                            "scenario_codes": group.get("scenarios", []), "department": group["department"]})
    return records


def _owner(data: dict[str, Any], centres: dict[str, int], audience: str) -> int:
    return centres[data["owners"]["business" if audience == "business" else "citizen"]["centre"]]


def seed_guidance(session: Session, now: datetime) -> int:
    """Publish the demo guidance that is not there yet; returns how many entries and scenarios were added."""
    data = guidance_data()
    centres = dict(session.execute(select(Centre.name, Centre.id)).tuples().all())
    items = {i.code: i for i in session.scalars(select(ServiceItem))}
    for code, ownership in data["items"].items():
        if code in items and items[code].owner_centre_id is None:
            items[code].owner_centre_id = _owner(data, centres, items[code].audience)
            items[code].department = ownership["department"]
    added = 0
    existing = set(session.scalars(select(GuideScenario.code)))
    for record in data["scenarios"]:
        if record["code"] not in existing:
            form = ScenarioForm.model_validate({**record, "owner_centre_id": _owner(data, centres, record["audience"])})
            session.add(GuideScenario(code=form.code, version=1, status=VersionStatus.PUBLISHED, created_by=AUTHOR,
                                      created_at=now, published_at=now, published_by=AUTHOR,
                                      **form.model_dump(exclude={"code"})))
            added += 1
    existing = set(session.scalars(select(GuideEntry.code)))
    for record in demo_entries(data):
        if record["code"] not in existing:
            audience = items[record["item_codes"][0]].audience if record["item_codes"] else "citizen"
            form = EntryForm.model_validate({**record, "owner_centre_id": _owner(data, centres, audience)})
            session.add(GuideEntry(code=form.code, version=1, status=VersionStatus.PUBLISHED, created_by=AUTHOR,
                                   created_at=now, published_at=now, published_by=AUTHOR,
                                   **form.model_dump(exclude={"code"})))
            added += 1
    known = {tuple(words) for words in session.scalars(select(GuideSynonym.words))}
    owner = centres[data["owners"]["citizen"]["centre"]]
    for words in data["synonyms"]:
        if tuple(words) not in known:
            session.add(GuideSynonym(words=words, status=VersionStatus.PUBLISHED, owner_centre_id=owner,
                                     department="综合服务", created_by=AUTHOR, created_at=now))
    session.flush()
    if added:
        rebuild_index(session)
    return added


def rebuild_index(session: Session) -> int:
    """Every published entry and scenario and every item, written to the index in one pass."""
    names = dict(session.execute(select(ServiceItem.code, ServiceItem.name)).tuples().all())
    audiences = dict(session.execute(select(ServiceItem.code, ServiceItem.audience)).tuples().all())
    published = session.scalars(select(GuideScenario).where(GuideScenario.status == VersionStatus.PUBLISHED)).all()
    titles = {s.code: s.title for s in published}
    docs = [index.item_doc(item) for item in session.scalars(select(ServiceItem))]
    docs += [index.scenario_doc(s, names) for s in published]
    for entry in session.scalars(select(GuideEntry).where(GuideEntry.status == VersionStatus.PUBLISHED)):
        linked = {c: names[c] for c in entry.item_codes if c in names}
        docs.append(index.entry_doc(entry, linked, titles, index.entry_audience(linked, audiences)))
    index.write_docs(session, docs)
    return len(docs)


# --- realistic size -------------------------------------------------------------------------------------------

_PLACES = ["东昌府区", "开发区", "高新区", "高唐县", "冠县", "阳谷县", "莘县", "茌平区", "东阿县", "临清市"]
_SUBJECTS = ["营业执照", "食品经营许可证", "不动产登记", "残疾人证", "设施农用地", "特种设备作业人员证", "社会保障卡",
             "居民身份证", "户口迁移", "医保报销", "公积金提取", "出生医学证明", "养老保险", "失业登记", "就业创业证",
             "道路运输许可", "建筑施工许可", "排水许可", "药品经营许可", "二手车过户", "驾驶证换证", "护照办理",
             "居住证", "结婚登记", "退休审批", "生育登记", "学籍转入", "职称评审", "人才补贴", "殡葬补贴"]
_ASKS = ["{s}怎么办理", "{s}需要什么材料", "{s}多久能办好", "{s}收费吗", "{s}可以网上办吗", "在{p}哪里办{s}",
         "{s}可以代办吗", "{s}丢了怎么补", "{s}到期怎么续", "{s}办理条件是什么", "{s}要本人去吗", "{s}能邮寄吗"]


def generated_records(entries: int, scenarios: int, item_codes: list[str], seed: int = 1,
                      first: int = 0) -> tuple[list, list]:
    """Entry and scenario records of realistic size and wording (subjects × places × ways of asking), numbered
    from `first` so a later batch adds to an earlier one."""
    rng = random.Random(seed)
    entry_records = []
    for n in range(first, first + entries):
        subject, place = _SUBJECTS[n % len(_SUBJECTS)], _PLACES[(n // len(_SUBJECTS)) % len(_PLACES)]
        ask = _ASKS[(n // (len(_SUBJECTS) * len(_PLACES))) % len(_ASKS)]
        question = ask.format(s=subject, p=place) + f"（{place}第{n}号）"
        entry_records.append({"code": f"gen-{n:06d}", "question": question[:200],
                              "variants": [f"{place}{subject}的问题{n}"],
                              "answer": f"{place}办理{subject}：请带齐材料到{place}政务服务中心窗口，或在网上提交。编号{n}。",
                              "item_codes": [rng.choice(item_codes)], "scenario_codes": [], "department": "综合服务"})
    scenario_records = []
    for n in range(first, first + scenarios):
        subject = _SUBJECTS[n % len(_SUBJECTS)]
        codes = rng.sample(item_codes, k=min(2, len(item_codes)))
        scenario_records.append({
            "code": f"gen-scn-{n:04d}", "title": f"我想办{subject}（情景{n}）", "summary": f"{subject}相关的办事情景{n}",
            "audience": "citizen", "department": "综合服务",
            "questions": [{"key": "first", "text": f"是否第一次办理{subject}？", "kind": "yesno"}],
            "outcomes": [{"item": codes[0]}, {"item": codes[-1], "when": {"first": False}}]})
    return entry_records, scenario_records


def seed_generated(session: Session, now: datetime, *, entries: int, scenarios: int, seed: int = 1,
                   first: int = 0) -> int:
    """Publish generated entries and scenarios (bulk, one index pass): the scale of the reports or beyond."""
    owner = session.scalar(select(Centre.id).order_by(Centre.id))
    item_codes = list(session.scalars(select(ServiceItem.code).order_by(ServiceItem.code)))
    entry_records, scenario_records = generated_records(entries, scenarios, item_codes, seed, first)
    common = {"version": 1, "status": VersionStatus.PUBLISHED, "created_by": AUTHOR, "created_at": now,
              "published_at": now, "published_by": AUTHOR, "owner_centre_id": owner}
    if scenario_records:
        session.execute(GuideScenario.__table__.insert(), [{**r, **common} for r in scenario_records])
    for start in range(0, len(entry_records), 5000):
        session.execute(GuideEntry.__table__.insert(), [{**r, **common} for r in entry_records[start:start + 5000]])
    session.flush()
    return rebuild_index(session)
