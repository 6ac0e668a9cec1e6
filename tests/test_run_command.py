"""README's run command end to end: embedded servers, emulator, web, worker, scheduler, demo data."""

import os
import signal
import socket
import subprocess
import sys
import time

import psycopg
import pytest
import requests

from miniapp_api.notifications.templates import load_templates
from miniapp_api.platform.privacy import id_check_digit

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not become ready")
        time.sleep(0.5)


def book_through_the_stack(api: str, wechat: str, token: str, openid: str) -> None:
    """As a citizen on the demo data: face verification, earliest slot, consent, book; the worker pushes
    the confirmation."""

    headers = {"Authorization": f"Bearer {token}"}
    first17 = "37150219850505123"
    started = requests.post(f"{api}/api/v1/me/verifications", headers=headers, timeout=10,
                            json={"real_name": "陈静", "id_number": first17 + id_check_digit(first17)})
    assert started.status_code == 201, started.text
    assert requests.post(f"{wechat}/emulator/facial-verify", timeout=5, json={
        "verify_id": started.json()["verify_id"], "openid": openid, "verify_ret": 10000}).status_code == 200
    confirmed = requests.post(f"{api}/api/v1/me/verifications/{started.json()['id']}/confirm", headers=headers,
                              timeout=10)
    assert confirmed.status_code == 200 and confirmed.json()["verified"], confirmed.text
    # A one-slot item: the centre list's earliest free slot does not yet account for items that need
    # several consecutive slots (noted on the booking issue), and this test runs at any time of day.
    item = requests.get(f"{api}/api/v1/items", params={"q": "tzsbzyry"}, timeout=10).json()["items"][0]
    centre = requests.get(f"{api}/api/v1/centres", params={"item": item["code"]}, timeout=10).json()["centres"][0]
    day = centre["earliest_free_slot"][:10]
    slots = requests.get(f"{api}/api/v1/centres/{centre['id']}/slots", params={"item": item["code"], "date": day},
                         timeout=10).json()["slots"]
    slot = next(s for s in slots if s["starts_at"] == centre["earliest_free_slot"])
    template_id = load_templates()["appointment_status"].template_id
    # Tapping "accept" in wx.requestSubscribeMessage: WeChat records it, and the mini-program tells us.
    requests.post(f"{wechat}/emulator/consents", json={"openid": openid, "template_id": template_id}, timeout=5)
    requests.post(f"{api}/api/v1/subscriptions", headers=headers, json={"results": {template_id: "accept"}}, timeout=10)
    booked = requests.post(f"{api}/api/v1/appointments", headers=headers, timeout=10,
                           json={"slot_id": slot["id"], "item_codes": [item["code"]]})
    assert booked.status_code == 201, booked.text
    deadline = time.monotonic() + 30
    while not requests.get(f"{api}/api/v1/messages", headers=headers, timeout=5).json()["messages"]:
        assert time.monotonic() < deadline, "the confirmation never reached the message centre"
        time.sleep(0.5)
    [message] = requests.get(f"{api}/api/v1/messages", headers=headers, timeout=5).json()["messages"]
    assert message["title"] == "预约成功"
    while message["push_status"] in ("pending", "sending"):  # the worker has to run the job
        assert time.monotonic() < deadline, "the worker never handled the confirmation"
        time.sleep(0.5)
        message = requests.get(f"{api}/api/v1/messages", headers=headers, timeout=5).json()["messages"][0]
    assert message["push_status"] == "sent", message
    [pushed] = requests.get(f"{wechat}/emulator/inbox", params={"openid": openid}, timeout=5).json()
    assert pushed["template_id"] == template_id and pushed["data"]["phrase4"] == "预约成功"


def test_dev_command_brings_everything_up_and_down(tmp_path):
    web, wechat = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "WECHAT_API_BASE", "BANSHI_ENV")}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), BANSHI_ENV="development")
    process = subprocess.Popen([sys.executable, "-m", "miniapp_api.cli", "dev", "--port", str(web),
                                "--emulator-port", str(wechat)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        ready = wait_for(f"http://127.0.0.1:{web}/readyz")
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
        grant = requests.post(f"http://127.0.0.1:{wechat}/emulator/login-codes", json={}, timeout=5).json()
        code = grant["code"]
        login = requests.post(f"http://127.0.0.1:{web}/api/v1/auth/login", json={"code": code}, timeout=10)
        assert login.status_code == 200, login.text
        book_through_the_stack(f"http://127.0.0.1:{web}", f"http://127.0.0.1:{wechat}", login.json()["token"],
                               grant["openid"])
        spec = requests.get(f"http://127.0.0.1:{web}/api/v1/openapi.json", timeout=5).json()
        assert "/api/v1/me" in spec["paths"]
        # The console and the simulator are served: the phone at /simulator/mp/ with the mini-program's own pages
        # bundled on request (utils/request.js among them), and it reaches the emulator through gunicorn.
        assert "工作人员登录" in requests.get(f"http://127.0.0.1:{web}/console/login", timeout=5).text
        assert "办事通" in requests.get(f"http://127.0.0.1:{web}/simulator/mp/", timeout=5).text
        bundle = requests.get(f"http://127.0.0.1:{web}/simulator/mp/miniprogram.js", timeout=90)
        assert bundle.status_code == 200, bundle.text[:500]
        assert "createClient" in bundle.text and "pages/me/index" in bundle.text
        sim_code = requests.post(f"http://127.0.0.1:{web}/simulator/wechat/login-codes", json={"openid": "o-run"},
                                 timeout=5)
        assert sim_code.status_code == 201 and sim_code.json()["openid"] == "o-run"
        pgdata = tmp_path / "instance" / "pgdata"
        with psycopg.connect(f"postgresql://postgres@/banshi?host={pgdata}") as connection:
            centres = connection.execute("SELECT count(*) FROM centre").fetchone()[0]
            items = connection.execute("SELECT count(*) FROM service_item").fetchone()[0]
        assert centres >= 9 and items >= 9
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode in (0, 130), output[-3000:]  # 130: stopped by Ctrl-C
    assert not (tmp_path / "instance" / "pgdata" / "postmaster.pid").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{web}/healthz", timeout=2)
