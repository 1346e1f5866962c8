"""Each platform's documented message format and request signature, as pure functions of a :class:`Message`.

Sources (the rules each function follows are cited next to it):

* WeCom (企业微信) group robot: developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明) — POST JSON
  ``{"msgtype": "markdown", "markdown": {"content": ...}}`` to the webhook URL (which carries ``key=``); markdown
  content at most 4096 bytes of UTF-8; links as ``[text](url)``; answer ``{"errcode": 0, "errmsg": "ok"}``.
* DingTalk (钉钉) custom robot: open.dingtalk.com/document/robots/custom-robot-access (自定义机器人接入, 加签) and
  open.dingtalk.com/document/orgapp/custom-bot-send-message-type (消息类型) — POST JSON
  ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``; with the "signed" (加签) security setting
  the URL gets ``&timestamp=<ms>&sign=<sign>`` where sign = urlEncode(Base64(HmacSHA256(key=secret,
  message=timestamp + "\\n" + secret))), UTF-8, timestamp in milliseconds within one hour of DingTalk's clock;
  answer ``{"errcode": 0, "errmsg": "ok"}``.
* Feishu / Lark (飞书) custom bot: open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (自定义机器人使用指南)
  — POST JSON ``{"msg_type": "post", "content": {"post": {"zh_cn": {"title": ..., "content": [[{"tag": "text",
  "text": ...}], [{"tag": "a", "text": ..., "href": ...}]]}}}}`` (rich text: paragraphs of tagged elements); with
  signature verification (签名校验) the body also carries ``"timestamp"`` (seconds, as a string) and ``"sign"`` =
  Base64(HmacSHA256(key=timestamp + "\\n" + secret, message=empty)) — the key is the string to sign, the message is
  empty; answer ``{"code": 0, "msg": "success"}`` (older bots: ``{"StatusCode": 0}``).
* Slack incoming webhook: api.slack.com/messaging/webhooks and api.slack.com/reference/surfaces/formatting — POST
  JSON ``{"text": ...}`` in mrkdwn (``*bold*``, links as ``<url|text>``; ``&``, ``<``, ``>`` escaped as HTML
  entities); answer ``ok`` with HTTP 200.
* Generic webhook: ours (docs/delivery.md): JSON with the message's fields and facts; with a secret, the header
  ``X-Ecomops-Signature: sha256=<hex HMAC-SHA256 of the body>`` (the scheme GitHub webhooks use).
* Email: RFC 5322 via the standard library's ``email.message.EmailMessage`` — plain text and HTML alternatives,
  the PDF as an ``application/pdf`` attachment.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
from dataclasses import replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import quote_plus

from ecomops.ops.delivery.model import Message
from ecomops.ops.delivery.texts import text

WECOM_MAX_BYTES = 4096  # WeCom: "markdown内容，最长不超过4096个字节，必须是utf8编码"
CHAT_MAX_CHARS = 4000  # DingTalk, Feishu, Slack accept more; a review summary never needs it


# --------------------------------------------------------------------------------------------------------------
# Signatures


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """Return DingTalk's URL-encoded ``sign``: urlEncode(Base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")))."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_url(url: str, timestamp_ms: int, secret: str | None) -> str:
    """Return the robot URL with ``timestamp`` and ``sign`` appended when the robot has a signing secret."""
    if not secret:
        return url
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={dingtalk_sign(timestamp_ms, secret)}"


def feishu_sign(timestamp_s: int, secret: str) -> str:
    """Return Feishu's ``sign``: Base64(HmacSHA256(key=f"{timestamp}\\n{secret}", message=b""))."""
    key = f"{timestamp_s}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def webhook_signature(body: bytes, secret: str) -> str:
    """Return the generic webhook's ``X-Ecomops-Signature`` value: 'sha256=' + hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# Bodies


def _markdown_escape(text: str) -> str:
    # Titles and summary lines are plain text; keep characters that would start markdown syntax from doing so.
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("[", "\\[").replace("]", "\\]")


def markdown(msg: Message, heading: str = "###") -> str:
    """Return the message as markdown: a heading, one bullet per line, the link as ``[label](url)``."""
    parts = [f"{heading} {_markdown_escape(msg.title)}", ""]
    parts += [f"- {_markdown_escape(line.strip())}" for line in msg.lines]
    if msg.link:
        parts += ["", f"[{_markdown_escape(msg.link_label or msg.link)}]({msg.link})"]
    return "\n".join(parts)


def _truncate_lines(msg: Message, fits) -> Message:
    """Return the message with summary lines dropped from the end (and '…' added) until ``fits(message)``."""
    if fits(msg):
        return msg
    lines = list(msg.lines)
    while lines:
        lines.pop()
        candidate = replace(msg, lines=lines + ["…"])
        if fits(candidate):
            return candidate
    return replace(msg, lines=[])


def wecom_payload(msg: Message) -> dict[str, Any]:
    """Return the WeCom group robot markdown message (at most 4096 UTF-8 bytes of content)."""
    msg = _truncate_lines(msg.scrubbed(), lambda m: len(markdown(m).encode("utf-8")) <= WECOM_MAX_BYTES)
    return {"msgtype": "markdown", "markdown": {"content": markdown(msg)}}


def dingtalk_payload(msg: Message) -> dict[str, Any]:
    """Return the DingTalk robot markdown message (title shown in the chat list, text in the chat)."""
    msg = _truncate_lines(msg.scrubbed(), lambda m: len(markdown(m)) <= CHAT_MAX_CHARS)
    return {"msgtype": "markdown", "markdown": {"title": msg.title, "text": markdown(msg)}}


def feishu_payload(msg: Message, timestamp_s: int | None = None, secret: str | None = None) -> dict[str, Any]:
    """Return the Feishu/Lark rich-text ("post") message, signed when the bot has a secret."""
    msg = _truncate_lines(msg.scrubbed(), lambda m: sum(len(x) for x in m.lines) + len(m.title) <= CHAT_MAX_CHARS)
    content = [[{"tag": "text", "text": line}] for line in msg.lines]
    if msg.link:
        content.append([{"tag": "a", "text": msg.link_label or msg.link, "href": msg.link}])
    locale = "zh_cn" if msg.language == "zh" else "en_us"
    payload: dict[str, Any] = {}
    if secret:
        if timestamp_s is None:
            raise ValueError("a signed Feishu message needs a timestamp")
        payload = {"timestamp": str(timestamp_s), "sign": feishu_sign(timestamp_s, secret)}
    payload.update({"msg_type": "post", "content": {"post": {locale: {"title": msg.title, "content": content}}}})
    return payload


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(msg: Message) -> dict[str, Any]:
    """Return the Slack incoming-webhook message: mrkdwn text with a bold title, bullets and ``<url|label>``."""
    msg = _truncate_lines(msg.scrubbed(), lambda m: sum(len(x) for x in m.lines) + len(m.title) <= CHAT_MAX_CHARS)
    parts = [f"*{_slack_escape(msg.title)}*"] + [f"• {_slack_escape(line.strip())}" for line in msg.lines]
    if msg.link:
        parts.append(f"<{msg.link}|{_slack_escape(msg.link_label or msg.link)}>")
    return {"text": "\n".join(parts)}


def webhook_payload(msg: Message) -> dict[str, Any]:
    """Return the generic webhook's JSON document (schema version 1, see docs/delivery.md)."""
    msg = msg.scrubbed()
    return {"source": "ecomops", "version": 1, "subscription": msg.subscription, "kind": msg.kind,
            "occurrence": msg.occurrence, "language": msg.language, "severity": msg.severity, "title": msg.title,
            "summary": list(msg.lines), "link": msg.link, "data": msg.data}


def json_body(payload: dict[str, Any]) -> bytes:
    """Return the UTF-8 JSON body of a payload (non-ASCII kept as is, as the platforms' examples do)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def email_message(msg: Message, sender: str, to: list[str], with_pdf: bool) -> EmailMessage:
    """Return the email: subject = title, plain-text and HTML bodies, and the PDF attached when asked."""
    msg = msg.scrubbed()
    attachment = msg.attachment() if with_pdf else None
    if attachment is not None:
        msg = replace(msg, lines=msg.lines + [text(msg.language, "pdf_attached")])
    mail = EmailMessage()
    mail["Subject"] = msg.title
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    plain = [msg.title, ""] + [f"- {line.strip()}" for line in msg.lines]
    if msg.link:
        plain += ["", f"{msg.link_label or ''}: {msg.link}".lstrip(": ")]
    mail.set_content("\n".join(plain) + "\n")
    items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in msg.lines)
    link = (f'<p><a href="{html.escape(msg.link, quote=True)}">{html.escape(msg.link_label or msg.link)}</a></p>'
            if msg.link else "")
    mail.add_alternative(f"<html><body><h3>{html.escape(msg.title)}</h3><ul>{items}</ul>{link}</body></html>",
                         subtype="html")
    if attachment is not None:
        maintype, subtype = attachment.mime.split("/", 1)
        mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return mail
