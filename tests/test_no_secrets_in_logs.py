"""Logs never carry a full ID number, phone number, real name, session_key, access token, bearer token,
face-verification token (verify_id), relative's invite code, signed file or 我的数据 link, certificate token,
data key or signing key; what the backup commands print never carries the database password or the backup repository's
cipher pass."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import time_machine
from sqlalchemy.engine import make_url

from miniapp_api.mydata import export as mydata_export
from miniapp_api.mydata import services as mydata
from miniapp_api.platform import backup
from miniapp_api.platform.clock import utcnow
from miniapp_api.platform.observability import AccessLog
from tests.appointments.conftest import MONDAY_8AM
from tests.factories import build_hall, id_number
from tests.files import samples
from tests.files.test_uploads import upload
from tests.key_move import FIRST, PEOPLE, rotate_env, run_rotate
from tests.key_move import phone as rotate_phone


def test_a_citizen_journey_leaves_no_personal_data_in_the_logs(client, wechat, db_session, capsys, redis_client):
    with time_machine.travel(MONDAY_8AM, tick=True):
        hall = build_hall(db_session, MONDAY_8AM)
        db_session.commit()
        login = client.post("/api/v1/auth/login", json={"code": wechat.login_code("o-private")}).get_json()
        headers = {"Authorization": f"Bearer {login['token']}"}
        mine, relative, phone = id_number(31), id_number(32), "13987654321"
        client.patch("/api/v1/me", headers=headers, json={"real_name": "周敏", "id_number": mine, "phone": phone})
        client.patch("/api/v1/me", headers=headers, json={"id_number": mine[:-1] + "0", "phone": "139"})  # refused
        client.post("/api/v1/me/phone", headers=headers, json={"code": wechat.phone_code("o-private", "13511112222")})
        # A failed face check, then a passed one.
        verify_ids = []
        for verify_ret in (10004, 10000):
            started = client.post("/api/v1/me/verifications", headers=headers,
                                  json={"real_name": "周敏", "id_number": mine}).get_json()
            verify_ids.append(started["verify_id"])
            wechat.face_check(started["verify_id"], "o-private", verify_ret)
            client.post(f"/api/v1/me/verifications/{started['id']}/confirm", headers=headers)
        invite = client.post("/api/v1/relatives", headers=headers, json={
            "name": "周大妈", "id_number": relative, "relation": "父母", "scopes": ["book", "view"]}).get_json()
        slot = hall.slot(db_session, hall.general, "2026-11-24 09:00")
        client.post("/api/v1/appointments", headers=headers, json={
            "slot_id": slot.id, "item_codes": [hall.quick.code],
            "for_person": {"name": "周大妈", "id_number": relative, "phone": "13600001111", "relation": "父母"}})
        client.get("/api/v1/appointments", headers=headers)
        client.get("/api/v1/relatives", headers=headers)
    captured = capsys.readouterr()
    logged = captured.out + captured.err
    session_key = wechat.state.session_keys["o-private"]
    access_tokens = list(wechat.state.tokens)
    assert invite["invite_code"] and len(verify_ids) == 2
    for secret in (mine, relative, phone, "13600001111", "13511112222", "周敏", "周大妈", session_key,
                   login["token"], invite["invite_code"], *verify_ids, *access_tokens):
        assert secret not in logged
    assert "request" in logged  # the journey was logged at all


def test_the_request_log_shows_file_links_and_certificate_tokens_redacted(client, login, capsys):
    """A signed file link or a verification token read from a log would open the file or certificate."""
    me = login()
    with time_machine.travel(MONDAY_8AM, tick=False):
        uploaded = upload(client, me, samples.photo_with_gps()).get_json()["file"]
        served = client.get(uploaded["url"])
        token = "Zq8VvW2xXjT4kLmN9pQr"
        checked = [client.get(f"/verify/{token}"), client.get(f"/api/v1/certificates/verify/{token}")]
        shown = client.get(f"/api/v1/files/{uploaded['id']}", headers=me)
    assert served.status_code == 200 and [r.status_code for r in checked] == [404, 200] and shown.status_code == 200
    link_token = uploaded["url"].rsplit("/files/", 1)[1]
    logged = capsys.readouterr().err
    assert link_token not in logged and token not in logged
    paths = [json.loads(line)["path"] for line in logged.splitlines() if '"event": "request"' in line]
    assert {"/files/<redacted>", "/verify/<redacted>", "/api/v1/certificates/verify/<redacted>"} <= set(paths)
    assert f"/api/v1/files/{uploaded['id']}" in paths        # a plain id is no secret and stays


def test_the_access_log_shows_file_links_and_certificate_tokens_redacted():
    """The access log the app writes under any server (AccessLog), for real WSGI calls of each kind of path."""
    lines: list[str] = []

    def answer(environ, start_response):
        start_response("200 OK", [("Content-Type", "image/jpeg")])
        return [b"x" * 512]

    logged = AccessLog(answer, lines.append)
    for uri in ("/files/eyJmIjo0Mn0.c2lnbmF0dXJl", "/verify/Zq8VvW2xXjT4kLmN9pQr/pdf?from=qr",
                "/api/v1/certificates/verify/Zq8VvW2xXjT4kLmN9pQr", "/api/v1/files/42",
                "/api/v1/data-export-files/eyJ4IjoxfQ.c2ln"):
        path, _, query = uri.partition("?")
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": path, "QUERY_STRING": query,
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.8"}
        body = logged(environ, lambda status, headers, exc_info=None: None)
        assert b"".join(body) == b"x" * 512
        body.close()
    assert [line.split('"')[1] for line in lines] == [
        "GET /files/<redacted>", "GET /verify/<redacted>/pdf", "GET /api/v1/certificates/verify/<redacted>",
        "GET /api/v1/files/42", "GET /api/v1/data-export-files/<redacted>"]
    assert all(line.startswith("10.0.0.8 [") and '" 200 512 ' in line for line in lines)
    assert not any("eyJmIjo0Mn0" in line or "Zq8VvW2x" in line or "from=qr" in line or "eyJ4Ijox" in line
                   for line in lines)


def test_the_backup_commands_print_no_password_or_cipher_pass_when_pgbackrest_fails(settings, process_env, tmp_path):
    """pgBackRest's own error is what `banshi backup` shows when it fails (here: no stanza, no server where the
    configuration points); the full drill checks the same on success (tests/backup/test_drill.py)."""
    if shutil.which("pgbackrest") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pgbackrest is needed (./test installs it: scripts/pgbackrest.sh)")
        pytest.skip("no pgbackrest here (./test installs it: scripts/pgbackrest.sh)")
    password, cipher_pass = "db-Password-9f2c71", "repo-cipher-pass-5b0e8d4a1c"
    env = dict(process_env, DATABASE_URL=make_url(settings.database_url).set(password=password).render_as_string(
                   hide_password=False),
               BACKUP_STANZA="secrets", BACKUP_REPO_PATH=str(tmp_path / "repo"),
               BACKUP_CONFIG_PATH=str(tmp_path / "pgbackrest.conf"), BACKUP_LOG_PATH=str(tmp_path / "log"),
               BACKUP_RUN_AS="", BACKUP_CIPHER_PASS=cipher_pass)
    configured = settings.model_copy(update={"backup_stanza": "secrets", "backup_repo_path": tmp_path / "repo",
                                             "backup_config_path": tmp_path / "pgbackrest.conf",
                                             "backup_log_path": tmp_path / "log", "backup_run_as": None,
                                             "backup_cipher_pass": cipher_pass})
    backup.write_config(configured, backup.Server(str(tmp_path / "no-data"), 1, str(tmp_path)))
    printed = []
    for arguments in (["run", "--type", "full"], ["info"]):
        finished = subprocess.run([sys.executable, "-m", "miniapp_api.cli", "backup", *arguments], env=env,
                                  capture_output=True, text=True, timeout=120, check=False)
        assert finished.returncode == 1, finished.stdout + finished.stderr
        printed.append(finished.stdout + finished.stderr)
    assert "pgbackrest backup failed" in printed[0] and "stanza secrets:" in printed[1]
    logs = "".join(path.read_text() for path in (tmp_path / "log").glob("*.log"))
    assert "--repo1-cipher-pass=<redacted>" in logs
    for text in (*printed, logs):
        assert password not in text and cipher_pass not in text


def test_a_key_rotation_logs_no_key_and_no_personal_value(app, intl_store, process_env):
    """`banshi keys rotate` decrypts every sealed value: its output and logs (at DEBUG) name tables, columns and
    counts, never a value, a data key or a private key."""
    env = dict(rotate_env(process_env, app), LOG_LEVEL="DEBUG")
    moved = run_rotate(env, "--chunk", "4")
    logged = moved.stdout + moved.stderr
    assert moved.returncode == 0, moved.stderr
    assert "keys.resealed" in logged and "re-sealed citizen.id_number_enc" in logged   # it did log its work
    data_keys = [part.partition(":")[2] for part in env["DATA_KEY"].split(",")]
    people = [id_number(FIRST + n) for n in range(PEOPLE + 2)] + [rotate_phone(n) for n in range(PEOPLE)]
    for secret in (*data_keys, env["CERTIFICATE_SIGNING_KEY"], *people, "张三", "周老板", "吴会计", "赵六"):
        assert secret not in logged


def test_building_and_downloading_my_data_logs_no_identifier_and_no_link(app, client, verified_login, db_session,
                                                                       capsys):
    """我的数据 decrypts the ID number and phone into the files: neither reaches a log, nor do the files' links."""
    number, phone = id_number(33), "13766665555"
    with time_machine.travel(MONDAY_8AM, tick=True):
        headers = verified_login("欧阳晓", number)
        assert client.patch("/api/v1/me", headers=headers, json={"phone": phone}).status_code == 200
        export_id = client.post("/api/v1/me/data-exports", headers=headers).get_json()["export"]["id"]
        assert mydata.claim(db_session, export_id, utcnow())
        assert mydata_export.build(db_session, app.extensions["banshi.cipher"], app.extensions["banshi.storage"],
                                   export_id, utcnow())
        db_session.commit()
        files = client.get("/api/v1/me/data-exports", headers=headers).get_json()["exports"][0]["files"]
        downloaded = [client.get(f["url"], headers=headers) for f in files]
    assert [d.status_code for d in downloaded] == [200, 200]
    assert number.encode() in downloaded[0].data      # it is in the file...
    logged = capsys.readouterr()
    logged = logged.out + logged.err
    assert '"event": "mydata.built"' in logged
    for secret in (number, phone, "欧阳晓", *(f["url"].rsplit("/", 1)[1] for f in files)):
        assert secret not in logged                    # ...and in no log
    assert "/api/v1/data-export-files/<redacted>" in logged
