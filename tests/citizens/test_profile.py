from sqlalchemy import select, text

from miniapp_api.citizens.models import Citizen
from miniapp_api.platform.privacy import id_check_digit
from tests.test_app import assert_envelope

ID_17 = "37150219900101123"
ID_NUMBER = ID_17 + id_check_digit(ID_17)


def test_profile_is_stored_encrypted_and_shown_masked(client, login, db_session):
    headers = login("o-profile")
    response = client.patch("/api/v1/me", headers=headers,
                            json={"real_name": "王小明", "id_number": ID_NUMBER, "phone": "13812345678"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["real_name"] == "王小明"
    assert body["id_number_masked"] == "3715**********" + ID_NUMBER[-4:]
    assert body["phone_masked"] == "138****5678"
    raw = db_session.execute(text("SELECT id_number_enc, phone_enc, id_number_hash FROM citizen "
                                  "WHERE openid = 'o-profile'")).one()
    assert ID_NUMBER not in raw.id_number_enc and "13812345678" not in raw.phone_enc
    assert raw.id_number_hash and ID_NUMBER not in raw.id_number_hash
    assert client.get("/api/v1/me", headers=headers).get_json() == body


def test_only_sent_fields_change_and_null_clears(client, login):
    headers = login()
    client.patch("/api/v1/me", headers=headers, json={"real_name": "李四", "phone": "13900001111"})
    body = client.patch("/api/v1/me", headers=headers, json={"phone": None}).get_json()
    assert body["real_name"] == "李四"
    assert body["phone_masked"] is None


def test_bad_values_are_refused_field_by_field_and_change_nothing(client, login, db_session):
    headers = login("o-careful")
    client.patch("/api/v1/me", headers=headers, json={"real_name": "赵六"})
    bad_id = ID_17 + ("0" if ID_NUMBER[-1] != "0" else "1")
    response = client.patch("/api/v1/me", headers=headers,
                            json={"real_name": "赵", "id_number": bad_id, "phone": "12345", "age": 3})
    error = assert_envelope(response, 422, "validation_failed")
    # All 18 digits are there: the message names the check digit, not the length.
    assert error["fields"]["id_number"] == "身份证号码最后一位（校验码）与前 17 位对不上，请逐位核对，常见是某一位输错"
    short = client.patch("/api/v1/me", headers=headers, json={"id_number": ID_17[:16]}).get_json()
    assert short["error"]["fields"]["id_number"] == "身份证号码格式不正确，请核对 18 位号码"
    assert error["fields"]["phone"] == "手机号码格式不正确，请填写 11 位手机号"
    assert "real_name" in error["fields"] and error["fields"]["age"] == "不支持此项"
    citizen = db_session.scalars(select(Citizen).where(Citizen.openid == "o-careful")).one()
    db_session.refresh(citizen)
    assert citizen.real_name == "赵六" and citizen.id_number_enc is None


def test_wrong_types_and_non_object_bodies_are_422(client, login):
    headers = login()
    assert_envelope(client.patch("/api/v1/me", headers=headers, json={"phone": 13812345678}), 422,
                    "validation_failed")
    assert_envelope(client.patch("/api/v1/me", headers=headers, json=[1, 2]), 422, "validation_failed")
    assert_envelope(client.patch("/api/v1/me", headers=headers, data="plain", content_type="text/plain"), 422,
                    "validation_failed")
