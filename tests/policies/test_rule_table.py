"""Rule correctness: 40 hand-written fact sets (20 people, 20 businesses) against the 15 demo policies give
exactly the expected matches — through the SQL matching sweep and through the Python evaluator, which must
agree — and the expected explanations."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from miniapp_api.policies import matching, rules
from miniapp_api.policies.models import PolicyMatch
from tests.policies.conftest import NOW, add_business, add_person, paid_grant

SE = "特种设备作业人员证"
FOOD = "食品经营许可证"
VALID, EXPIRED = date(2028, 1, 1), date(2026, 11, 25)
THIS_YEAR, LAST_YEAR = datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2025, 6, 1, tzinfo=timezone.utc)

# name: (facts, the policies they must be matched to). Ages and months are counted on 2026-11-26.
PEOPLE = {
    "P1": (dict(birth=date(1940, 3, 1), hukou="371502"), {"GXJT-01", "GXJT-02", "ZFBZ-01"}),
    "P2": (dict(birth=date(1946, 11, 27), hukou="371502"), {"GXJT-02", "ZFBZ-01"}),          # 80 tomorrow
    "P3": (dict(birth=date(1946, 11, 26), hukou="371521"), {"GXJT-01", "GXJT-02"}),          # 80 today
    "P4": (dict(birth=date(1940, 1, 1), hukou="370102"), {"GXJT-02"}),                       # 济南户籍
    "P5": (dict(birth=date(1990, 5, 5), hukou="371502", disability=1), {"CJBT-01", "CJBT-02", "ZFBZ-01"}),
    "P6": (dict(birth=date(1991, 1, 1), hukou="371581", disability=3), {"CJBT-02", "JYCY-01", "ZFBZ-01"}),
    "P7": (dict(birth=date(2010, 11, 27), hukou="371502", disability=2), {"CJBT-01"}),       # 15
    "P8": (dict(birth=date(2010, 11, 26), hukou="371502"), {"JYCY-01"}),                     # 16 today
    "P9": (dict(birth=date(1966, 6, 1), hukou="371522", licences=((SE, VALID),)), {"JYCY-02"}),
    "P10": (dict(birth=date(1965, 6, 1), hukou="371522", licences=((SE, VALID),)), set()),   # 61
    "P11": (dict(birth=date(1985, 1, 1), hukou="371502", disability=2, received=THIS_YEAR), {"CJBT-02", "ZFBZ-01"}),
    "P12": (dict(birth=None, licences=((SE, VALID),)), set()),                               # no shared data
    "P13": (dict(birth=date(2000, 2, 29), hukou="371502"), {"JYCY-01", "ZFBZ-01"}),
    "P14": (dict(birth=date(1950, 1, 1), hukou="371502", disability=4), {"GXJT-02", "ZFBZ-01"}),
    "P15": (dict(birth=date(1995, 7, 7), hukou="370102", disability=1), {"CJBT-02"}),
    "P16": (dict(birth=date(1970, 1, 1), hukou="371526", licences=((SE, EXPIRED),)), set()),
    "P17": (dict(birth=date(1944, 12, 31), hukou="371526", disability=1), {"GXJT-01", "GXJT-02", "CJBT-01"}),
    "P18": (dict(birth=date(1999, 11, 26), hukou="371581", licences=((SE, VALID),)), {"JYCY-01", "JYCY-02", "ZFBZ-01"}),
    "P19": (dict(birth=date(1980, 1, 1), hukou="371502", received=LAST_YEAR), {"ZFBZ-01"}),
    "P20": (dict(birth=date(1959, 11, 26), hukou="370102"), {"GXJT-02"}),
}
BUSINESSES = {
    "B1": (dict(registered=date(2020, 1, 1), employees=8, licences=((FOOD, VALID),)), {"QYFZ-01", "CYFW-01"}),
    "B2": (dict(registered=date(2025, 11, 26), kind="individual", size="micro", employees=2), {"QYFZ-01", "QYFZ-02"}),
    "B3": (dict(registered=date(2025, 11, 27), kind="individual", size="micro", employees=3, licences=((FOOD, VALID),)),
           {"JYCY-03", "CYFW-01", "QYFZ-02"}),
    "B4": (dict(registered=date(2018, 5, 10), size="medium", industry="C3511", employees=120),
           {"WGBT-01", "JYCY-04", "KJCX-02"}),
    "B5": (dict(registered=date(2021, 3, 15), industry="I6510", employees=25), {"QYFZ-01", "WGBT-01", "KJCX-01"}),
    "B6": (dict(registered=date(2021, 3, 15), industry="I6510", employees=25, received=("企业发展", THIS_YEAR)),
           {"WGBT-01", "KJCX-01"}),
    "B7": (dict(registered=date(2024, 3, 1), size="micro", industry="M7320", region="370102", employees=5),
           {"KJCX-01"}),
    "B8": (dict(registered=date(2024, 3, 1), size="micro", industry="M7320", employees=5),
           {"QYFZ-01", "JYCY-03", "KJCX-01"}),
    "B9": (dict(registered=date(2010, 1, 1), size="large", industry="C2710", region="371581", employees=800),
           {"WGBT-01", "JYCY-04"}),
    "B10": (dict(registered=date(2023, 11, 26), industry="F5211", employees=None), {"QYFZ-01"}),
    "B11": (dict(registered=date(2023, 10, 25), size="micro", employees=4, licences=((FOOD, VALID),)),
            {"QYFZ-01", "CYFW-01"}),
    "B12": (dict(registered=date(2019, 6, 1), size="medium", employees=60, licences=((FOOD, EXPIRED),)),
            {"WGBT-01", "JYCY-04"}),
    "B13": (dict(registered=date(2022, 1, 1), size="medium", industry="C1310", employees=30), {"WGBT-01", "JYCY-04"}),
    "B14": (dict(registered=date(2021, 11, 26), industry="C1310", employees=9), {"QYFZ-01", "KJCX-02"}),
    "B15": (dict(registered=date(2026, 6, 1), kind="individual", size="micro", industry="F5261", region="371521",
                 employees=0), set()),
    "B16": (dict(registered=date(2026, 1, 1), industry="I6510", region="371526", employees=12), {"JYCY-03", "WGBT-01"}),
    "B17": (dict(registered=date(2016, 1, 1), size="large", industry="I6510", region="370102", employees=2000),
            {"WGBT-01", "JYCY-04"}),
    "B18": (dict(registered=date(2015, 1, 1), kind="individual", size="micro", industry="H6220", employees=1,
                 licences=((FOOD, VALID),)), {"QYFZ-01", "CYFW-01", "QYFZ-02"}),
    "B19": (dict(registered=date(2020, 1, 1), industry="H6110", employees=15, licences=((FOOD, VALID),)),
            {"QYFZ-01", "WGBT-01"}),
    "B20": (dict(registered=date(2012, 1, 1), size="medium", industry="C3511", employees=45,
                 received=("稳岗补贴", THIS_YEAR)), {"JYCY-04", "KJCX-02"}),
}


@pytest.fixture
def world(db_session, cipher, published):
    centre, items = published
    people, firms = {}, {}
    for n, (name, (facts, _)) in enumerate(PEOPLE.items(), start=7001):
        facts = dict(facts)
        received = facts.pop("received", None)
        citizen = add_person(db_session, cipher, n, centre=centre, **facts)
        if received:
            paid_grant(db_session, centre, "助残帮扶", citizen_id=citizen.id, paid_at=received)
        people[name] = citizen.id
    for n, (name, (facts, _)) in enumerate(BUSINESSES.items(), start=8001):
        facts = dict(facts)
        received = facts.pop("received", None)
        business = add_business(db_session, n, centre=centre, **facts)
        if received:
            paid_grant(db_session, centre, received[0], business_id=business.id, paid_at=received[1])
        firms[name] = business.id
    db_session.flush()
    return items, people, firms


def test_forty_fact_sets_against_fifteen_policies_match_exactly_as_written(db_session, world):
    items, people, firms = world
    assert len(PEOPLE) + len(BUSINESSES) == 40 and len(items) == 15
    matching.plan(db_session, "table", NOW)
    matching.run_open_tasks(db_session, NOW)
    code_of = {i.id: code for code, i in items.items()}
    found: dict[str, set[str]] = {name: set() for name in (*PEOPLE, *BUSINESSES)}
    by_citizen = {v: k for k, v in people.items()}
    by_business = {v: k for k, v in firms.items()}
    for match in db_session.scalars(select(PolicyMatch).where(PolicyMatch.policy_item_id.in_(code_of))):
        name = by_citizen[match.citizen_id] if match.citizen_id else by_business[match.business_id]
        found[name].add(code_of[match.policy_item_id])
    expected = {name: codes for name, (_, codes) in (PEOPLE | BUSINESSES).items()}
    assert found == expected


def test_the_python_evaluator_agrees_with_the_sql_on_every_pair(db_session, world):
    items, people, firms = world
    for code, item in items.items():
        subjects = people if item.subject == "person" else firms
        table = PEOPLE if item.subject == "person" else BUSINESSES
        for name, subject_id in subjects.items():
            facts = matching.subject_facts(db_session, item, subject_id, NOW)
            evaluation = rules.evaluate(item.rule.rule, facts)
            assert evaluation.eligible == (code in table[name][1]), (code, name, evaluation.failed)


def explain(db_session, world, code: str, name: str) -> list[str]:
    items, people, firms = world
    item = items[code]
    subject_id = (people if item.subject == "person" else firms)[name]
    return [o.text for o in rules.evaluate(item.rule.rule, matching.subject_facts(db_session, item, subject_id,
                                                                                   NOW)).outcomes]


def test_explanations_say_which_condition_failed_and_by_how_much(db_session, world):
    assert explain(db_session, world, "QYFZ-01", "B3") == [
        "符合：企业规模属于：小型、微型（您的企业规模为微型）",
        "不符合：本政策要求成立满12个月，成立于2025年11月（已成立11个月），还差1个月",
        "符合：注册所在地属于：聊城市（3715）（您的注册所在地为东昌府区（371502））",
        "符合：今年未领取过同类政策"]
    assert explain(db_session, world, "GXJT-01", "P2")[0] == "不符合：本政策要求年龄不低于80岁，您的年龄为79岁，还差1岁"
    assert explain(db_session, world, "JYCY-02", "P10")[1] == "不符合：本政策要求年龄不超过60岁，您的年龄为61岁，超出1岁"
    assert explain(db_session, world, "CJBT-01", "P11")[2] == "不符合：本政策要求今年未领取过同类政策，您今年已领取过同类政策"
    assert explain(db_session, world, "CYFW-01", "B12")[1] == "不符合：本政策要求持有有效的“食品经营许可证”，未持有有效的“食品经营许可证”"
    assert explain(db_session, world, "JYCY-03", "B10")[1] == "不符合：本政策要求从业人数不低于3人，没有您的从业人数信息"
    assert explain(db_session, world, "CJBT-02", "P12")[0] == "不符合：本政策要求残疾等级不超过4级，没有残疾人证信息"
