"""Each demo scenario, each answer path, against a checklist written by hand from catalogue.yaml."""

import pytest
import time_machine
from sqlalchemy import select

from miniapp_api.appointments.models import Slot
from miniapp_api.appointments.slots import sync_slots
from miniapp_api.demo.guidance import guidance_data
from miniapp_api.guidance import scenarios
from tests.factories import MONDAY_8AM

FOOD_NEW = ["食品经营许可申请书", "营业执照", "法定代表人或负责人身份证", "经营场所平面图和设备布局图"]
FOOD_NEW_LATER = ["食品安全管理制度", "从业人员健康证明"]
COMPANY = ["设立登记申请书", "公司章程", "股东主体资格证明", "法定代表人身份证"]
PROPERTY = ["不动产登记申请书", "申请人身份证", "权属来源证明（如买卖合同）"]

# (scenario, answers, items in order, key materials in order, other materials in order, notes)
PATHS = [
    ("open-restaurant", {"has_licence": False, "has_shop": True, "prepackaged_only": False, "area": "large"},
     ["SD0003", "SD0001"], COMPANY + FOOD_NEW, ["住所使用证明", *FOOD_NEW_LATER, "食品安全管理人员名单"], []),
    ("open-restaurant", {"has_licence": True, "has_shop": True, "prepackaged_only": False, "area": "small"},
     ["SD0001"], FOOD_NEW, FOOD_NEW_LATER, []),
    ("open-restaurant", {"has_licence": True, "has_shop": True, "prepackaged_only": True},
     [], [], [], ["只卖预包装食品的不需要食品经营许可证，到窗口办理备案即可"]),
    ("open-restaurant", {"has_licence": False, "has_shop": False},
     ["SD0003"], COMPANY, ["住所使用证明"], ["没有实体店面的（只在网上卖）请先确定经营场所，营业执照需要住所证明"]),
    ("open-restaurant", {"has_licence": True, "has_shop": False},
     [], [], [], ["没有实体店面的（只在网上卖）请先确定经营场所，营业执照需要住所证明"]),
    ("open-restaurant", {"has_licence": False, "has_shop": True, "prepackaged_only": True},
     ["SD0003"], COMPANY, ["住所使用证明"], ["只卖预包装食品的不需要食品经营许可证，到窗口办理备案即可"]),
    ("open-restaurant", {"has_licence": False, "has_shop": True, "prepackaged_only": False, "area": "small"},
     ["SD0003", "SD0001"], COMPANY + FOOD_NEW, ["住所使用证明", *FOOD_NEW_LATER], []),
    ("open-restaurant", {"has_licence": True, "has_shop": True, "prepackaged_only": False, "area": "large"},
     ["SD0001"], FOOD_NEW, [*FOOD_NEW_LATER, "食品安全管理人员名单"], []),
    ("renew-food-licence", {"expired": False, "changed": False},
     ["SD0002"], ["食品经营许可延续申请书", "原食品经营许可证", "营业执照"], ["从业人员健康证明"], []),
    ("renew-food-licence", {"expired": False, "changed": True},
     ["SD0002"], ["食品经营许可延续申请书", "原食品经营许可证", "营业执照"], ["从业人员健康证明", "变化情况说明"], []),
    ("renew-food-licence", {"expired": True},
     ["SD0001"], FOOD_NEW, FOOD_NEW_LATER, ["已经过期的许可证不能延续，需要重新申请新办"]),
    ("start-business", {"form": "company", "name_ready": True}, ["SD0003"], COMPANY, ["住所使用证明"], []),
    ("start-business", {"form": "individual", "name_ready": False}, ["SD0003"], COMPANY, ["住所使用证明"],
     ["个体工商户不需要公司章程和股东主体资格证明", "可以先在网上自主申报名称，再到窗口办理设立登记"]),
    ("start-business", {"form": "company", "name_ready": False}, ["SD0003"], COMPANY, ["住所使用证明"],
     ["可以先在网上自主申报名称，再到窗口办理设立登记"]),
    ("start-business", {"form": "individual", "name_ready": True}, ["SD0003"], COMPANY, ["住所使用证明"],
     ["个体工商户不需要公司章程和股东主体资格证明"]),
    ("branch-changes", {"count": "few", "same_change": False},
     ["SD0004"], ["分支机构变更登记申请书（每个分支机构一份）", "隶属企业营业执照", "各分支机构变更事项清单"],
     ["变更事项相关证明"], []),
    ("branch-changes", {"count": "many", "same_change": True},
     ["SD0004"], ["分支机构变更登记申请书（每个分支机构一份）", "隶属企业营业执照"], ["变更事项相关证明"],
     ["10个及以上的请提前预约，窗口安排批量专办"]),
    ("branch-changes", {"count": "few", "same_change": True},
     ["SD0004"], ["分支机构变更登记申请书（每个分支机构一份）", "隶属企业营业执照"], ["变更事项相关证明"], []),
    ("branch-changes", {"count": "many", "same_change": False},
     ["SD0004"], ["分支机构变更登记申请书（每个分支机构一份）", "隶属企业营业执照", "各分支机构变更事项清单"],
     ["变更事项相关证明"], ["10个及以上的请提前预约，窗口安排批量专办"]),
    ("equipment-operator-review", {"expired": False, "batch": True},
     ["SD0005"], ["复审申请表", "身份证", "原作业人员证", "人员名单（加盖单位公章）"], ["用人单位出具的从业证明"], []),
    ("equipment-operator-review", {"expired": False, "batch": False},
     ["SD0005"], ["复审申请表", "身份证", "原作业人员证"], ["用人单位出具的从业证明"], []),
    ("equipment-operator-review", {"expired": True}, [], [], [], ["超过有效期未复审的证书失效，需要重新参加考试取证"]),
    ("property-registration", {"reason": "buy", "loan": True}, ["SD0006"], PROPERTY, ["完税证明", "贷款合同"], []),
    ("property-registration", {"reason": "buy", "loan": False}, ["SD0006"], PROPERTY, ["完税证明"], []),
    ("property-registration", {"reason": "inherit"},
     ["SD0006"], [*PROPERTY, "继承权公证书或生效法律文书"], ["完税证明"], []),
    ("property-registration", {"reason": "mortgage"},
     ["SD0006"], [*PROPERTY, "抵押合同和主债权合同"], ["完税证明"], []),
    ("disability-certificate", {"local": True, "self": True}, ["SD0007"], ["申请表", "身份证或户口簿"], ["近期免冠照片"], []),
    ("disability-certificate", {"local": True, "self": False},
     ["SD0007"], ["申请表", "身份证或户口簿", "代办人身份证", "代办委托书"], ["近期免冠照片"],
     ["行动不便的可以由亲属代办，也可以预约上门评定"]),
    ("disability-certificate", {"local": False}, [], [], [], ["残疾人证须在户籍所在地申请"]),
    ("farm-facility-land", {"agreement": True, "kind": "planting"},
     ["SD0008"], ["设施农用地备案表", "用地协议", "申请人身份证"], [], []),
    ("farm-facility-land", {"agreement": False, "kind": "breeding"},
     ["SD0008"], ["设施农用地备案表", "用地协议", "申请人身份证"], ["动物防疫条件说明"],
     ["请先与村集体经济组织签订用地协议，再提交备案"]),
    ("farm-facility-land", {"agreement": True, "kind": "breeding"},
     ["SD0008"], ["设施农用地备案表", "用地协议", "申请人身份证"], ["动物防疫条件说明"], []),
    ("farm-facility-land", {"agreement": False, "kind": "planting"},
     ["SD0008"], ["设施农用地备案表", "用地协议", "申请人身份证"], [], ["请先与村集体经济组织签订用地协议，再提交备案"]),
    ("health-cross-province", {"matter": "birth", "mail": False},
     ["SD0009"], ["申请人身份证", "事项申请表", "出生医学证明补发申请表"], [], []),
    ("health-cross-province", {"matter": "vaccine", "mail": True}, ["SD0009"], ["申请人身份证", "事项申请表"], [],
     ["结果可以邮寄到家，请准备好收件地址"]),
    ("health-cross-province", {"matter": "other", "mail": True}, ["SD0009"], ["申请人身份证", "事项申请表"], [],
     ["结果可以邮寄到家，请准备好收件地址"]),
    ("health-cross-province", {"matter": "other", "mail": False}, ["SD0009"], ["申请人身份证", "事项申请表"], [], []),
    ("health-cross-province", {"matter": "birth", "mail": True},
     ["SD0009"], ["申请人身份证", "事项申请表", "出生医学证明补发申请表"], [], ["结果可以邮寄到家，请准备好收件地址"]),
    ("health-cross-province", {"matter": "vaccine", "mail": False}, ["SD0009"], ["申请人身份证", "事项申请表"], [], []),
]


def interview(client, code: str, answers: dict) -> list[str]:
    """Answer one question at a time as the mini-program does; the keys asked, in order."""
    step = client.get(f"/api/v1/guide/scenarios/{code}").get_json()
    version, given, asked = step["scenario"]["version"], {}, []
    while not step["done"]:
        key = step["question"]["key"]
        asked.append(key)
        assert answers[key] in [o["value"] for o in step["question"]["options"]]
        given[key] = answers[key]
        response = client.post(f"/api/v1/guide/scenarios/{code}/answers", json={"answers": given, "version": version})
        assert response.status_code == 200, response.get_json()
        step = response.get_json()
    return asked


@pytest.mark.parametrize(("code", "answers", "items", "key", "other", "notes"), PATHS,
                         ids=[f"{p[0]}-{'-'.join(str(v) for v in p[1].values())}" for p in PATHS])
def test_each_answer_path_gives_the_hand_written_checklist(client, guide, code, answers, items, key, other, notes):
    assert interview(client, code, answers) == list(answers)           # exactly these questions, in this order
    response = client.post(f"/api/v1/guide/scenarios/{code}/result", json={"answers": answers})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert [i["code"] for i in result["items"]] == items
    assert [m["name"] for m in result["materials"] if m["key"]] == key
    assert [m["name"] for m in result["materials"] if not m["key"]] == other
    assert result["notes"] == notes
    if items:
        assert result["centres"] and all(c["booking"]["item_codes"] == items for c in result["centres"])
    else:
        assert result["centres"] == [] and result["message"] == "根据您的回答，不需要办理事项，请看下面的提示"


def answer_paths(questions: list[dict]) -> list[dict]:
    """Every complete way through an interview: each option of each question that applies, in turn."""
    finished, open_paths = [], [{}]
    while open_paths:
        answers = open_paths.pop()
        question = scenarios.next_question(questions, answers)
        if question is None:
            finished.append(answers)
            continue
        values = [True, False] if question["kind"] == "yesno" else [o["value"] for o in question["options"]]
        open_paths.extend({**answers, question["key"]: value} for value in values)
    return finished


def test_every_answer_path_of_every_demo_scenario_has_a_hand_written_checklist_above(guide):
    written = {(code, tuple(sorted(answers.items()))) for code, answers, *_ in PATHS}
    every = {(scenario["code"], tuple(sorted(answers.items())))
             for scenario in guidance_data()["scenarios"] for answers in answer_paths(scenario["questions"])}
    assert every == written and len(every) == len(PATHS) == 39


def test_the_list_names_the_nine_demo_scenarios(client, guide):
    listed = client.get("/api/v1/guide/scenarios").get_json()["scenarios"]
    assert {s["code"] for s in listed} == {p[0] for p in PATHS} and len(listed) == 9
    assert client.get("/api/v1/guide/scenarios", query_string={"audience": "business"}).get_json()["scenarios"][0][
        "audience_name"] == "法人"


def test_materials_shared_by_two_items_are_listed_once():
    outcomes = [{"item": "A"}, {"item": "B"}]
    merged = scenarios.checklist(outcomes, {}, {
        "A": ("甲", [{"name": "身份证", "key": False, "form": "copy", "count": 1}]),
        "B": ("乙", [{"name": "身份证", "key": True, "form": "original", "count": 2},
                    {"name": "申请表", "key": True, "form": "original", "count": 1}])})
    identity = merged.materials[0]
    assert (identity.name, identity.key, identity.form, identity.count, identity.for_items) == \
        ("身份证", True, "original", 2, ["甲", "乙"])
    assert [m.name for m in merged.materials] == ["身份证", "申请表"]


def test_the_nearest_centres_that_handle_every_item_and_one_tap_booking(client, db_session, guide, verified_login):
    answers = {"has_licence": False, "has_shop": True, "prepackaged_only": False, "area": "small"}
    with time_machine.travel(MONDAY_8AM, tick=False):
        result = client.post("/api/v1/guide/scenarios/open-restaurant/result",
                             json={"answers": answers, "lat": 36.40, "lng": 116.10}).get_json()
        assert result["centres"][0]["name"] == "运河社区服务中心"
        distances = [c["distance_km"] for c in result["centres"]]
        assert distances == sorted(distances) and len(distances) == 3
        booking = result["centres"][0]["booking"]
        assert db_session.scalar(select(Slot.id).where(Slot.centre_id == booking["centre_id"])) is None
    with time_machine.travel(MONDAY_8AM, tick=True):
        sync_slots(db_session, booking["centre_id"], MONDAY_8AM)      # the demo seed above made no slots
        db_session.commit()
        headers = verified_login("赵丽")
        slots = client.get(f"/api/v1/centres/{booking['centre_id']}/slots",
                           query_string={"item": booking["item_codes"][0], "date": "2026-11-24"}).get_json()["slots"]
        slot = next(s for s in slots if s["remaining"] > 0)
        booked = client.post("/api/v1/appointments", headers=headers,
                             json={"slot_id": slot["id"], "item_codes": booking["item_codes"]})
        assert booked.status_code == 201, booked.get_json()
        assert [i["code"] for i in booked.get_json()["items"]] == ["SD0003", "SD0001"]


@pytest.mark.parametrize(("body", "field"), [
    ({"answers": {"nonsense": True}}, "answers.nonsense"),
    ({"answers": {"has_licence": "yes"}}, "answers.has_licence"),
    ({"answers": {"has_licence": 1}}, "answers.has_licence"),
    ({"answers": {"has_licence": True, "has_shop": False, "prepackaged_only": True}}, "answers.prepackaged_only"),
    ({"answers": {"has_licence": True, "has_shop": True, "prepackaged_only": False, "area": "huge"}},
     "answers.area"),
])
def test_answers_that_do_not_fit_are_refused_by_field(client, guide, body, field):
    for step in ("answers", "result"):
        response = client.post(f"/api/v1/guide/scenarios/open-restaurant/{step}", json=body)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_a_result_before_the_last_answer_names_the_question(client, guide):
    response = client.post("/api/v1/guide/scenarios/open-restaurant/result",
                           json={"answers": {"has_licence": True}})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["message"] == "还有问题没有回答：是否有实体店面？"


def test_an_interview_begun_on_an_older_version_starts_again(client, guide):
    response = client.post("/api/v1/guide/scenarios/open-restaurant/answers", json={"answers": {}, "version": 7})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "scenario_changed"


def test_unknown_and_malformed_scenario_codes(client, guide):
    assert client.get("/api/v1/guide/scenarios/no-such-thing").status_code == 404
    assert client.get("/api/v1/guide/scenarios/DROP%20TABLE").status_code == 422
