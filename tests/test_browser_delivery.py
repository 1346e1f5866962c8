"""Real browser (Playwright + Debian Chromium): on Data → Scheduled delivery an admin adds a DingTalk group robot
with its signing secret, presses "Send test message", and the local robot server receives the signed test message;
the secret is not shown on the page afterwards."""
from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
from pathlib import Path

import pytest

from tests.browser import chromium, require_chromium, serve_app, wait_for_app
from tests.delivery_servers import http_server

pytestmark = pytest.mark.browser


def test_admin_adds_a_robot_and_the_test_message_arrives(demo_db_path, tmp_path: Path) -> None:
    require_chromium()
    home = tmp_path / "home"
    home.mkdir()
    db_copy = home / "demo.duckdb"
    shutil.copy(demo_db_path, db_copy)
    secret = "SECbrowser-signing-secret-1"
    with http_server() as robot, serve_app(db_copy, home) as url, chromium() as browser:
        robot.expect_request("/robot/send", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(90000)  # a loaded machine: clicks wait for the rerun before them
        page.goto(f"{url}/data_delivery")
        wait_for_app(page)
        page.get_by_text("No destinations yet").wait_for(timeout=60000)

        page.get_by_test_id("stSelectbox").filter(has_text="Kind").first.click()
        page.get_by_role("option", name="DingTalk group robot").click()
        page.get_by_role("textbox", name="Signing secret").wait_for(timeout=30000)
        page.get_by_role("textbox", name="Name", exact=True).first.fill("ops-dingtalk")
        page.get_by_role("textbox", name="Webhook address").fill(robot.url_for("/robot/send?access_token=browser-token-2"))
        page.get_by_role("textbox", name="Signing secret").fill(secret)
        page.get_by_role("button", name="Save destination").click()
        page.get_by_text("Destination ops-dingtalk saved.").wait_for(timeout=60000)

        page.get_by_role("button", name="Send test message").click()
        page.get_by_text("Test message sent to ops-dingtalk").wait_for(timeout=60000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert secret not in page.content() and "browser-token-2" not in page.content()
        page.close()

        (request, _), = robot.log
        args = request.args.to_dict()
        assert args["access_token"] == "browser-token-2"
        digest = hmac.new(secret.encode(), f"{args['timestamp']}\n{secret}".encode(), hashlib.sha256).digest()
        assert args["sign"] == base64.b64encode(digest).decode()
        body = request.get_json()
        assert body["msgtype"] == "markdown" and "ops-dingtalk" in body["markdown"]["text"]
