"""The currency of a file's amounts, from its evidence, checked against the store's currency.

Evidence, strongest first: a currency column (ISO codes, e.g. Shopify's ``Currency``, Amazon's ``currency``),
currency signs or codes inside the amounts (``£12.50``, ``R$ 30``, ``¥59``, ``30元``), a ``(元)`` in the amount
headers (Chinese exports). ``$`` alone is read as USD and ``¥`` as CNY (the import says so). A file that mixes
currencies is refused; a file in another currency than the store's is refused unless the user gives the rate
(``fx_rate``: one unit of the file's currency in the store's currency).
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ecomops.config import normalise_currency

# Longer signs first: "R$" before "$".
SIGNS = (("R$", "BRL"), ("US$", "USD"), ("HK$", "HKD"), ("NT$", "TWD"), ("A$", "AUD"), ("C$", "CAD"),
         ("S$", "SGD"), ("£", "GBP"), ("€", "EUR"), ("₹", "INR"), ("₩", "KRW"), ("₽", "RUB"), ("￥", "CNY"),
         ("¥", "CNY"), ("元", "CNY"), ("RMB", "CNY"), ("$", "USD"))
CODES = ("CNY", "USD", "EUR", "GBP", "INR", "BRL", "JPY", "HKD", "AUD", "CAD", "SGD", "TWD", "KRW", "CHF", "MXN")
AMBIGUOUS = {"$": "USD", "¥": "CNY"}


@dataclass
class CurrencyEvidence:
    """What the file says about its currency."""

    code: str | None = None
    source: str = ""  # "its currency column" | "the currency signs in its amounts" | "its headers"
    mixed: dict[str, int] | None = None  # code -> rows, when the file holds several
    assumed: str = ""  # e.g. "'$' read as USD"

    def describe(self) -> str:
        """Return the evidence in words."""
        return f"{self.code} (from {self.source}{'; ' + self.assumed if self.assumed else ''})" if self.code else ""


def _sign_pattern() -> str:
    signs = [s.replace("$", "\\$") for s, _ in SIGNS] + list(CODES)
    return "(" + "|".join(signs) + ")"


def sign_counts(cur: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> dict[str, int]:
    """Return {sign or code: rows} found in the text of the amount columns of ``table``."""
    if not columns:
        return {}
    pattern = _sign_pattern()
    unions = " UNION ALL ".join(
        f"SELECT regexp_extract({c}, '{pattern}', 1) AS s FROM {table} WHERE {c} IS NOT NULL "
        f"AND NOT regexp_full_match({c}, '[-+0-9., ()%]*')" for c in columns)
    rows = cur.execute(f"SELECT s, count(*) FROM ({unions}) WHERE s <> '' GROUP BY s").fetchall()
    return {s: int(n) for s, n in rows}


def from_signs(counts: dict[str, int]) -> CurrencyEvidence:
    """Return the evidence of the signs found (mixed when they name several currencies)."""
    by_code: dict[str, int] = {}
    assumed = []
    for sign, n in counts.items():
        code = dict(SIGNS).get(sign) or (sign if sign in CODES else None)
        if code is None:
            continue
        by_code[code] = by_code.get(code, 0) + n
        if sign in AMBIGUOUS:
            assumed.append(f"'{sign}' read as {AMBIGUOUS[sign]}")
    if not by_code:
        return CurrencyEvidence()
    if len(by_code) > 1:
        return CurrencyEvidence(mixed=by_code, source="the currency signs in its amounts")
    return CurrencyEvidence(code=next(iter(by_code)), source="the currency signs in its amounts",
                            assumed="; ".join(assumed))


def from_column(values: dict[str, int]) -> CurrencyEvidence:
    """Return the evidence of a currency column's values ({value: rows}, blanks excluded)."""
    codes: dict[str, int] = {}
    for value, n in values.items():
        try:
            code = normalise_currency(value)
        except ValueError:
            code = dict(SIGNS).get(value.strip())
            if code is None:
                continue
        codes[code] = codes.get(code, 0) + n
    if not codes:
        return CurrencyEvidence()
    if len(codes) > 1:
        return CurrencyEvidence(mixed=codes, source="its currency column")
    return CurrencyEvidence(code=next(iter(codes)), source="its currency column")


CNY_PLATFORMS = ("淘宝/天猫", "京东", "拼多多", "抖店", "有赞")


def from_headers(headers: list[str], money_headers: list[str], platform: str = "") -> CurrencyEvidence:
    """Return CNY when an amount header says 元 (e.g. 商品总价(元)) or the layout is a Chinese platform's order
    export (they trade in RMB only), else nothing."""
    if any("元" in h for h in money_headers):
        return CurrencyEvidence(code="CNY", source="its headers (元)")
    if platform in CNY_PLATFORMS:
        return CurrencyEvidence(code="CNY", source=f"the platform ({platform})")
    return CurrencyEvidence()


class CurrencyMismatch(ValueError):
    """The file's currency is not the store's and no rate was given."""
