"""Sending to real servers on 127.0.0.1: the exact request each platform receives (with the DingTalk and Feishu
signatures recomputed here from the secret and timestamp per their documentation), the platforms' error answers,
and email over plain SMTP, STARTTLS and implicit TLS with login and a PDF attachment that arrives intact."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import urllib.parse

import pytest
from pypdf import PdfReader, PdfWriter
from werkzeug import Response

from ecomops.ops.delivery import senders
from ecomops.ops.delivery.model import Destination, Message, validate_destination
from tests.delivery_servers import free_port, http_server, smtp_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

NOW = 1731718800.25  # the signing clock: 2024-11-16 01:00:00.25 UTC
LINK = "https://ecomops.example.com/data_review?start=2026-11-09&end=2026-11-15"


def review_message(**kw) -> Message:
    values = dict(title="周报 2026-W46（11-09 至 11-15）",
                  lines=["GMV：¥425,475.32（周环比 +494.8%，同比 +52.8%）", "订单数：709（周环比 +476.4%，同比 +55.5%）"],
                  language="zh", link=LINK, link_label="打开完整报告", subscription="weekly", kind="weekly_review",
                  occurrence="2026-W46", data={"kpis": {"gmv": 425475.32}})
    values.update(kw)
    return Message(**values)


def small_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "ecomops test review"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def server():
    with http_server() as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(server):
    server.clear()
    yield


def _dest(kind: str, url: str, **secrets) -> Destination:
    return validate_destination(Destination(kind, kind, {"timeout": 5}, {"url": url, **secrets}))


def test_each_platform_receives_its_documented_payload(server):
    answers = {"/cgi-bin/webhook/send": {"errcode": 0, "errmsg": "ok"}, "/robot/send": {"errcode": 0, "errmsg": "ok"},
               "/open-apis/bot/v2/hook/hook-id": {"code": 0, "msg": "success", "data": {}}}
    for path, answer in answers.items():
        server.expect_request(path, method="POST").respond_with_json(answer)
    server.expect_request("/services/T0/B0/XXXX", method="POST").respond_with_data("ok")
    server.expect_request("/hook", method="POST").respond_with_data("", status=204)
    msg = review_message()
    destinations = [
        _dest("wecom", server.url_for("/cgi-bin/webhook/send?key=wecom-key-1")),
        _dest("dingtalk", server.url_for("/robot/send?access_token=ding-token-2"), secret="SECding-secret-3"),
        _dest("feishu", server.url_for("/open-apis/bot/v2/hook/hook-id"), secret="feishu-secret-4"),
        _dest("slack", server.url_for("/services/T0/B0/XXXX")),
        _dest("webhook", server.url_for("/hook"), secret="hook-secret-5", headers={"Authorization": "Bearer abc"}),
    ]
    receipts = [senders.send(d, msg, clock=lambda: NOW) for d in destinations]
    assert receipts == ["HTTP 200 code 0", "HTTP 200 code 0", "HTTP 200 code 0", "HTTP 200", "HTTP 204"]
    requests = {r.path: r for r, _ in server.log}
    for r in requests.values():
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"

    markdown = ("### 周报 2026-W46（11-09 至 11-15）\n\n- GMV：¥425,475.32（周环比 +494.8%，同比 +52.8%）\n"
                "- 订单数：709（周环比 +476.4%，同比 +55.5%）\n\n[打开完整报告](" + LINK + ")")
    wecom = requests["/cgi-bin/webhook/send"]
    assert wecom.args.to_dict() == {"key": "wecom-key-1"}
    assert wecom.get_json() == {"msgtype": "markdown", "markdown": {"content": markdown}}

    # DingTalk: timestamp in milliseconds and sign in the query string; the sign recomputed per the documentation.
    ding = requests["/robot/send"]
    timestamp = str(int(NOW * 1000))
    digest = hmac.new(b"SECding-secret-3", f"{timestamp}\nSECding-secret-3".encode(), hashlib.sha256).digest()
    assert ding.args.to_dict() == {"access_token": "ding-token-2", "timestamp": timestamp,
                                   "sign": base64.b64encode(digest).decode()}
    assert f"sign={urllib.parse.quote_plus(base64.b64encode(digest))}" in ding.query_string.decode()
    assert ding.get_json() == {"msgtype": "markdown", "markdown": {"title": msg.title, "text": markdown}}

    # Feishu: timestamp in seconds and sign in the body; key = timestamp + "\n" + secret, empty message.
    feishu = requests["/open-apis/bot/v2/hook/hook-id"]
    ts = int(NOW)
    sign = base64.b64encode(hmac.new(f"{ts}\nfeishu-secret-4".encode(), b"", hashlib.sha256).digest()).decode()
    assert feishu.get_json() == {"timestamp": str(ts), "sign": sign, "msg_type": "post", "content": {"post": {"zh_cn": {
        "title": msg.title, "content": [[{"tag": "text", "text": msg.lines[0]}], [{"tag": "text", "text": msg.lines[1]}],
                                        [{"tag": "a", "text": "打开完整报告", "href": LINK}]]}}}}

    assert requests["/services/T0/B0/XXXX"].get_json() == {"text": "*周报 2026-W46（11-09 至 11-15）*\n"
        "• GMV：¥425,475.32（周环比 +494.8%，同比 +52.8%）\n• 订单数：709（周环比 +476.4%，同比 +55.5%）\n"
        "<" + LINK + "|打开完整报告>"}

    hook = requests["/hook"]
    body = hook.get_data()
    assert hook.headers["X-Ecomops-Signature"] == "sha256=" + hmac.new(b"hook-secret-5", body, hashlib.sha256).hexdigest()
    assert hook.headers["Authorization"] == "Bearer abc"
    assert json.loads(body) == {"source": "ecomops", "version": 1, "subscription": "weekly", "kind": "weekly_review",
                                "occurrence": "2026-W46", "language": "zh", "severity": "info", "title": msg.title,
                                "summary": msg.lines, "link": LINK, "data": {"kpis": {"gmv": 425475.32}}}


@pytest.mark.parametrize("answer, status, retryable", [
    ({"errcode": 310000, "errmsg": "sign not match"}, 200, False),  # DingTalk: wrong signature
    ({"errcode": 130101, "errmsg": "send too fast"}, 200, True),  # DingTalk: rate limit
    ("Internal Server Error", 500, True),
    ("Too Many Requests", 429, True),
    ("Not Found", 404, False),
    ("<html>not json</html>", 200, False),
])
def test_error_answers_fail_with_the_reason_and_no_secret(server, answer, status, retryable):
    if isinstance(answer, dict):
        server.expect_request("/robot/send").respond_with_json(answer, status=status)
    else:
        server.expect_request("/robot/send").respond_with_data(answer, status=status)
    dest = _dest("dingtalk", server.url_for("/robot/send?access_token=ding-token-2"), secret="SECding-secret-3")
    with pytest.raises(senders.DeliveryError) as caught:
        senders.send(dest, review_message(), clock=lambda: NOW)
    assert caught.value.retryable is retryable
    text = str(caught.value)
    assert (str(status) in text or str(answer.get("errcode", "")) in text) if isinstance(answer, dict) else str(status) in text
    assert "ding-token-2" not in text and "SECding-secret-3" not in text


def test_unreachable_server_is_retryable_and_the_error_hides_the_token():
    port = free_port()  # nothing listens there
    dest = _dest("wecom", f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=wecom-key-should-not-leak")
    with pytest.raises(senders.DeliveryError) as caught:
        senders.send(dest, review_message())
    assert caught.value.retryable and "could not reach" in str(caught.value)
    assert "wecom-key-should-not-leak" not in str(caught.value)


def test_a_token_in_the_url_path_is_hidden_too():
    port = free_port()
    dest = _dest("slack", f"http://127.0.0.1:{port}/services/T0AAAAAAA/B0BBBBBBB/slackpathtoken123")
    with pytest.raises(senders.DeliveryError) as caught:
        senders.send(dest, review_message())
    assert "slackpathtoken123" not in str(caught.value) and "T0AAAAAAA" not in str(caught.value)


def test_redirects_are_not_followed(server):
    server.expect_request("/services/T0/B0/XXXX").respond_with_response(
        Response(status=302, headers={"Location": "/elsewhere"}))
    with pytest.raises(senders.DeliveryError, match="HTTP 302") as caught:
        senders.send(_dest("slack", server.url_for("/services/T0/B0/XXXX")), review_message())
    assert not caught.value.retryable and [r.path for r, _ in server.log] == ["/services/T0/B0/XXXX"]


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_email_with_login_and_the_pdf_attachment_arriving_intact(tmp_path, security):
    pdf = small_pdf()
    with smtp_server(tmp_path, security, "reports@example.com", "mail-pw-6") as smtp:
        dest = validate_destination(Destination("mail", "email", {
            "host": "127.0.0.1", "port": smtp.port, "security": security, "username": "reports@example.com",
            "sender": "ecomops <reports@example.com>", "to": ["boss@example.com", "ops@example.com"],
            "ca_file": smtp.ca_file, "timeout": 10}, {"password": "mail-pw-6"}))
        receipt = senders.send(dest, review_message(pdf=lambda: pdf, pdf_name="ecomops_weekly_review_2026-W46.pdf"),
                               with_pdf=True)
        assert receipt == "SMTP accepted for 2 of 2 recipient(s)"
        assert smtp.logins == ["reports@example.com"]
        [got] = smtp.received
    assert got.mail_from == "reports@example.com" and got.rcpt_tos == ["boss@example.com", "ops@example.com"]
    mail = got.message
    assert mail["Subject"] == "周报 2026-W46（11-09 至 11-15）"
    plain = mail.get_body(("plain",)).get_content()
    assert "GMV：¥425,475.32（周环比 +494.8%，同比 +52.8%）" in plain and "完整报告见附件 PDF" in plain and LINK in plain
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "ecomops_weekly_review_2026-W46.pdf"
    content = attachment.get_content()
    assert hashlib.sha256(content).hexdigest() == hashlib.sha256(pdf).hexdigest()
    assert PdfReader(io.BytesIO(content)).metadata.title == "ecomops test review"


def test_email_login_refused_and_untrusted_certificate_are_not_retried(tmp_path):
    with smtp_server(tmp_path, "starttls", "reports@example.com", "right-pw") as smtp:
        settings = {"host": "127.0.0.1", "port": smtp.port, "security": "starttls", "username": "reports@example.com",
                    "to": ["boss@example.com"], "timeout": 10}
        wrong = validate_destination(Destination("m", "email", {**settings, "ca_file": smtp.ca_file},
                                                 {"password": "wrong-pw-7"}))
        with pytest.raises(senders.DeliveryError, match="login refused: 535") as caught:
            senders.send(wrong, review_message())
        assert not caught.value.retryable and "wrong-pw-7" not in str(caught.value)
        untrusted = validate_destination(Destination("m", "email", settings, {"password": "right-pw"}))
        with pytest.raises(senders.DeliveryError, match="certificate is not trusted") as caught:
            senders.send(untrusted, review_message())
        assert not caught.value.retryable and smtp.received == []


def test_a_pdf_that_cannot_be_rendered_is_a_retryable_failure(tmp_path):
    def broken() -> bytes:
        raise RuntimeError("Chromium did not start")

    with smtp_server(tmp_path) as smtp:
        dest = validate_destination(Destination("m", "email", {"host": "127.0.0.1", "port": smtp.port,
                                                               "security": "none", "sender": "r@example.com",
                                                               "to": ["a@example.com"]}))
        with pytest.raises(senders.DeliveryError, match="could not render the PDF.*Chromium did not start") as caught:
            senders.send(dest, review_message(pdf=broken), with_pdf=True)
        assert caught.value.retryable and smtp.received == []
        senders.send(dest, review_message(pdf=broken), with_pdf=False)  # the PDF is rendered only when attached
        assert len(smtp.received) == 1
