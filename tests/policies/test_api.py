"""政策快享 end to end through the API: staff write and publish a rule (bad rules and failing cases refused,
nothing saved), matching finds the citizen, who reads why, confirms 免申即享 with an account; staff review and
pay; a second run changes nothing; a fact change withdraws an open match with its reason; one reminder, then
the match expires with the policy."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from miniapp_api.citizens.models import Citizen
from miniapp_api.notifications.models import Notification
from miniapp_api.platform.models import AuditLog
from miniapp_api.platform.privacy import id_check_digit
from miniapp_api.policies import matching
from miniapp_api.policies import services as policies
from miniapp_api.policies.models import PersonFact, PolicyDocument, PolicyGrant, PolicyMatch, PolicyRule
from tests.factories import CentreFactory, id_number, make_staff, person_hash
from tests.policies.conftest import NOW, add_business, link
from tests.test_app import assert_envelope

ELDER_RULE = {"subject": "person", "all": [{"fact": "age", "op": ">=", "value": 80},
                                           {"fact": "hukou_region", "op": "in", "value": ["3715"]}]}
ELDER_CASES = [{"name": "八十岁", "facts": {"age": 80, "hukou_region": "371502"}, "eligible": True},
               {"name": "七十九岁", "facts": {"age": 79, "hukou_region": "371502"}, "eligible": False,
                "failed": ["age"]}]
ITEM = {"code": "GXJT-T1", "title": "高龄津贴", "benefit": "每月100元", "amount_yuan": 1200, "mode": "exempt",
        "subject": "person", "category": "养老服务", "valid_from": "2026-01-01", "valid_until": "2026-12-31",
        "owner_department": "聊城市民政局"}
FACTS_HEADER = "身份证号,户籍区划,残疾等级"
PAYOUT = {"account_name": "孙秀英", "bank": "中国农业银行聊城分行", "account_number": "6228480012345678"}


def run_matching(session, key: str, now=NOW) -> None:
    matching.plan(session, key, now)
    matching.run_open_tasks(session, now)


def author(client, db_session, staff_login):
    centre = CentreFactory()
    manager = make_staff(db_session, [centre], ("centre_manager",))
    db_session.commit()
    headers = staff_login(manager)
    document = client.post("/api/staff/v1/policy-documents", headers=headers, json={
        "title": "高龄津贴通知", "department": "聊城市民政局", "centre_id": centre.id, "issued_on": "2026-01-10",
        "summary": "本市户籍80周岁以上老人按月发放高龄津贴。"}).get_json()
    item = client.post(f"/api/staff/v1/policy-documents/{document['id']}/items", headers=headers, json=ITEM)
    assert item.status_code == 201, item.get_json()
    return headers, item.get_json()["id"]


def test_bad_rules_are_refused_by_field_and_failing_cases_block_publication(client, db_session, staff_login):
    headers, item_id = author(client, db_session, staff_login)
    url = f"/api/staff/v1/policy-items/{item_id}"
    unknown = {"subject": "person", "all": [{"fact": "income", "op": ">=", "value": 1}]}
    error = assert_envelope(client.post(f"{url}/rule", headers=headers, json={"rule": unknown, "cases": []}), 422,
                            "invalid_rule")
    assert error["fields"]["rule.all[0].fact"].startswith("未知的条件项“income”")
    malformed = {"subject": "person", "all": [{"fact": "age", "op": "contains", "value": "八十"},
                                              {"any": [{"fact": "age", "op": ">=", "value": 1}]}, "age>80"]}
    error = assert_envelope(client.post(f"{url}/rule", headers=headers, json={"rule": malformed, "cases": []}), 422,
                            "invalid_rule")
    assert error["fields"] == {"rule.all[0].op": "“年龄”不能用运算符“contains”，可用：>=、<=、==",
                               "rule.all[1].any": "any 应为条件列表，至少两条，且不能再嵌套 any",
                               "rule.all[2]": "每个条件应为 {\"fact\", \"op\", \"value\"}，或一个 {\"any\": [...]} 组"}
    business_rule = {"subject": "business", "all": [{"fact": "employees", "op": ">=", "value": 1}]}
    error = assert_envelope(client.post(f"{url}/rule", headers=headers, json={"rule": business_rule, "cases": []}),
                            422, "invalid_rule")
    assert error["fields"] == {"rule.subject": "规则的适用对象与政策事项不一致"}
    bad_case = [{"name": "x", "facts": {"salary": 1}, "eligible": True}]
    error = assert_envelope(client.post(f"{url}/rule", headers=headers, json={"rule": ELDER_RULE, "cases": bad_case}),
                            422, "invalid_rule")
    assert error["fields"] == {"cases[0].facts.salary": "测试用例里未知的条件项“salary”"}
    assert db_session.scalar(select(func.count()).select_from(PolicyRule)) == 0

    wrong = [dict(ELDER_CASES[0]), dict(ELDER_CASES[1], eligible=True)]
    saved = client.post(f"{url}/rule", headers=headers, json={"rule": ELDER_RULE, "cases": wrong}).get_json()
    assert saved["all_passed"] is False and saved["version"]["version"] == 1
    assert saved["cases"][1]["message"] == "测试用例“七十九岁”未通过：期望符合条件，实际暂不符合条件（年龄）"
    error = assert_envelope(client.post(f"{url}/publish", headers=headers), 422, "rule_cases_failing")
    assert error["fields"] == {"cases[1]": "测试用例“七十九岁”未通过：期望符合条件，实际暂不符合条件（年龄）"}
    assert client.get(url, headers=headers).get_json()["status"] == "draft"

    saved = client.post(f"{url}/rule", headers=headers, json={"rule": ELDER_RULE, "cases": ELDER_CASES}).get_json()
    assert saved["all_passed"] is True and saved["version"]["version"] == 2
    published = client.post(f"{url}/publish", headers=headers)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    detail = client.get(url, headers=headers).get_json()
    assert [(v["version"], v["current"]) for v in detail["versions"]] == [(2, True), (1, False)]
    assert_envelope(client.post(f"{url}/publish", headers=headers), 409, "bad_request")


def publish_elder_policy(client, db_session, staff_login) -> tuple[dict, int]:
    headers, item_id = author(client, db_session, staff_login)
    client.post(f"/api/staff/v1/policy-items/{item_id}/rule", headers=headers,
                json={"rule": ELDER_RULE, "cases": ELDER_CASES})
    assert client.post(f"/api/staff/v1/policy-items/{item_id}/publish", headers=headers).status_code == 200
    return headers, item_id


def test_match_explain_confirm_review_pay_and_nothing_twice(client, db_session, staff_login, verified_login, cipher):
    headers, item_id = publish_elder_policy(client, db_session, staff_login)
    elder = verified_login("孙秀英", id_number(8801))
    young = verified_login("孙小明", id_number(8802))
    csv = "\n".join((FACTS_HEADER, f"{id_number(8801)},371502,", f"{id_number(8802)},371502,")) + "\n"
    assert client.post("/api/staff/v1/person-facts/import", headers=headers, json={"csv": csv}).get_json() == {
        "citizens": 2}
    facts = db_session.get(PersonFact, person_hash(cipher, 8801))
    assert facts.birth_date.year == 1980          # read from the ID number
    facts.birth_date = date(1945, 1, 1)           # the 户籍 record says otherwise: 81
    db_session.commit()

    run_matching(db_session, "first")
    db_session.commit()
    assert client.get("/api/v1/policy-matches", headers=young).get_json()["matches"] == []
    why = client.get(f"/api/v1/policies/{item_id}/eligibility", headers=young).get_json()["results"][0]
    assert why["eligible"] is False and why["conditions"][0]["text"] == (
        "不符合：本政策要求年龄不低于80岁，您的年龄为46岁，还差34岁")
    assert why["conditions"][1]["passed"] is True
    [match] = client.get("/api/v1/policy-matches", headers=elder).get_json()["matches"]
    assert (match["status"], match["can_confirm"], match["subject_text"]) == ("matched", True, "您")
    assert [s["done"] for s in match["steps"]] == [True, False, False, False]
    [message] = client.get("/api/v1/messages", headers=elder).get_json()["messages"]
    assert message["title"] == "政策提醒" and "高龄津贴" in message["body"] and "无需申请" in message["body"]

    # A second run, and a rerun of the citizens' facts: no second match, no second message.
    run_matching(db_session, "second")
    policies.facts_changed(db_session, "person", [])
    matching.match_subjects(db_session, "person", [db_session.scalar(select(PolicyMatch.citizen_id))], NOW)
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(PolicyMatch)) == 1
    assert db_session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "policy_match")) == 1

    short = dict(PAYOUT, account_number="12ab")
    assert_envelope(client.post(f"/api/v1/policy-matches/{match['id']}/confirm", headers=elder, json=short), 422,
                    "validation_failed")
    grant = client.post(f"/api/v1/policy-matches/{match['id']}/confirm", headers=elder, json=PAYOUT)
    assert grant.status_code == 201, grant.get_json()
    grant = grant.get_json()
    assert grant["status_name"] == "审核中" and grant["account"] == "****5678"
    assert_envelope(client.post(f"/api/v1/policy-matches/{match['id']}/confirm", headers=elder, json=PAYOUT), 409,
                    "match_answered")
    assert_envelope(client.post(f"/api/v1/policy-matches/{match['id']}/confirm", headers=young, json=PAYOUT), 404,
                    "policy_match_not_found")
    stored = db_session.scalar(select(PolicyGrant))
    assert "12345678" not in stored.account_enc and cipher.decrypt(stored.account_enc, context="policy_account") == (
        PAYOUT["account_number"])

    url = f"/api/staff/v1/policy-grants/{grant['id']}"
    assert_envelope(client.post(f"{url}/paid", headers=headers), 409, "grant_state")
    assert_envelope(client.post(f"{url}/review", headers=headers, json={"approve": False}), 422, "bad_request")
    assert client.post(f"{url}/review", headers=headers, json={"approve": True}).get_json()["status"] == "approved"
    assert client.post(f"{url}/paid", headers=headers).get_json()["status_name"] == "已拨付到账"
    [match] = client.get("/api/v1/policy-matches", headers=elder).get_json()["matches"]
    assert [s["name"] for s in match["steps"]] == ["数据比对", "意愿确认", "审核", "拨付到账"]
    assert all(s["done"] for s in match["steps"]) and match["grant_status"] == "paid"
    bodies = [m["body"] for m in client.get("/api/v1/messages", headers=elder).get_json()["messages"]]
    assert any("已拨付到账，尾号5678" in b for b in bodies) and any("正在审核" in b for b in bodies)
    assert client.get("/api/staff/v1/policy-grants?status=paid", headers=headers).get_json()["grants"][0][
        "reference"] == grant["reference"]
    # Staff looking at one person's evaluation see their facts: every look is audit-logged.
    check = client.post(f"/api/staff/v1/policy-items/{item_id}/check", headers=headers,
                        json={"id_number": id_number(8802)}).get_json()
    assert check["eligible"] is False and check["conditions"][0]["actual"] == 46
    logged = db_session.scalars(select(AuditLog).where(AuditLog.action == "policy.subject_checked")).all()
    assert [(a.subject_id, a.detail["subject"]) for a in logged] == [(str(item_id), "person")]


def test_a_fact_change_withdraws_an_open_match_with_its_reason(client, db_session, staff_login, verified_login,
                                                               cipher):
    headers, item_id = publish_elder_policy(client, db_session, staff_login)
    elder = verified_login("孙秀英", id_number(8801))
    csv = "\n".join((FACTS_HEADER, f"{id_number(8801)},371502,")) + "\n"
    client.post("/api/staff/v1/person-facts/import", headers=headers, json={"csv": csv})
    db_session.get(PersonFact, person_hash(cipher, 8801)).birth_date = date(1945, 1, 1)
    db_session.commit()
    run_matching(db_session, "first")
    db_session.commit()
    # The 户籍 moves to 济南: the rerun over this person withdraws the match and says why.
    moved = "\n".join((FACTS_HEADER, f"{id_number(8801)},370102,")) + "\n"
    client.post("/api/staff/v1/person-facts/import", headers=headers, json={"csv": moved})
    db_session.get(PersonFact, person_hash(cipher, 8801)).birth_date = date(1945, 1, 1)
    citizen_id = db_session.scalar(select(PolicyMatch.citizen_id))
    changes = matching.match_subjects(db_session, "person", [citizen_id], NOW)
    db_session.commit()
    assert len(changes.withdrawn) == 1 and changes.added == []
    [match] = client.get("/api/v1/policy-matches", headers=elder).get_json()["matches"]
    assert match["status"] == "withdrawn" and match["end_reason"] == (
        "不符合：本政策要求户籍所在地属于：聊城市（3715），您的户籍所在地为历下区（370102）")
    assert_envelope(client.post(f"/api/v1/policy-matches/{match['id']}/confirm", headers=elder, json=PAYOUT), 409,
                    "match_answered")
    withdrawn = [m for m in client.get("/api/v1/messages", headers=elder).get_json()["messages"]
                 if m["title"] == "政策匹配已撤回"]
    assert len(withdrawn) == 1 and "聊城市民政局" in withdrawn[0]["body"]
    matching.match_subjects(db_session, "person", [citizen_id], NOW)      # again: nothing more
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "policy_withdrawn")) == 1


def test_one_reminder_then_the_match_expires_with_the_policy(client, db_session, staff_login, verified_login, cipher):
    headers, item_id = publish_elder_policy(client, db_session, staff_login)
    elder = verified_login("孙秀英", id_number(8801))
    client.post("/api/staff/v1/person-facts/import", headers=headers,
                json={"csv": "\n".join((FACTS_HEADER, f"{id_number(8801)},371502,1")) + "\n"})
    db_session.get(PersonFact, person_hash(cipher, 8801)).birth_date = date(1940, 1, 1)
    db_session.commit()
    run_matching(db_session, "first")
    assert policies.remind_and_expire(db_session, NOW + timedelta(days=6)) == (0, 0)
    assert policies.remind_and_expire(db_session, NOW + timedelta(days=7)) == (1, 0)
    assert policies.remind_and_expire(db_session, NOW + timedelta(days=8)) == (0, 0)
    assert policies.remind_and_expire(db_session, datetime(2027, 1, 1, 2, tzinfo=timezone.utc)) == (0, 1)
    db_session.commit()
    [match] = client.get("/api/v1/policy-matches", headers=elder).get_json()["matches"]
    assert match["status"] == "expired"
    reminders = db_session.scalars(select(Notification.body).where(Notification.kind == "policy_reminder")).all()
    assert reminders == ["您符合“高龄津贴”，还没有确认。该政策有效期至2026年12月31日，过期后将无法享受。"]


def test_declining_is_recorded_and_bad_fact_csv_saves_nothing(client, db_session, staff_login, verified_login,
                                                              cipher):
    headers, item_id = publish_elder_policy(client, db_session, staff_login)
    first17 = "37150219801340" + "123"                      # month 13: the check digit is right, the date is not
    bad_date = f"{first17 + id_check_digit(first17)},371502,"
    bad = "\n".join((FACTS_HEADER, f"{id_number(8801)},371502,", "110101194001011230,371502,", f"{id_number(8803)},37,",
                     f"{id_number(8804)},371502,5", f"{id_number(8801)},371502,", bad_date)) + "\n"
    error = assert_envelope(client.post("/api/staff/v1/person-facts/import", headers=headers, json={"csv": bad}),
                            422, "csv_invalid")
    assert error["fields"] == {"line 3": "身份证号不正确", "line 4": "户籍区划应为 6 位行政区划代码",
                               "line 5": "残疾等级只能是 1–4 或留空", "line 6": "与第2行的身份证号重复",
                               "line 7": "身份证号不正确"}
    assert db_session.scalar(select(func.count()).select_from(PersonFact)) == 0

    elder = verified_login("孙秀英", id_number(8801))
    client.post("/api/staff/v1/person-facts/import", headers=headers,
                json={"csv": "\n".join((FACTS_HEADER, f"{id_number(8801)},371502,")) + "\n"})
    db_session.get(PersonFact, person_hash(cipher, 8801)).birth_date = date(1940, 1, 1)
    db_session.commit()
    run_matching(db_session, "first")
    db_session.commit()
    [match] = client.get("/api/v1/policy-matches", headers=elder).get_json()["matches"]
    declined = client.post(f"/api/v1/policy-matches/{match['id']}/decline", headers=elder).get_json()["matches"][0]
    assert declined["status_name"] == "已放弃" and declined["can_confirm"] is False
    assert policies.remind_and_expire(db_session, NOW + timedelta(days=8)) == (0, 0)


def test_browse_search_detail_and_subscriptions(client, db_session, staff_login, login):
    headers, item_id = publish_elder_policy(client, db_session, staff_login)
    found = client.get("/api/v1/policies?q=高龄").get_json()
    assert [p["id"] for p in found["policies"]] == [item_id] and "养老服务" in found["categories"]
    assert client.get("/api/v1/policies?q=创业").get_json()["total"] == 0
    detail = client.get(f"/api/v1/policies/{item_id}").get_json()
    assert detail["conditions"] == ["年龄不低于80岁", "户籍所在地属于：聊城市（3715）"]
    assert detail["mode_name"] == "免申即享" and detail["summary"].startswith("本市户籍")
    assert_envelope(client.get("/api/v1/policies/99999999"), 404, "policy_item_not_found")
    citizen = login("o-subscriber")
    assert_envelope(client.put("/api/v1/me/policy-subscriptions", headers=citizen,
                               json={"categories": ["彩票"]}), 422, "unknown_category")
    saved = client.put("/api/v1/me/policy-subscriptions", headers=citizen, json={"categories": ["就业创业"]})
    assert saved.get_json()["categories"] == ["就业创业"]
    # A new 就业创业 item published: the subscriber hears of it (an unverified citizen is matched to nothing).
    document = client.post("/api/staff/v1/policy-documents", headers=headers, json={
        "title": "创业政策", "department": "人社局",
        "centre_id": db_session.scalar(select(PolicyDocument.centre_id)), "issued_on": "2026-02-01", "summary": "创业补贴"}).get_json()
    item = client.post(f"/api/staff/v1/policy-documents/{document['id']}/items", headers=headers,
                       json=dict(ITEM, code="JY-T2", title="创业补贴", category="就业创业", mode="info")).get_json()
    client.post(f"/api/staff/v1/policy-items/{item['id']}/rule", headers=headers,
                json={"rule": ELDER_RULE, "cases": ELDER_CASES})
    assert client.post(f"/api/staff/v1/policy-items/{item['id']}/publish", headers=headers).status_code == 200
    titles = [m["title"] for m in client.get("/api/v1/messages", headers=citizen).get_json()["messages"]]
    assert titles == ["新政策发布"]


def test_citizens_find_policies_in_their_own_words_also_through_the_guide(client, db_session, published):
    found = client.get("/api/v1/policies", query_string={"q": "我是残疾人，有什么补贴吗"}).get_json()
    assert {p["title"] for p in found["policies"]} == {"重度残疾人护理补贴", "残疾人职业技能培训补贴"}
    assert client.get("/api/v1/policies", query_string={"q": "餐饮店有什么补贴"}).get_json()["policies"][0][
        "title"] == "餐饮业纾困补贴"
    assert client.get("/api/v1/policies", query_string={"q": "护照怎么办理"}).get_json()["total"] == 0
    guide = client.get("/api/v1/guide/search", query_string={"q": "高龄津贴怎么领取"}).get_json()
    assert guide["policies"][0]["title"] == "80周岁以上高龄津贴" and guide["policies"][0]["mode_name"] == "免申即享"


def test_fast_policies_open_a_prefilled_application_submitted_in_one_step(client, db_session, published, cipher,
                                                                          verified_login):
    centre, items = published
    headers = verified_login("刘洋", id_number(8811))
    business = add_business(db_session, 8811, registered=date(2021, 3, 15), industry="I6510", employees=25,
                            centre=centre)
    from_login = db_session.scalar(select(Citizen.id).where(Citizen.verified_id_hash == person_hash(cipher, 8811)))
    link(db_session, business, from_login)
    db_session.commit()
    run_matching(db_session, "fast")
    db_session.commit()
    matches = {m["policy"]["code"]: m for m in client.get("/api/v1/policy-matches", headers=headers).get_json()[
        "matches"]}
    assert set(matches) == {"QYFZ-01", "WGBT-01", "KJCX-01"}
    fast = matches["KJCX-01"]
    assert (fast["can_apply"], fast["can_confirm"]) == (True, False)
    assert fast["subject_text"] == "您的企业“测试企业8811”"
    assert [s["name"] for s in fast["steps"]] == ["数据比对", "在线申请", "审核", "拨付到账"]
    form = client.get(f"/api/v1/policy-matches/{fast['id']}/form", headers=headers).get_json()
    known = {f["label"]: f["value"] for f in form["known"]}
    assert known["企业名称"] == "测试企业8811" and known["统一社会信用代码"] == business.credit_code
    assert known["从业人数"] == "25" and known["成立日期"] == "2021年3月15日" and known["申请人"] == "刘*"
    assert id_number(8811) not in str(form) and form["can_apply"] is True
    # 免申即享 and 快申快享 each take only their own path.
    assert_envelope(client.post(f"/api/v1/policy-matches/{fast['id']}/confirm", headers=headers, json=PAYOUT), 409,
                    "wrong_mode")
    assert_envelope(client.post(f"/api/v1/policy-matches/{matches['QYFZ-01']['id']}/apply", headers=headers,
                                json=PAYOUT), 409, "wrong_mode")
    bad = dict(PAYOUT, phone="12345")
    assert_envelope(client.post(f"/api/v1/policy-matches/{fast['id']}/apply", headers=headers, json=bad), 422,
                    "validation_failed")
    no_phone = assert_envelope(client.post(f"/api/v1/policy-matches/{fast['id']}/apply", headers=headers,
                                           json=PAYOUT), 422, "bad_request")
    assert no_phone["fields"] == {"phone": "请填写联系电话"}
    # A business's grant is paid only to the business's own account on record, never to one typed here.
    missing = assert_envelope(client.post(f"/api/v1/policy-matches/{fast['id']}/apply", headers=headers,
                                          json={"phone": "13912345678"}), 409, "payout_account_missing")
    assert "对公账户" in missing["message"]
    on_record = client.put(f"/api/v1/businesses/{business.id}/payout-account", headers=headers, json={
        "account_name": "测试企业8811", "bank": "中国银行聊城分行", "account_number": "6013820000000008811"})
    assert on_record.status_code == 200 and on_record.get_json()["account"] == "****8811", on_record.get_json()
    typed = assert_envelope(client.post(f"/api/v1/policy-matches/{fast['id']}/apply", headers=headers,
                                        json=dict(PAYOUT, phone="13912345678")), 422, "payout_account_not_allowed")
    assert "尾号8811" in typed["fields"]["account_number"]
    grant = client.post(f"/api/v1/policy-matches/{fast['id']}/apply", headers=headers,
                        json={"phone": "13912345678", "note": "研发投入见年报"})
    assert grant.status_code == 201, grant.get_json()
    grant = grant.get_json()
    assert (grant["account_name"], grant["account"]) == ("测试企业8811", "****8811")
    assert grant["form"]["phone"] == "139****5678" and grant["form"]["note"] == "研发投入见年报"
    stored = db_session.scalar(select(PolicyGrant).where(PolicyGrant.id == grant["id"]))
    assert cipher.decrypt(stored.form["phone_enc"], context="citizen.phone") == "13912345678"
    assert "13912345678" not in str(stored.form["fields"])
    [fast] = [m for m in client.get("/api/v1/policy-matches", headers=headers).get_json()["matches"]
              if m["id"] == fast["id"]]
    assert [s["done"] for s in fast["steps"]] == [True, True, False, False] and fast["status"] == "confirmed"
