"""The Scheduled delivery page: destinations and subscriptions configured in the app (secrets never shown again), a
test message per destination arriving at a real local server, the log with retries; in Chinese and English."""
from __future__ import annotations

import json
import shutil

import pytest

from ecomops import db
from ecomops.i18n import use_locale
from ecomops.ops.delivery import store, views
from ecomops.ops.delivery.model import Destination, Subscription
from tests.delivery_servers import http_server

PAGE = "pages/data_delivery.py"


@pytest.fixture
def con():
    connection = db.connect_memory()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def server():
    with http_server() as s:
        yield s


@pytest.fixture
def page_db(demo_db_path, tmp_path, monkeypatch):
    """A copy of the demo database for a page test that writes."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    return path


def test_form_values_become_a_destination():
    email = views.destination_from_form(" managers ", "email", {
        "host": "smtp.example.com", "security": "ssl", "port": "", "username": "reports@example.com",
        "password": "pw-1", "sender": "", "to": "ceo@example.com, ops@example.com;lead@example.com"})
    assert (email.name, email.kind) == ("managers", "email")
    assert email.settings == {"host": "smtp.example.com", "security": "ssl", "port": 465,
                              "username": "reports@example.com",
                              "to": ["ceo@example.com", "ops@example.com", "lead@example.com"]}
    assert email.secrets == {"password": "pw-1"}
    ding = views.destination_from_form("ding", "dingtalk", {"url": " https://oapi.dingtalk.com/robot/send?access_token=t ",
                                                            "secret": ""})
    assert ding.secrets == {"url": "https://oapi.dingtalk.com/robot/send?access_token=t"}
    with pytest.raises(ValueError, match="Port must be a whole number"):
        views.destination_from_form("m", "email", {"host": "h", "port": "5x"})


def test_tables_show_labels_and_never_a_secret(con):
    store.save_destination(con, Destination("ops-ding", "dingtalk", {}, {
        "url": "https://oapi.dingtalk.com/robot/send?access_token=tok-123456", "secret": "SECsecret-987"}))
    store.save_destination(con, Destination("boss", "email", {"host": "smtp.example.com", "security": "ssl",
                                                               "username": "r@example.com", "to": ["b@example.com"]},
                                            {"password": "pw-secret-1"}))
    store.save_subscription(con, Subscription("weekly", "weekly_review", ("boss", "ops-ding"), "09:00",
                                              "Asia/Shanghai", "zh"))
    store.save_subscription(con, Subscription("alerts", "alerts", ("ops-ding",), "09:30", "Asia/Shanghai", "en",
                                              severities=("critical",)))
    with use_locale("zh_CN"):
        dests = views.destinations_table(con)
        subs = views.subscriptions_table(con)
    assert dests.to_dict("records") == [
        {"name": "boss", "kind": "邮件", "target": "smtp.example.com:465 → b@example.com", "signed": None,
         "enabled": True},
        {"name": "ops-ding", "kind": "钉钉群机器人", "target": "https://oapi.dingtalk.com/… （已设置）", "signed": True,
         "enabled": True}]
    assert subs.to_dict("records") == [
        {"name": "alerts", "kind": "核心指标告警（严重）", "destinations": "ops-ding",
         "when": "每天 09:30（Asia/Shanghai）", "language": "English", "enabled": True},
        {"name": "weekly", "kind": "周报", "destinations": "boss, ops-ding", "when": "每周一 09:00（Asia/Shanghai）",
         "language": "中文", "enabled": True}]
    shown = json.dumps([dests.to_dict("records"), subs.to_dict("records")], ensure_ascii=False)
    assert not any(secret in shown for secret in ("tok-123456", "SECsecret-987", "pw-secret-1"))


def _labels(at) -> list[str]:
    return [b.label for b in at.button]


def test_page_empty_states_then_add_a_destination_and_test_it(app_test, page_db, server):
    server.expect_request("/hook", method="POST").respond_with_data("", status=204)
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Scheduled delivery"
    assert [i.value for i in at.info][:2] == [
        "No destinations yet: add an email account or a group robot below, then send it a test message.",
        "Nothing is sent yet: add a subscription below (the weekly review on Mondays, alerts every day …)."]

    at.selectbox(key="delivery_kind").set_value("webhook").run()
    at.text_input(key="delivery_name").input("ops-hook")
    at.text_input(key="delivery_field_webhook_url").input(server.url_for("/hook?token=hook-token-42"))
    at.text_input(key="delivery_field_webhook_secret").input("sign-secret-77")
    at.button[[b.label for b in at.button].index("Save destination")].click().run()
    assert not at.exception
    assert at.success[0].value == "Destination ops-hook saved."
    table = at.dataframe[0].value
    assert table.to_dict("records") == [{"name": "ops-hook", "kind": "JSON webhook",
                                         "target": "http://127.0.0.1:%d/… (set)" % server.port, "signed": True,
                                         "enabled": True}]
    page_text = json.dumps([e.value for e in at.main if hasattr(e, "value")], default=str)
    assert "hook-token-42" not in page_text and "sign-secret-77" not in page_text

    at.button(key="delivery_test_ops-hook").click().run()
    assert not at.exception
    assert at.success[0].value == "Test message sent to ops-hook: it should arrive in a moment."
    (request, _), = server.log
    assert request.args.to_dict() == {"token": "hook-token-42"}
    body = request.get_json()
    assert (body["kind"], body["language"]) == ("test", "en")
    log = at.dataframe[-1].value
    assert log[["what", "destination", "status", "attempts"]].to_dict("records") == [
        {"what": "Test message", "destination": "ops-hook", "status": "Sent", "attempts": 1}]


def test_page_subscription_saved_and_refusals_explained_in_chinese(app_test, page_db, monkeypatch):
    con = db.connect(page_db)
    store.save_destination(con, Destination("ops-wecom", "wecom", {}, {
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}))
    db.close(page_db)
    at = app_test()
    at.query_params["lang"] = "zh"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "定时推送"
    # AppTest formats select boxes in the test's thread: the same language as the page.
    with use_locale("zh_CN"):
        at.selectbox(key="delivery_sub_kind").set_value("weekly_review").run()
        at.text_input(key="delivery_sub_name").input("weekly")
        at.multiselect(key="delivery_sub_dests").select("ops-wecom")
        at.text_input(key="delivery_sub_time").input("25:00")
        at.button[_labels(at).index("保存订阅")].click().run()
        assert at.error[0].value.startswith("未保存：")
        at.text_input(key="delivery_sub_time").input("08:30")
        at.button[_labels(at).index("保存订阅")].click().run()
        assert at.success[0].value == "已保存订阅 weekly。"
        subs = at.dataframe[1].value
        assert subs.to_dict("records") == [{"name": "weekly", "kind": "周报", "destinations": "ops-wecom",
                                            "when": "每周一 08:30（Asia/Shanghai）", "language": "中文", "enabled": True}]
        # A destination in use cannot be deleted: said, and nothing removed.
        at.button(key="delivery_delete_ops-wecom").click().run()
        assert at.error[0].value.startswith("未删除：")
        assert list(at.dataframe[0].value["name"]) == ["ops-wecom"]
