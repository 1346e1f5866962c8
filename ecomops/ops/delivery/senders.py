"""Sending one message to one destination: SMTP for email, an HTTPS POST for the robots and webhooks.

Libraries: the standard library's ``smtplib`` / ``ssl`` / ``email`` for mail (complete: STARTTLS, implicit TLS,
AUTH LOGIN/PLAIN, MIME attachments), and ``requests`` for HTTP (already installed with Streamlit; timeouts, TLS
verification and connection errors handled in one place). No platform SDK: each robot is one JSON POST, and the
SDKs (DingTalk's, Feishu's) are large and would add nothing but dependencies.

Every failure is a :class:`DeliveryError` whose text has had the destination's secrets removed (a robot's URL
carries its access token; ``requests`` puts URLs into its exception messages). ``retryable`` says whether trying
again later can help: network errors, timeouts, HTTP 429 and 5xx and the platforms' rate-limit codes can; a wrong
URL, a bad signature or a rejected login cannot.
"""
from __future__ import annotations

import smtplib
import socket
import ssl
import time
from typing import Callable

import requests

from ecomops.ops.delivery import formats
from ecomops.ops.delivery.model import Destination, Message, redact_error

# Codes the platforms answer with HTTP 200 that mean "try again later" (rate limits, busy):
# DingTalk 130101 "send too fast, exceed 20 times per minute"; WeCom 45009 "api freq out of limit", -1 "system busy";
# Feishu 11232 "frequency limited".
RETRYABLE_CODES = {"dingtalk": {130101, -1}, "wecom": {45009, -1}, "feishu": {11232}}
USER_AGENT = "ecomops-delivery/1"

Clock = Callable[[], float]


class DeliveryError(RuntimeError):
    """A message could not be delivered; the text names why (no secrets), ``retryable`` whether to try again."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def send(dest: Destination, msg: Message, *, with_pdf: bool = False, clock: Clock = time.time) -> str:
    """Send ``msg`` to ``dest``; return a short receipt (e.g. 'HTTP 200 errcode 0'); raise DeliveryError.

    ``clock`` gives the Unix time used in the DingTalk and Feishu signatures (the real time: the platforms reject
    a timestamp more than an hour off theirs, whatever schedule time the run is for).
    """
    try:
        if dest.kind == "email":
            return _send_email(dest, msg, with_pdf)
        return _send_http(dest, msg, clock)
    except DeliveryError as exc:
        raise DeliveryError(redact_error(str(exc), dest.secret_values()), exc.retryable) from None
    except ValueError as exc:  # e.g. an env: secret that is not set: a configuration error
        raise DeliveryError(redact_error(str(exc), dest.secret_values()), retryable=False) from None


# --------------------------------------------------------------------------------------------------------------
# HTTP


def _http_request(dest: Destination, msg: Message, clock: Clock) -> tuple[str, bytes, dict[str, str]]:
    """Return (url, body, extra headers) of the platform's request."""
    url = dest.secret("url")
    headers: dict[str, str] = {}
    if dest.kind == "wecom":
        payload = formats.wecom_payload(msg)
    elif dest.kind == "dingtalk":
        payload = formats.dingtalk_payload(msg)
        url = formats.dingtalk_url(url, int(clock() * 1000), dest.secret("secret"))
    elif dest.kind == "feishu":
        secret = dest.secret("secret")
        payload = formats.feishu_payload(msg, int(clock()) if secret else None, secret)
    elif dest.kind == "slack":
        payload = formats.slack_payload(msg)
    elif dest.kind == "webhook":
        payload = formats.webhook_payload(msg)
        headers.update(dest.secret("headers") or {})
    else:  # pragma: no cover - validated on saving
        raise DeliveryError(f"unknown destination kind {dest.kind!r}", retryable=False)
    body = formats.json_body(payload)
    if dest.kind == "webhook" and dest.secret("secret"):
        headers["X-Ecomops-Signature"] = formats.webhook_signature(body, dest.secret("secret"))
    return url, body, headers


def _send_http(dest: Destination, msg: Message, clock: Clock) -> str:
    url, body, extra = _http_request(dest, msg, clock)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **extra}
    try:
        # No redirects: a robot URL that redirects is a wrong URL, and a POST turned into a GET would be lost.
        response = requests.post(url, data=body, headers=headers, timeout=dest.settings.get("timeout", 20),
                                 allow_redirects=False)
    except requests.Timeout:
        raise DeliveryError(f"no answer within {dest.settings.get('timeout', 20)} s") from None
    except requests.RequestException as exc:
        raise DeliveryError(f"could not reach the server: {type(exc).__name__}: {exc}") from None
    status = response.status_code
    text = response.text[:300]
    if status == 429 or status >= 500:
        raise DeliveryError(f"HTTP {status}: {text}")
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}: {text}", retryable=False)
    if dest.kind in ("wecom", "dingtalk", "feishu"):
        return _check_platform_answer(dest.kind, response)
    if dest.kind == "slack" and text.strip() != "ok":
        raise DeliveryError(f"Slack answered {text!r}", retryable=False)
    return f"HTTP {status}"


def _check_platform_answer(kind: str, response: requests.Response) -> str:
    """Raise DeliveryError unless the JSON answer says success (the robots answer errors with HTTP 200)."""
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryError(f"HTTP {response.status_code} with an answer that is not JSON: "
                            f"{response.text[:200]}", retryable=False) from None
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode"))
        message = answer.get("msg", answer.get("StatusMessage"))
    else:
        code, message = answer.get("errcode"), answer.get("errmsg")
    if code == 0:
        return f"HTTP {response.status_code} code 0"
    raise DeliveryError(f"{kind} answered code {code}: {message}", retryable=code in RETRYABLE_CODES[kind])


# --------------------------------------------------------------------------------------------------------------
# Email


def _send_email(dest: Destination, msg: Message, with_pdf: bool) -> str:
    s = dest.settings
    try:
        mail = formats.email_message(msg, s["sender"], s["to"], with_pdf=with_pdf)
    except Exception as exc:  # noqa: BLE001 - rendering the PDF (kaleido, Chromium) can fail many ways
        raise DeliveryError(f"could not render the PDF attachment: {type(exc).__name__}: {exc}") from None
    context = ssl.create_default_context(cafile=s.get("ca_file") or None)
    timeout = s.get("timeout", 20)
    # EHLO name: the configured one, else this host's name (smtplib's default, socket.getfqdn(), may wait on DNS).
    helo = s.get("helo") or socket.gethostname()
    try:
        if s["security"] == "ssl":
            smtp = smtplib.SMTP_SSL(s["host"], s["port"], local_hostname=helo, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(s["host"], s["port"], local_hostname=helo, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if s["security"] == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.get("username"):
                smtp.login(s["username"], dest.secret("password") or "")
            refused = smtp.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused: {exc.smtp_code} {_smtp_text(exc.smtp_error)}", retryable=False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = ", ".join(f"{code}" for code, _ in exc.recipients.values())
        raise DeliveryError(f"SMTP server refused every recipient ({codes})",
                            retryable=all(400 <= code < 500 for code, _ in exc.recipients.values())) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP error {exc.smtp_code} {_smtp_text(exc.smtp_error)}",
                            retryable=400 <= exc.smtp_code < 500) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server does not support it: {exc}", retryable=False) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"the SMTP server's certificate is not trusted: {exc.verify_message}",
                            retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"could not reach the SMTP server: {type(exc).__name__}: {exc}") from None
    accepted = len(s["to"]) - len(refused)
    # Some recipients refused, others accepted: the message is out, so it counts as sent (resending would
    # duplicate it for the others); the receipt says how many were refused.
    return f"SMTP accepted for {accepted} of {len(s['to'])} recipient(s)"


def _smtp_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
