"""The app shell: error envelope for every failure, probes, request ids, JSON logs."""

import json

from flask import Flask

from miniapp_api import create_app
from miniapp_api.platform.headers import init_security_headers


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_unknown_path_is_404_envelope(client):
    error = assert_envelope(client.get("/api/v1/nowhere"), 404, "not_found")
    assert error["message"] == "您访问的内容不存在"


def test_wrong_method_is_405_envelope(client):
    response = client.delete("/api/v1/auth/login")
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_oversized_body_is_413_envelope(client, settings):
    body = "x" * (settings.max_content_length + 1)
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


def test_malformed_json_is_422_envelope(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    error = assert_envelope(response, 422, "validation_failed")
    assert error["fields"]


def test_missing_field_is_named_in_chinese(client):
    error = assert_envelope(client.post("/api/v1/auth/login", json={}), 422, "validation_failed")
    assert error["fields"] == {"code": "此项必填"}


def test_unexpected_crash_is_500_envelope_with_request_id(settings, db_session):
    app = create_app(settings)

    @app.get("/boom")
    def boom():
        raise RuntimeError("bug")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "req-abcdef123"})
    error = assert_envelope(response, 500, "internal_error")
    assert error["request_id"] == "req-abcdef123"
    assert "bug" not in response.get_data(as_text=True)


def test_liveness_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readiness_fails_when_redis_is_unreachable(settings):
    app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        error = assert_envelope(app.test_client().get("/readyz"), 503, "service_unavailable")
        assert error["checks"] == {"database": "ok", "redis": "unavailable"}
    finally:
        create_app(settings)  # rebind the shared extensions to the suite's Redis


def test_request_id_is_generated_returned_and_logged(client, capsys):
    response = client.get("/healthz?x=1")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 16
    response = client.get("/api/v1/nowhere", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["X-Request-ID"] != "bad id with spaces"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("event") == "request" and line["path"] == "/api/v1/nowhere"]
    assert logged and logged[-1]["request_id"] == response.headers["X-Request-ID"]
    assert logged[-1]["status"] == 404


def test_security_headers_on_api_answers_errors_and_pages(client):
    for response in (client.get("/api/v1/items"), client.get("/api/v1/nothing-here"), client.get("/healthz")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    page = client.get("/console/login")
    assert page.mimetype == "text/html" and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in page.headers          # not in testing: no TLS here
    docs = client.get("/api/v1/swagger")
    assert "Content-Security-Policy" not in docs.headers             # its viewer comes from a CDN


def test_production_answers_carry_hsts():
    """create_app turns HSTS on when BANSHI_ENV=production (init_security_headers(app, hsts=settings.is_production))."""
    bare = Flask("hsts-probe")
    bare.add_url_rule("/", "root", lambda: "ok")
    init_security_headers(bare, hsts=True)
    answer = bare.test_client().get("/")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")
