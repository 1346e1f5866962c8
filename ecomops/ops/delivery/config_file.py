"""The TOML file of the command line: delivery settings, destinations and subscriptions, applied to the database.

Format (docs/delivery.md has a full example)::

    [delivery]                       # optional; every key optional
    base_url = "https://ecomops.example.com"
    timezone = "Asia/Shanghai"

    [destinations.ops-dingtalk]      # one table per destination; the name is the key
    kind = "dingtalk"
    url = "https://oapi.dingtalk.com/robot/send?access_token=..."
    secret = "env:DINGTALK_SECRET"   # any secret may name an environment variable instead

    [subscriptions.weekly]
    kind = "weekly_review"
    destinations = ["ops-dingtalk"]
    time = "09:00"

Applying a file inserts or replaces the destinations and subscriptions it names (others stay) and the settings it
gives. Everything is validated before anything is written: a file with one mistake changes nothing.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import duckdb

from ecomops.ops.delivery import store
from ecomops.ops.delivery.model import (
    DEFAULT_LANGUAGE, PLAIN_FIELDS, SECRET_FIELDS, Destination, Subscription, check_name, check_timezone,
    validate_destination, validate_subscription,
)

_SETTINGS_KEYS = {f.name for f in fields(store.DeliverySettings)}
_SUBSCRIPTION_KEYS = {"kind", "destinations", "time", "timezone", "language", "attach_pdf", "severities", "enabled"}


@dataclass
class DeliveryConfig:
    """A parsed and validated configuration file."""

    settings: dict[str, Any]
    destinations: list[Destination]
    subscriptions: list[Subscription]


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a table")
    return value


def parse(text: str, default_timezone: str | None = None, existing_destinations: set[str] = frozenset(),
          source: str = "configuration") -> DeliveryConfig:
    """Return the validated configuration of a TOML text; raise ValueError naming the first mistake."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(doc) - {"delivery", "destinations", "subscriptions"}
    if unknown:
        raise ValueError(f"{source}: unknown section(s) {', '.join(sorted(unknown))} "
                         f"(expected [delivery], [destinations.NAME], [subscriptions.NAME])")
    settings = _table(doc.get("delivery", {}), "[delivery]")
    bad = set(settings) - _SETTINGS_KEYS
    if bad:
        raise ValueError(f"{source}: unknown [delivery] key(s) {', '.join(sorted(bad))}")
    timezone = settings.get("timezone", default_timezone or store.DeliverySettings.timezone)
    check_timezone(timezone)

    destinations = []
    for name, table in _table(doc.get("destinations", {}), "[destinations]").items():
        table = dict(_table(table, f"[destinations.{name}]"))
        check_name(name, "destination")
        kind = table.pop("kind", None)
        enabled = table.pop("enabled", True)
        if kind not in SECRET_FIELDS:
            raise ValueError(f"{source}: destination {name}: kind must be one of {', '.join(SECRET_FIELDS)} "
                             f"(got {kind!r})")
        extra = set(table) - set(SECRET_FIELDS[kind]) - set(PLAIN_FIELDS[kind])
        if extra:
            raise ValueError(f"{source}: destination {name}: unknown key(s) {', '.join(sorted(extra))} for {kind}")
        dest = Destination(name, kind, {k: v for k, v in table.items() if k in PLAIN_FIELDS[kind]},
                           {k: v for k, v in table.items() if k in SECRET_FIELDS[kind]}, bool(enabled))
        try:
            destinations.append(validate_destination(dest))
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None

    known = set(existing_destinations) | {d.name for d in destinations}
    subscriptions = []
    for name, table in _table(doc.get("subscriptions", {}), "[subscriptions]").items():
        table = _table(table, f"[subscriptions.{name}]")
        extra = set(table) - _SUBSCRIPTION_KEYS
        if extra:
            raise ValueError(f"{source}: subscription {name}: unknown key(s) {', '.join(sorted(extra))}")
        dest_names = table.get("destinations", [])
        if isinstance(dest_names, str):
            dest_names = [dest_names]
        sub = Subscription(name, table.get("kind"), tuple(dest_names), table.get("time", "09:00"),
                           table.get("timezone", timezone), table.get("language", DEFAULT_LANGUAGE),
                           table.get("attach_pdf", True), tuple(table.get("severities", ("critical", "warning"))),
                           table.get("enabled", True))
        try:
            subscriptions.append(validate_subscription(sub, known))
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    return DeliveryConfig(settings, destinations, subscriptions)


def apply(con: duckdb.DuckDBPyConnection, path: str | Path) -> DeliveryConfig:
    """Validate the TOML file at ``path`` and write its settings, destinations and subscriptions; return it."""
    path = Path(path)
    current = store.settings(con)
    config = parse(path.read_text(encoding="utf-8"), current.timezone, set(store.destinations(con)), str(path))
    if config.settings:
        store.save_settings(con, **config.settings)
    for dest in config.destinations:
        store.save_destination(con, dest, keep_secrets=False)
    for sub in config.subscriptions:
        store.save_subscription(con, sub)
    return config
