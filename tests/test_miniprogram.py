"""The reference mini-program: its Node tests run here (README's test command), and every page the
backend links to from a message exists in it."""

import json
import os
import re
import shutil
import subprocess

import pytest

from config.settings import PROJECT_ROOT
from miniapp_api.applications import services as applications
from miniapp_api.appointments.messages import RELATIONS
from miniapp_api.feedback import services as feedback
from miniapp_api.feedback.models import FeedbackKind
from miniapp_api.identity.messages import RELATIONS as FAMILY_RELATIONS
from miniapp_api.identity.models import Scope
from miniapp_api.licences import services as licences
from miniapp_api.notifications import appointments
from miniapp_api.ratings import rectifications
from miniapp_api.surveys import services as surveys

MINIPROGRAM = PROJECT_ROOT / "miniprogram"


def test_request_layer_and_page_logic_pass_nodes_test_runner():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Node.js is required in CI for the mini-program's tests")
        pytest.skip("no Node.js on this machine")
    result = subprocess.run([node, "--test", "test/"], cwd=MINIPROGRAM, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)", result.stdout, re.M).group(1))
    assert passed >= 16 and "# fail 0" in result.stdout


def test_every_page_a_message_links_to_exists_in_the_mini_program():
    pages = set(json.loads((MINIPROGRAM / "app.json").read_text())["pages"])
    linked = {module.PAGE.split("?")[0] for module in (applications, feedback, licences, appointments, rectifications,
                                                       surveys)} | {appointments.WAITLIST_PAGE.split("?")[0]}
    assert linked - pages == set()
    for page in pages:
        for suffix in (".js", ".wxml", ".json"):
            assert (MINIPROGRAM / f"{page}{suffix}").exists(), f"{page}{suffix}"


def test_the_shared_lists_match_the_api():
    """Relations and feedback kinds the pages offer are the values the API accepts."""

    source = (MINIPROGRAM / "utils" / "format.js").read_text()
    relations = re.search(r" RELATIONS = \[([^\]]*)\]", source).group(1)
    assert re.findall(r'"([^"]+)"', relations) == list(RELATIONS)
    family = re.search(r"FAMILY_RELATIONS = \[([^\]]*)\]", source).group(1)
    assert re.findall(r'"([^"]+)"', family) == list(FAMILY_RELATIONS)
    scopes = re.search(r"SCOPES = \[(.*?)\];", source, re.S).group(1)
    assert re.findall(r'\["(\w+)", "', scopes) == [s.value for s in Scope]
    kinds = re.search(r"FEEDBACK_KINDS = \[(.*?)\];", source, re.S).group(1)
    assert re.findall(r'\["(\w+)", "', kinds) == [k.value for k in FeedbackKind]
