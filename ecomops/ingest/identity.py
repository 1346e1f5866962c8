"""Which column identifies the customer — the person, not the order.

Exports often carry several customer ids: a marketplace's per-order ``customer_id`` beside the person-level
``customer_unique_id`` (Olist), a numeric account id beside an e-mail, a nickname beside a phone number. A per-order
id makes every customer a one-time buyer (repurchase rate 0). The test is on the data: among the columns named like
a customer id, one whose values are one per order (as many values as orders) is order-level; one with fewer values
than orders, and one value per order, is person-level and is proposed instead. When the file cannot tell (no
customer has a second order in any column), the import warns if another id column exists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from ecomops.ingest.kinds import get_kind, normalise_header
from ecomops.ingest.stage import Staged

_PERSON_WORDS = re.compile(r"customer|buyer|client|member|user|shopper|account|email|mail|phone|mobile|"
                           r"会员|买家|客户|用户|顾客|下单帐号|下单账号|手机|粉丝")
_ID_WORDS = re.compile(r"id|email|mail|no|number|name|nick|phone|mobile|帐号|账号|号|名|手机|昵称")
_NOT_ID = re.compile(r"note|message|address|city|state|zip|country|type|tier|level|count|留言|备注|地址|省|市|区|邮编|"
                     r"等级|类型|数")
PLACEHOLDERS = ("0", "-", "--", "guest", "n/a", "na", "none", "null", "(guest)", "游客", "匿名", "无")


@dataclass
class IdentityChoice:
    """The customer-id column chosen and why (``note`` empty when nothing needed explaining)."""

    column: str | None
    candidates: list[str] = field(default_factory=list)
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)  # column -> (distinct values, orders)
    note: str = ""


def candidate_columns(headers: list[str]) -> list[str]:
    """Return the headers that may identify a customer, the kind's synonyms first (in synonym order)."""
    synonyms = [normalise_header(s) for s in get_kind("orders").field("customer_id").synonyms]
    by_norm = {normalise_header(h): h for h in headers}
    ranked = [by_norm[s] for s in synonyms if s in by_norm]
    for header in headers:
        norm = normalise_header(header)
        if header in ranked or _NOT_ID.search(norm):
            continue
        if _PERSON_WORDS.search(norm) and _ID_WORDS.search(norm):
            ranked.append(header)
    seen: list[str] = []
    for h in ranked:
        if h not in seen:
            seen.append(h)
    return seen


def choose(cur: duckdb.DuckDBPyConnection, staged: Staged, order_header: str, current: str | None) -> IdentityChoice:
    """Return the person-level customer column among the candidates (the current one unless the data say
    otherwise), with the distinct counts that decided it."""
    candidates = [c for c in candidate_columns(staged.headers) if c != order_header]
    if current and current not in candidates:
        candidates.insert(0, current)
    choice = IdentityChoice(column=current, candidates=candidates)
    if len(candidates) < 2:
        return choice
    order = staged.column_of(order_header)
    holders = ", ".join("'" + p.replace("'", "''") + "'" for p in PLACEHOLDERS)

    def clean(col: str) -> str:
        text = f"nullif(trim({col}), '')"
        return f"(CASE WHEN lower({text}) IN ({holders}) THEN NULL ELSE {text} END)"

    parts = [f"count(DISTINCT nullif(trim({order}), ''))"]
    for header in candidates:
        col = staged.column_of(header)
        parts += [f"count(DISTINCT {clean(col)})",
                  f"count(DISTINCT nullif(trim({order}), '')) FILTER (WHERE {clean(col)} IS NOT NULL)",
                  # Orders whose lines name more than one value: not an attribute of the order.
                  f"count(DISTINCT CASE WHEN {clean(col)} IS NOT NULL THEN nullif(trim({order}), '') || chr(1) "
                  f"|| {clean(col)} END)"]
    row = cur.execute(f"SELECT {', '.join(parts)} FROM ingest_file").fetchone()
    person, order_level = [], []
    for i, header in enumerate(candidates):
        values, with_value, pairs = (int(v or 0) for v in row[1 + 3 * i: 4 + 3 * i])
        choice.stats[header] = (values, with_value)
        if not values or pairs > with_value:  # blank, or varies within an order
            continue
        if values < with_value:
            person.append(header)
        elif with_value >= 2:
            order_level.append(header)
    if current in order_level and person:
        chosen = person[0]
        values, with_value = choice.stats[chosen]
        choice.column = chosen
        choice.note = (f"Customer: column {chosen!r} ({values:,} customers for {with_value:,} orders) was chosen over "
                       f"{current!r}, which has one value per order ({choice.stats[current][0]:,} values for "
                       f"{choice.stats[current][1]:,} orders) and would make every buyer a one-time buyer.")
    return choice
