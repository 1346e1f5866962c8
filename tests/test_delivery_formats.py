"""Delivery without servers: signatures per the platforms' documentation, payload shapes, the schedule's occurrences,
configuration parsing and validation, redaction of secrets, and the guard against personal data."""
from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ecomops import db
from ecomops.ops.delivery import config_file, formats, schedule, store
from ecomops.ops.delivery.model import (
    Destination, Message, Subscription, redact_error, scrub, validate_destination, validate_subscription,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def message(**kw) -> Message:
    values = dict(title="Weekly review 2026-W45", lines=["GMV: ¥1,000.00 (+5.0% WoW)", "Orders: 10 (-2.0% WoW)"],
                  language="en", link="https://ecomops.example.com/data_review?start=2026-11-02&end=2026-11-08",
                  link_label="Open the review", subscription="weekly", kind="weekly_review", occurrence="2026-W45")
    values.update(kw)
    return Message(**values)


# ------------------------------------------------------------------------------------------------------------------
# Signatures


def test_dingtalk_sign_follows_the_documented_recipe():
    # DingTalk (custom robot, 加签): string_to_sign = timestamp + "\n" + secret; HmacSHA256 keyed with the secret;
    # Base64; then urlEncode. Computed here step by step, independently of the module.
    ts, secret = 1731718800123, "SEC0123456789abcdef+/="
    digest = hmac.new(secret.encode("utf-8"), f"{ts}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    expected = urllib.parse.quote_plus(base64.b64encode(digest))
    assert formats.dingtalk_sign(ts, secret) == expected
    # A value published by another implementation (the Rust `dingding` crate's test), for a fixed input.
    assert formats.dingtalk_sign(1700000000000, "secret") == "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    url = formats.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=T", ts, secret)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query == {"access_token": ["T"], "timestamp": [str(ts)], "sign": [base64.b64encode(digest).decode()]}
    assert formats.dingtalk_url("https://x/robot/send?access_token=T", ts, None) == "https://x/robot/send?access_token=T"


def test_feishu_sign_uses_timestamp_and_secret_as_the_key_over_an_empty_message():
    # Feishu (自定义机器人 签名校验): key = timestamp + "\n" + secret, HmacSHA256 over an empty message, Base64.
    ts, secret = 1731718800, "feishu-secret"
    expected = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert formats.feishu_sign(ts, secret) == expected
    # Keying with the secret instead (DingTalk's way) gives another value: the two schemes are not interchangeable.
    wrong = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert expected != wrong
    payload = formats.feishu_payload(message(), ts, secret)
    assert payload["timestamp"] == str(ts) and payload["sign"] == expected


def test_generic_webhook_signature_is_hmac_of_the_body():
    body = b'{"a":1}'
    assert formats.webhook_signature(body, "k") == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------------------------------------------------------
# Bodies


def test_platform_payloads_have_the_documented_shape():
    msg = message()
    md = ("### Weekly review 2026-W45\n\n- GMV: ¥1,000.00 (+5.0% WoW)\n- Orders: 10 (-2.0% WoW)\n\n"
          "[Open the review](https://ecomops.example.com/data_review?start=2026-11-02&end=2026-11-08)")
    assert formats.wecom_payload(msg) == {"msgtype": "markdown", "markdown": {"content": md}}
    assert formats.dingtalk_payload(msg) == {"msgtype": "markdown",
                                             "markdown": {"title": "Weekly review 2026-W45", "text": md}}
    assert formats.feishu_payload(msg) == {"msg_type": "post", "content": {"post": {"en_us": {
        "title": "Weekly review 2026-W45",
        "content": [[{"tag": "text", "text": "GMV: ¥1,000.00 (+5.0% WoW)"}],
                    [{"tag": "text", "text": "Orders: 10 (-2.0% WoW)"}],
                    [{"tag": "a", "text": "Open the review", "href": msg.link}]]}}}}
    assert formats.feishu_payload(message(language="zh"))["content"]["post"].keys() == {"zh_cn"}
    assert formats.slack_payload(msg) == {"text": "*Weekly review 2026-W45*\n• GMV: ¥1,000.00 (+5.0% WoW)\n"
                                                  "• Orders: 10 (-2.0% WoW)\n<" + msg.link + "|Open the review>"}
    hook = formats.webhook_payload(message(data={"kpis": {"gmv": 1000.0, "bad": float("nan")}}))
    assert hook["summary"] == msg.lines and hook["occurrence"] == "2026-W45" and hook["data"]["kpis"]["bad"] is None
    assert formats.json_body(hook).decode("utf-8").count("¥") == 1  # UTF-8 as is, not \\u escapes


def test_markdown_and_slack_escape_what_would_be_syntax():
    msg = message(title="A*B_C", lines=["x < y & [z]"], link=None)
    assert formats.markdown(msg) == "### A\\*B\\_C\n\n- x < y & \\[z\\]"
    assert formats.slack_payload(msg)["text"] == "*A*B_C*\n• x &lt; y &amp; [z]"


def test_wecom_content_is_cut_to_4096_utf8_bytes():
    msg = message(lines=[f"第 {i} 行：{'很长的中文说明' * 10}" for i in range(60)])
    content = formats.wecom_payload(msg)["markdown"]["content"]
    assert len(content.encode("utf-8")) <= formats.WECOM_MAX_BYTES
    assert content.startswith("### Weekly review") and "- …" in content and content.endswith(msg.link + ")")


def test_email_has_text_html_and_the_pdf_only_when_asked():
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    msg = message(pdf=lambda: pdf, pdf_name="review.pdf")
    mail = formats.email_message(msg, "ecomops <reports@example.com>", ["a@example.com", "b@example.com"], True)
    assert mail["Subject"] == "Weekly review 2026-W45" and mail["To"] == "a@example.com, b@example.com"
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["review.pdf"]
    assert attachments[0].get_content() == pdf and attachments[0].get_content_type() == "application/pdf"
    plain = mail.get_body(("plain",)).get_content()
    assert "- GMV: ¥1,000.00 (+5.0% WoW)" in plain and "attached as a PDF" in plain and msg.link in plain
    assert "<li>Orders: 10 (-2.0% WoW)</li>" in mail.get_body(("html",)).get_content()
    without = formats.email_message(msg, "reports@example.com", ["a@example.com"], False)
    assert list(without.iter_attachments()) == [] and "PDF" not in without.get_body(("plain",)).get_content()


def test_scrub_removes_emails_and_phone_numbers_and_keeps_money():
    assert scrub("call 13812345678 or +86 138-1234-5678, mail li.lei@example.cn") == \
        "call [redacted] or [redacted], mail [redacted]"
    assert scrub("GMV ¥12,345,678.00 (+5.0%), 2026-11-09, 709 orders") == \
        "GMV ¥12,345,678.00 (+5.0%), 2026-11-09, 709 orders"
    msg = message(lines=["buyer li.lei@example.cn wrote"], data={"x": ["13812345678"]})
    assert formats.webhook_payload(msg)["summary"] == ["buyer [redacted] wrote"]
    assert formats.webhook_payload(msg)["data"] == {"x": ["[redacted]"]}


# ------------------------------------------------------------------------------------------------------------------
# Secrets


def test_destination_repr_and_redacted_view_hide_secrets():
    dest = validate_destination(Destination("ding", "dingtalk", {}, {
        "url": "https://oapi.dingtalk.com/robot/send?access_token=tok123456", "secret": "SECabcdef"}))
    shown = f"{dest!r} {dest.redacted()}"
    assert "tok123456" not in shown and "SECabcdef" not in shown
    assert dest.redacted()["url"] == "https://oapi.dingtalk.com/… (set)" and dest.redacted()["secret"] == "(set)"
    mail = validate_destination(Destination("m", "email", {"host": "smtp.example.com", "username": "u@example.com",
                                                           "to": "boss@example.com"}, {"password": "env:SMTP_PW"}))
    assert mail.settings["port"] == 587 and mail.settings["sender"] == "u@example.com"
    assert mail.redacted()["password"] == "(from $SMTP_PW)"


def test_redact_error_removes_secrets_in_every_form():
    secrets = ["tok/123+456", "SECabc"]
    text = ("POST https://h/robot/send?access_token=tok%2F123%2B456&timestamp=1&sign=xyz failed; "
            "secret SECabc; key=tok/123+456")
    cleaned = redact_error(text, secrets)
    assert "123" not in cleaned and "SECabc" not in cleaned and "sign=xyz" not in cleaned
    assert cleaned == ("POST https://h/robot/send?access_token=•••&timestamp=•••&sign=••• failed; secret •••; "
                       "key=•••")


def test_env_secrets_resolve_at_send_time(monkeypatch):
    dest = Destination("s", "slack", {}, {"url": "env:ECOMOPS_TEST_SLACK_URL"})
    with pytest.raises(ValueError, match="ECOMOPS_TEST_SLACK_URL"):
        dest.secret("url")
    monkeypatch.setenv("ECOMOPS_TEST_SLACK_URL", "https://hooks.slack.com/services/T/B/X")
    assert dest.secret("url") == "https://hooks.slack.com/services/T/B/X"


@pytest.mark.parametrize("dest, error", [
    (Destination("bad name", "slack", {}, {"url": "https://x"}), "name"),
    (Destination("x", "pager", {}, {}), "kind"),
    (Destination("x", "slack", {}, {}), "url"),
    (Destination("x", "slack", {}, {"url": "ftp://x"}), "https://"),
    (Destination("x", "slack", {"host": "h"}, {"url": "https://x"}), "unknown setting"),
    (Destination("x", "email", {"host": "h", "to": ["nobody"], "sender": "a@b.cn"}, {}), "email addresses"),
    (Destination("x", "email", {"host": "h", "to": ["a@b.cn"], "sender": "a@b.cn", "security": "tls"}, {}), "security"),
    (Destination("x", "email", {"to": ["a@b.cn"], "sender": "a@b.cn"}, {}), "host"),
])
def test_destination_validation_names_the_problem(dest, error):
    with pytest.raises(ValueError, match=error):
        validate_destination(dest)


@pytest.mark.parametrize("changes, error", [
    ({"kind": "daily_digest"}, "kind"), ({"destinations": ()}, "at least one"), ({"destinations": ("nope",)}, "unknown"),
    ({"time_of_day": "9:00"}, "HH:MM"), ({"time_of_day": "24:00"}, "HH:MM"), ({"timezone": "Mars/Base"}, "timezone"),
    ({"language": "fr"}, "language"), ({"severities": ("info",)}, "severities"),
])
def test_subscription_validation_names_the_problem(changes, error):
    sub = Subscription("weekly", "weekly_review", ("mail",))
    validate_subscription(sub, {"mail"})
    with pytest.raises(ValueError, match=error):
        validate_subscription(Subscription(**{**sub.__dict__, **changes}), {"mail"})


# ------------------------------------------------------------------------------------------------------------------
# Schedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_weekly_occurrence_is_monday_local_time_for_the_previous_iso_week():
    sub = Subscription("w", "weekly_review", ("d",), "09:00", "Asia/Shanghai")
    before = schedule.latest_occurrence(sub, at("2026-11-16T08:59+08:00"))
    after = schedule.latest_occurrence(sub, at("2026-11-16T09:00+08:00"))
    assert (before.key, before.period_start, before.period_end) == ("2026-W45", date(2026, 11, 2), date(2026, 11, 8))
    assert (after.key, after.period_start, after.period_end) == ("2026-W46", date(2026, 11, 9), date(2026, 11, 15))
    assert after.due_at == datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai = 01:00 UTC
    nxt = schedule.next_occurrence(sub, at("2026-11-16T09:00+08:00"))
    assert nxt.key == "2026-W47" and nxt.due_at == datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
    # Year boundary: Monday 2027-01-04 reviews ISO week 2026-W53 (Mon 2026-12-28 .. Sun 2027-01-03).
    assert schedule.latest_occurrence(sub, at("2027-01-04T10:00+08:00")).key == "2026-W53"


def test_monthly_and_daily_occurrences_and_the_count_of_missed_ones():
    monthly = Subscription("m", "monthly_review", ("d",), "08:30", "Asia/Shanghai")
    occ = schedule.latest_occurrence(monthly, at("2026-03-01T08:30+08:00"))
    assert (occ.key, occ.period_start, occ.period_end) == ("2026-02", date(2026, 2, 1), date(2026, 2, 28))
    assert schedule.latest_occurrence(monthly, at("2026-03-01T08:29+08:00")).key == "2026-01"
    assert schedule.occurrences_between(monthly, date(2025, 11, 1), date(2026, 3, 1)) == 3
    daily = Subscription("a", "alerts", ("d",), "09:00", "America/New_York")
    occ = schedule.latest_occurrence(daily, at("2026-11-10T02:00+00:00"))  # 21:00 on the 9th in New York
    assert occ.key == "2026-11-09" and occ.period_end == date(2026, 11, 8)
    assert occ.due_at == datetime(2026, 11, 9, 14, 0, tzinfo=timezone.utc)  # EST (UTC-5) after the DST change
    assert schedule.occurrences_between(daily, date(2026, 11, 1), date(2026, 11, 5)) == 3


def test_now_without_an_offset_is_in_the_delivery_timezone():
    assert schedule.parse_now("2026-11-16T09:30", "Asia/Shanghai") == datetime(2026, 11, 16, 1, 30, tzinfo=timezone.utc)
    assert schedule.parse_now("2026-11-16T09:30Z", "Asia/Shanghai") == datetime(2026, 11, 16, 9, 30, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="ISO"):
        schedule.parse_now("next monday", "Asia/Shanghai")
    assert abs(schedule.parse_now(None, "UTC") - datetime.now(timezone.utc)) < timedelta(seconds=5)


# ------------------------------------------------------------------------------------------------------------------
# Configuration file and tables

CONFIG = """
[delivery]
base_url = "https://ecomops.example.com"
max_attempts = 3

[destinations.mail]
kind = "email"
host = "smtp.example.com"
security = "ssl"
username = "reports@example.com"
password = "s3cret-pw"
to = ["boss@example.com"]

[destinations.ding]
kind = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=tok-abcdef"
secret = "SEC-signing"

[subscriptions.weekly]
kind = "weekly_review"
destinations = ["mail", "ding"]
time = "09:00"
language = "zh"

[subscriptions.alerts]
kind = "alerts"
destinations = "ding"
timezone = "Europe/Berlin"
severities = ["critical"]
language = "en"
"""


def test_config_file_seeds_the_tables_and_secrets_never_come_back(tmp_path):
    con = db.connect_memory()
    path = tmp_path / "delivery.toml"
    path.write_text(CONFIG, encoding="utf-8")
    version = db.data_version(con)
    applied = config_file.apply(con, path)
    assert [d.name for d in applied.destinations] == ["mail", "ding"] and db.data_version(con) > version
    assert store.settings(con).base_url == "https://ecomops.example.com" and store.settings(con).max_attempts == 3
    subs = store.subscriptions(con)
    assert subs["weekly"].destinations == ("mail", "ding") and subs["weekly"].timezone == "Asia/Shanghai"
    assert subs["alerts"].severities == ("critical",) and subs["alerts"].timezone == "Europe/Berlin"
    assert store.destinations(con)["mail"].settings["port"] == 465  # SSL's default port
    shown = repr(store.destinations_redacted(con))
    for secret in ("s3cret-pw", "tok-abcdef", "SEC-signing"):
        assert secret not in shown
    assert "smtp.example.com" in shown and "oapi.dingtalk.com" in shown
    # A form that leaves a secret empty keeps the stored one.
    store.save_destination(con, Destination("ding", "dingtalk", {"timeout": 5}, {"url": "", "secret": None}))
    assert store.destinations(con)["ding"].secrets["secret"] == "SEC-signing"
    with pytest.raises(ValueError, match="used by subscription"):
        store.delete_destination(con, "ding")


@pytest.mark.parametrize("text, error", [
    ("[destinations.x\nkind='slack'", "not valid TOML"),
    ("[mail]\nhost='h'", "unknown section"),
    ("[delivery]\ncolour='red'", "unknown \\[delivery\\] key"),
    ("[destinations.x]\nkind='slack'\nurl='https://h'\nchannel='#ops'", "unknown key"),
    ("[subscriptions.w]\nkind='weekly_review'\ndestinations=['nowhere']", "unknown destination"),
    ("[subscriptions.w]\nkind='weekly_review'\ndestinations=['d']\nat='09:00'", "unknown key"),
])
def test_a_bad_config_file_changes_nothing(tmp_path, text, error):
    con = db.connect_memory()
    path = tmp_path / "bad.toml"
    path.write_text("[destinations.d]\nkind = 'slack'\nurl = 'https://hooks.slack.com/services/A'\n" + text,
                    encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        config_file.apply(con, path)
    assert store.destinations(con) == {} and store.subscriptions(con) == {}
