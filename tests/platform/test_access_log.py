"""The web process's access log keeps query strings and referers out: they carry citizens' coordinates, search
words and references; and file links' and certificates' tokens in paths are redacted. The app writes it
(platform/observability.py AccessLog), so it is the same line under the Procfile's gunicorn and under granian,
and this checks both as they are started."""

import re
import subprocess

import pytest
import requests

from config.settings import load_settings
from miniapp_api.platform.observability import AccessLog
from tests.web_servers import SERVED, serving

LINE = re.compile(r'^\S+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "[A-Z]+ \S+" \d{3} (\d+|-) \d+ms$')


@pytest.mark.parametrize("server", SERVED)
def test_the_access_log_has_the_path_but_not_the_query_string(process_env, server):
    env = {key: value for key, value in process_env.items() if key != "ACCESS_LOG"}
    env["ACCESS_LOG"] = "true"   # BANSHI_ENV=testing has it off; production and development have it on (below)
    with serving(server, env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as (port, process):
        answered = requests.get(f"http://127.0.0.1:{port}/api/v1/centres",
                                params={"lat": "36.4567", "lng": "115.9876", "item": "营业执照"},
                                headers={"Referer": "https://example.com/?ref=BS20261123-ABCDEF"}, timeout=10)
        assert answered.status_code in (200, 404, 422)
        checked = requests.get(f"http://127.0.0.1:{port}/verify/Zq8VvW2xXjT4kLmN9pQr", timeout=10)
        assert checked.status_code == 404
        linked = requests.get(f"http://127.0.0.1:{port}/files/eyJmIjo0Mn0.c2lnbmF0dXJl?download=1", timeout=10)
        process.terminate()
        output, _ = process.communicate(timeout=40)
    access = [line for line in output.splitlines() if '"GET /' in line]
    assert [line.split('"')[1] for line in access if "/healthz" not in line] == [
        "GET /api/v1/centres", "GET /verify/<redacted>", "GET /files/<redacted>"], output[-2000:]
    assert all(LINE.match(line) for line in access), access
    assert f'"GET /api/v1/centres" {answered.status_code} {len(answered.content)} ' in output
    assert f'"GET /files/<redacted>" {linked.status_code} ' in output
    for secret in ("36.4567", "115.9876", "BS20261123", "Zq8VvW2x", "eyJmIjo0Mn0", "download", "营业执照", "%E8%90"):
        assert secret not in output


def test_the_access_log_is_on_in_production_and_development_and_off_in_tests():
    assert load_settings(banshi_env="development").access_log_enabled
    assert not load_settings(banshi_env="testing").access_log_enabled
    assert load_settings(banshi_env="testing", access_log=True).access_log_enabled
    assert not load_settings(banshi_env="development", access_log=False).access_log_enabled


def test_a_streamed_answer_is_logged_when_closed_with_the_bytes_sent_and_a_small_one_is_handed_over_whole():
    lines: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/files/42/content", "QUERY_STRING": "lat=36.4567",
               "REMOTE_ADDR": "10.0.0.8"}

    def streamed(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        yield b"a" * 70_000
        yield b"b" * 10

    def small(environ, start_response):
        start_response("201 CREATED", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return iter([b"{}"])

    body = AccessLog(streamed, lines.append)(environ, lambda *args: None)
    assert lines == []                                   # nothing sent yet
    assert sum(len(chunk) for chunk in body) == 70_010
    body.close()
    answered = AccessLog(small, lines.append)(dict(environ, REQUEST_METHOD="POST"), lambda *args: None)
    assert answered == [b"{}"]                           # a list: the server sends it in one piece
    assert [line.split('"')[1] for line in lines] == ["GET /api/v1/files/42/content", "POST /api/v1/files/42/content"]
    assert " 200 70010 " in lines[0] and " 201 2 " in lines[1] and not any("36.4567" in line for line in lines)
