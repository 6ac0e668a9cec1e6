"""Bad input never breaks anything: every abuse gets the error envelope (never a 500) and changes nothing."""

import json

import pytest
from sqlalchemy import text

from miniapp_api.feedback.models import Feedback
from tests.factories import CentreFactory, make_staff

INJECTION = "<script>alert('x')</script>' OR '1'='1'; DROP TABLE citizen; --"


def assert_refused(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    error = response.get_json()["error"]
    assert error["code"] and error["message"] and isinstance(error["fields"], dict)


def test_deeply_nested_json_is_refused_cleanly(client, login):
    headers = login("o-deep")
    deep = "[" * 50_000 + "]" * 50_000
    assert_refused(client.post("/api/v1/feedback", headers=headers, data=deep, content_type="application/json"),
                   400, 413, 422)


@pytest.mark.parametrize("content_type, data", [
    ("text/plain", json.dumps({"kind": "praise", "text": "窗口服务很好，点赞"})),
    ("application/x-www-form-urlencoded", "kind=praise&text=hello"),
    ("application/json", b"{\"kind\": \"praise\", \"text\": \"\xff\xfe\xfa\"}"),
])
def test_wrong_content_types_and_invalid_utf8_are_refused(client, login, db_session, content_type, data):
    headers = login("o-content-type")
    assert_refused(client.post("/api/v1/feedback", headers=headers, data=data, content_type=content_type),
                   400, 415, 422)
    assert db_session.query(Feedback).count() == 0


def test_injection_strings_are_stored_as_text_and_returned_as_data(client, login, db_session):
    headers = login("o-injector")
    centre = CentreFactory()
    db_session.commit()
    filed = client.post("/api/v1/feedback", headers=headers,
                        json={"kind": "suggestion", "text": INJECTION, "centre_id": centre.id})
    assert filed.status_code == 201
    assert filed.get_json()["text"] == INJECTION
    assert filed.headers["Content-Type"].startswith("application/json")
    assert db_session.scalar(text("SELECT count(*) FROM citizen")) >= 1        # the table is still there
    assert db_session.get(Feedback, filed.get_json()["id"]).text == INJECTION
    named = client.patch("/api/v1/me", headers=headers, json={"real_name": INJECTION})
    assert_refused(named, 422)


@pytest.mark.parametrize("path", [
    "/api/v1/messages?limit=100000", "/api/v1/messages?limit=-5", "/api/v1/messages?before_id=99999999999999999999",
    "/api/v1/centres/1/slots?item=X&date=0001-01-01", "/api/v1/centres/1/slots?item=X&date=9999-12-31",
    "/api/v1/centres/1/slots?item=X&date=2026-13-45", "/api/v1/items?q=" + "长" * 500,
])
def test_huge_pages_odd_numbers_and_far_dates_never_break(client, login, path):
    response = client.get(path, headers=login("o-odd"))
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert_refused(response, response.status_code)


@pytest.mark.parametrize("body", [
    {"target": "application", "id": 2**70, "level": 5},
    {"target": "application", "id": -1, "level": 5},
    {"target": "application", "id": 1, "level": 10**20},
    {"target": "application", "id": 1.5, "level": 3},
    {"target": ["application"], "id": "1", "level": "5"},
])
def test_out_of_range_numbers_are_field_errors(client, login, body):
    assert_refused(client.post("/api/v1/ratings", headers=login("o-numbers"), json=body), 422)


def test_negative_ids_in_paths_are_not_found(client, login):
    headers = login("o-paths")
    for path in ("/api/v1/appointments/-1", "/api/v1/feedback/-7", "/api/v1/applications/../../etc/passwd"):
        assert_refused(client.get(path, headers=headers), 404, 422)


def test_nul_characters_anywhere_in_the_input_are_refused(client, login, db_session):
    headers = login("o-nul")
    for body in ({"kind": "praise", "text": "很好\u0000很好"}, {"kind": "praise", "text": "很好很好很好",
                                                                "photos": ["a\u0000"]}):
        response = client.post("/api/v1/feedback", headers=headers, json=body)
        assert_refused(response, 422)
        assert "空字符" in str(response.get_json()["error"]["fields"])
    assert_refused(client.get("/api/v1/items?q=a%00b"), 422)
    assert db_session.query(Feedback).count() == 0


def test_a_header_injection_through_the_csv_file_name_is_refused(client, db_session, staff_login):
    admin = make_staff(db_session, [], ("admin",))
    db_session.commit()
    response = client.get("/api/staff/v1/surveys/results.csv?code=x%0D%0ASet-Cookie:%20a=b", headers=staff_login(admin))
    assert_refused(response, 422)
    assert "Set-Cookie" not in response.headers
