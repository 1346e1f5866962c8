"""What delivery works with: destinations, subscriptions, messages; their validation and the redacted view of secrets.

Secrets: a destination's secret fields (SMTP password, robot webhook URLs — they carry the access token —, signing
secrets, a generic webhook's extra headers) are stored in the database, and used only by the senders. Everything
that shows a destination (``repr``, :meth:`Destination.redacted`, the command line, errors in the delivery log)
shows at most that a secret is set and the host of a URL. A secret value may also be ``"env:NAME"``: read from the
environment variable NAME at send time, so it never enters the database.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any, Callable
from urllib.parse import quote, quote_plus, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ecomops.ops.delivery.texts import LANGUAGES, check_language

DESTINATION_KINDS = ("email", "wecom", "dingtalk", "feishu", "slack", "webhook")
SUBSCRIPTION_KINDS = ("weekly_review", "monthly_review", "alerts", "stockouts", "sla_breaches")
ALERT_SEVERITIES = ("critical", "warning")
SMTP_SECURITY = ("none", "starttls", "ssl")
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_TIME = "09:00"
DEFAULT_LANGUAGE = "zh"

# Which settings of each kind are secret (stored apart, never shown) and which are plain.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("password",),
    "wecom": ("url",),
    "dingtalk": ("url", "secret"),
    "feishu": ("url", "secret"),
    "slack": ("url",),
    "webhook": ("url", "secret", "headers"),
}
PLAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("host", "port", "security", "username", "sender", "to", "ca_file", "helo", "timeout"),
    "wecom": ("timeout",),
    "dingtalk": ("timeout",),
    "feishu": ("timeout",),
    "slack": ("timeout",),
    "webhook": ("timeout",),
}
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
ENV_PREFIX = "env:"


def check_name(name: str, what: str) -> str:
    """Return ``name`` when it is a valid destination/subscription name, else raise ValueError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} name {name!r}: use 1-64 letters, digits, '_', '.' or '-', starting with a letter "
                         f"or digit")
    return name


def check_timezone(tz: str) -> str:
    """Return ``tz`` when it names an IANA timezone, else raise ValueError."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown timezone {tz!r} (use an IANA name such as Asia/Shanghai)") from exc
    return tz


def parse_time_of_day(text: str) -> time:
    """Return the local time of day of 'HH:MM' (24-hour clock), else raise ValueError."""
    match = _TIME.match(str(text))
    if not match:
        raise ValueError(f"time of day must be HH:MM on a 24-hour clock (got {text!r})")
    return time(int(match.group(1)), int(match.group(2)))


def resolve_secret(value: Any) -> Any:
    """Return a secret's value, reading ``env:NAME`` from the environment (ValueError when it is not set)."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        found = os.environ.get(name)
        if found is None:
            raise ValueError(f"environment variable {name} (named by a destination's secret) is not set")
        return found
    return value


def _redact_value(field_name: str, value: Any) -> str:
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return f"(from ${value[len(ENV_PREFIX):]})"
    if field_name == "url" and isinstance(value, str):
        host = urlsplit(value).netloc.rsplit("@", 1)[-1]
        return f"{urlsplit(value).scheme}://{host}/… (set)" if host else "(set)"
    return "(set)"


@dataclass(frozen=True, repr=False)
class Destination:
    """Where messages go: one SMTP mailbox set or one group robot / webhook, with its settings and secrets."""

    name: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def __repr__(self) -> str:  # never the secrets, wherever a destination ends up printed
        return f"Destination({self.name!r}, {self.kind!r}, enabled={self.enabled})"

    def secret(self, key: str, default: Any = None) -> Any:
        """Return the value of a secret field (``env:NAME`` resolved)."""
        value = self.secrets.get(key, default)
        return resolve_secret(value) if value is not None else default

    def secret_values(self) -> list[str]:
        """Return every secret string (resolved where possible), for scrubbing error messages."""
        values: list[str] = []
        for key, value in self.secrets.items():
            try:
                resolved = resolve_secret(value)
            except ValueError:
                resolved = value
            if isinstance(resolved, dict):
                values.extend(str(v) for v in resolved.values())
            elif resolved:
                values.append(str(resolved))
                if key == "url":  # error texts may show the path or the query alone: both carry tokens
                    parts = urlsplit(str(resolved))
                    values.extend(p.split("=", 1)[1] for p in parts.query.split("&") if "=" in p and p.split("=", 1)[1])
                    values.extend(segment for segment in parts.path.split("/") if len(segment) >= 8)
        return [v for v in values if len(v) >= 4]

    def redacted(self) -> dict[str, Any]:
        """Return what may be shown of this destination: plain settings, and for secrets only that they are set."""
        shown = {"name": self.name, "kind": self.kind, "enabled": self.enabled, **self.settings}
        shown.update({key: _redact_value(key, value) for key, value in self.secrets.items() if value})
        return shown


def validate_destination(dest: Destination) -> Destination:
    """Return the destination with defaults filled in, or raise ValueError naming what is wrong."""
    check_name(dest.name, "destination")
    if dest.kind not in DESTINATION_KINDS:
        raise ValueError(f"destination {dest.name}: kind must be one of {', '.join(DESTINATION_KINDS)} "
                         f"(got {dest.kind!r})")
    unknown = set(dest.settings) - set(PLAIN_FIELDS[dest.kind])
    unknown |= set(dest.secrets) - set(SECRET_FIELDS[dest.kind])
    if unknown:
        raise ValueError(f"destination {dest.name}: unknown setting(s) {', '.join(sorted(unknown))} for kind "
                         f"{dest.kind}")
    settings = dict(dest.settings)
    timeout = settings.get("timeout", 20)
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ValueError(f"destination {dest.name}: timeout must be 1-300 seconds")
    settings["timeout"] = timeout
    if dest.kind == "email":
        security = settings.get("security", "starttls")
        if security not in SMTP_SECURITY:
            raise ValueError(f"destination {dest.name}: security must be one of {', '.join(SMTP_SECURITY)}")
        settings["security"] = security
        if not settings.get("host"):
            raise ValueError(f"destination {dest.name}: host (the SMTP server) is required")
        port = settings.get("port", DEFAULT_PORTS[security])
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"destination {dest.name}: port must be 1-65535")
        settings["port"] = port
        to = settings.get("to")
        to = [to] if isinstance(to, str) else list(to or [])
        if not to or not all(isinstance(a, str) and _EMAIL.match(a) for a in to):
            raise ValueError(f"destination {dest.name}: to must list one or more email addresses")
        settings["to"] = to
        sender = settings.get("sender") or settings.get("username")
        if not sender or "@" not in str(sender):
            raise ValueError(f"destination {dest.name}: sender (the From address) is required")
        settings["sender"] = sender
        if dest.secrets.get("password") and not settings.get("username"):
            raise ValueError(f"destination {dest.name}: a password needs a username")
    else:
        url = dest.secrets.get("url")
        if not url:
            raise ValueError(f"destination {dest.name}: url (the webhook address) is required")
        if not (isinstance(url, str) and (url.startswith(ENV_PREFIX) or url.startswith(("https://", "http://")))):
            raise ValueError(f"destination {dest.name}: url must start with https:// (or http://)")
        headers = dest.secrets.get("headers")
        if headers is not None and not (isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
            raise ValueError(f"destination {dest.name}: headers must be a table of strings")
    return replace(dest, settings=settings, secrets={k: v for k, v in dest.secrets.items() if v not in (None, "")})


@dataclass(frozen=True)
class Subscription:
    """What is sent, when and where: a kind of content, its destinations, a local time of day, timezone, language."""

    name: str
    kind: str
    destinations: tuple[str, ...]
    time_of_day: str = DEFAULT_TIME
    timezone: str = DEFAULT_TIMEZONE
    language: str = DEFAULT_LANGUAGE
    attach_pdf: bool = True
    severities: tuple[str, ...] = ALERT_SEVERITIES
    enabled: bool = True

    @property
    def local_time(self) -> time:
        """Return the time of day as a ``datetime.time``."""
        return parse_time_of_day(self.time_of_day)

    @property
    def tz(self) -> ZoneInfo:
        """Return the subscription's timezone."""
        return ZoneInfo(self.timezone)


def validate_subscription(sub: Subscription, known_destinations: set[str] | None = None) -> Subscription:
    """Return the subscription normalised, or raise ValueError naming what is wrong."""
    check_name(sub.name, "subscription")
    if sub.kind not in SUBSCRIPTION_KINDS:
        raise ValueError(f"subscription {sub.name}: kind must be one of {', '.join(SUBSCRIPTION_KINDS)} "
                         f"(got {sub.kind!r})")
    destinations = tuple(dict.fromkeys(sub.destinations))
    if not destinations:
        raise ValueError(f"subscription {sub.name}: destinations must name at least one destination")
    if known_destinations is not None:
        missing = [d for d in destinations if d not in known_destinations]
        if missing:
            raise ValueError(f"subscription {sub.name}: unknown destination(s) {', '.join(missing)}")
    parse_time_of_day(sub.time_of_day)
    check_timezone(sub.timezone)
    try:
        check_language(sub.language)
    except ValueError as exc:
        raise ValueError(f"subscription {sub.name}: {exc}") from None
    severities = tuple(dict.fromkeys(sub.severities))
    if not severities or any(s not in ALERT_SEVERITIES for s in severities):
        raise ValueError(f"subscription {sub.name}: severities must be among {', '.join(ALERT_SEVERITIES)}")
    return replace(sub, destinations=destinations, severities=severities, attach_pdf=bool(sub.attach_pdf),
                   enabled=bool(sub.enabled))


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email."""

    filename: str
    content: bytes
    mime: str = "application/pdf"


@dataclass
class Message:
    """One message, independent of the platform: a title, summary lines, an optional link, an optional PDF.

    ``data`` holds the same facts as plain JSON values for the generic webhook. ``pdf`` renders the attachment on
    first use (only email destinations of a subscription with ``attach_pdf`` ask for it).
    """

    title: str
    lines: list[str]
    language: str = DEFAULT_LANGUAGE
    link: str | None = None
    link_label: str | None = None
    severity: str = "info"
    subscription: str = ""
    kind: str = ""
    occurrence: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    pdf_name: str | None = None
    pdf: Callable[[], bytes] | None = None
    # Shared by the copies ``dataclasses.replace`` makes, so the PDF is rendered once for every email destination.
    _pdf_cache: dict[str, bytes] = field(default_factory=dict, repr=False)

    def attachment(self) -> Attachment | None:
        """Return the PDF attachment (rendered once), or None when the message has none."""
        if self.pdf is None:
            return None
        if "pdf" not in self._pdf_cache:
            self._pdf_cache["pdf"] = self.pdf()
        return Attachment(self.pdf_name or "report.pdf", self._pdf_cache["pdf"])

    def scrubbed(self) -> "Message":
        """Return a copy whose texts hold no email address or phone number (a last guard; builders add none)."""
        return replace(self, title=scrub(self.title), lines=[scrub(line) for line in self.lines],
                       data=_scrub_data(self.data))


# A last line of defence against personal data in message bodies: builders only ever put aggregate figures,
# product titles and metric names in messages, but product titles and categories come from uploads.
_EMAIL_ANYWHERE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\d.,])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\d.,])|\+\d{1,3}[ -]?\d{2,4}(?:[ -]?\d{3,4}){2,3}")
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    """Return ``text`` with email addresses and phone numbers replaced by '[redacted]'."""
    return _PHONE.sub(REDACTED, _EMAIL_ANYWHERE.sub(REDACTED, text))


def _scrub_data(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_data(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN / Infinity
    return value


def redact_error(text: str, secrets: list[str]) -> str:
    """Return an error text with every secret value (plain, URL-quoted) and any token-like query string removed."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "•••")
    return re.sub(r"([?&](?:access_token|key|token|sign|timestamp)=)[^&\s'\")]*", r"\1•••", text)


__all__ = [
    "ALERT_SEVERITIES", "Attachment", "DEFAULT_LANGUAGE", "DEFAULT_TIME", "DEFAULT_TIMEZONE", "DESTINATION_KINDS",
    "Destination", "LANGUAGES", "Message", "SUBSCRIPTION_KINDS", "Subscription", "check_name", "check_timezone",
    "parse_time_of_day", "redact_error", "resolve_secret", "scrub", "validate_destination", "validate_subscription",
]
