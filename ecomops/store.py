"""The store's own settings that every page needs: its currency and its time zone (table ``settings``, migration
871: keys ``store.currency`` and ``store.timezone``).

METRICS.md: "a store has one currency; every money figure is in it and is shown with its symbol". The currency is
set once — by the first import whose file names one (a currency column or unambiguous symbols), or by the user
(``import --currency``, the Upload page) — and imports in another currency are refused unless the user says how to
convert. Times are stored in the store's time zone; values that carry an offset (or epoch seconds) are converted
to it on import. Independent of the import code, so pages and reports can read these without loading it.
"""
from __future__ import annotations

import json
import re

import duckdb

from ecomops import db

DEFAULT_CURRENCY = "CNY"  # the built-in demo store's currency, and what pages showed before stores had one
_CURRENCY_KEY, _TIMEZONE_KEY = "store.currency", "store.timezone"
# Symbol shown before amounts (display rules may choose another form; unknown codes show the code itself).
CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "BRL": "R$", "INR": "₹",
                    "HKD": "HK$", "TWD": "NT$", "KRW": "₩", "AUD": "A$", "CAD": "C$", "SGD": "S$", "CHF": "CHF",
                    "MXN": "MX$", "RUB": "₽", "TRY": "₺", "PLN": "zł", "SEK": "kr", "VND": "₫", "IDR": "Rp",
                    "THB": "฿", "MYR": "RM", "PHP": "₱", "AED": "AED", "SAR": "SAR", "ZAR": "R", "NZD": "NZ$"}


def _setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = db.query_one(con, "SELECT value FROM settings WHERE key = $k", {"k": key})
    return json.loads(row[0]) if row else None


def store_currency(con: duckdb.DuckDBPyConnection) -> str:
    """Return the store's ISO 4217 currency code (CNY until a currency is set)."""
    return _setting(con, _CURRENCY_KEY) or DEFAULT_CURRENCY


def store_currency_is_set(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True once the store's currency was set (by an import or the user)."""
    return _setting(con, _CURRENCY_KEY) is not None


def currency_symbol(code: str) -> str:
    """Return the symbol shown with amounts in ``code`` (the code itself when it has no common symbol)."""
    return CURRENCY_SYMBOLS.get((code or "").upper(), (code or "").upper())


def normalise_currency(code: str) -> str:
    """Return an upper-case three-letter code; ValueError for anything else."""
    text = (code or "").strip().upper()
    if text in ("RMB", "元", "人民币"):
        text = "CNY"
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError(f"not a currency code: {code!r} (use a three-letter code such as CNY, USD, GBP, EUR)")
    return text


def set_store_currency(cur: duckdb.DuckDBPyConnection, code: str) -> None:
    """Set the store's currency (inside the caller's transaction: ``cur`` is its cursor)."""
    _set(cur, _CURRENCY_KEY, normalise_currency(code))


def store_timezone(con: duckdb.DuckDBPyConnection) -> str | None:
    """Return the store's IANA time zone (e.g. Asia/Shanghai), or None when times are kept as written."""
    return _setting(con, _TIMEZONE_KEY)


def set_store_timezone(cur: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Set the store's time zone (inside the caller's transaction); ValueError for an unknown zone."""
    known = cur.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = $z", {"z": zone}).fetchone()[0]
    if not known:
        raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as Asia/Shanghai or Europe/London)")
    _set(cur, _TIMEZONE_KEY, zone)


def _set(cur: duckdb.DuckDBPyConnection, key: str, value: str, actor: str | None = None) -> None:
    cur.execute("INSERT INTO settings (key, value, updated_by) VALUES ($k, $v, $who) ON CONFLICT (key) DO UPDATE "
                "SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by",
                {"k": key, "v": json.dumps(value), "who": actor})
