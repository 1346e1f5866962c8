"""Validate staged rows in SQL: parse every mapped column to its type and collect, per row, the reasons it is invalid.

The result is the temp table ``ingest_typed``: ``_row`` (spreadsheet row), one typed column per field of the kind
(unmapped fields NULL or their default), helper columns for orders, and ``_errors`` ("field: problem" texts joined
by "; "; NULL = valid). Problems are grouped into a report with counts, example rows and values, and advice.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import duckdb

from ecomops import exports
from ecomops.i18n import N_, _, fmt, ngettext
from ecomops.ingest import currency
from ecomops.ingest import dates as date_rules
from ecomops.ingest import parse
from ecomops.ingest.dates import DateStyle
from ecomops.ingest.kinds import (BOOL, DATE, ID, INT, MONEY, NUMBER, STATUS, TEXT, TIMESTAMP, Kind, get_kind)
from ecomops.ingest.parse import ColumnStyle, sql_str
from ecomops.ingest.sniff import IngestError
from ecomops.ingest.stage import REJECTS_TABLE, Staged, csv_error, head_rows, quote_ident, typed_reader

# Fields that may never be negative (amounts and counts); quantity may (returns, cancellations) but never be 0.
NON_NEGATIVE = {"unit_price", "price", "cost", "spend", "unit_cost", "discount", "gmv", "attributed_gmv", "uv",
                "pv", "product_views", "add_to_cart", "checkouts", "impressions", "clicks", "searches", "orders",
                "on_hand", "pages_viewed", "product_pages", "duration_seconds", "lead_time_days"}
RATES = {"bounce_rate", "exit_rate"}
# Defaults that complete a natural key or a NOT NULL column when the file has no value.
DEFAULTS = {
    ("traffic", "device"): "all", ("inventory", "warehouse"): "main", ("ad_spend", "campaign"): "(none)",
    ("ad_spend", "audience"): "all", ("suppliers", "role"): "primary", ("scroll_depth", "device"): "all",
}
# Campaign types as the Campaigns page knows them, from the words exports use.
CAMPAIGN_KINDS = {
    "big_sale": ("big_sale", "big sale", "bigsale", "mega sale", "大促", "双11", "双十一", "双12", "双十二", "618",
                 "年货节", "黑五", "black friday", "blackfriday", "cyber monday", "prime day", "singles day"),
    "member_day": ("member_day", "member day", "memberday", "members day", "会员日", "品牌会员日"),
    "flash_sale": ("flash_sale", "flash sale", "flashsale", "flash", "秒杀", "限时秒杀", "限时抢购", "闪购",
                   "lightning deal", "deal of the day"),
    "other": ("other", "其他", "日常", "regular"),
}
ARMS = {"treatment": ("treatment", "test", "t", "1", "true", "yes", "contacted", "treated", "实验组", "实验", "触达组"),
        "control": ("control", "c", "0", "false", "no", "holdout", "hold-out", "hold out", "对照组", "对照", "不触达")}
# Fields computed from others when the file has no value (stored per row).
DERIVED_IDS = {("campaigns", "campaign_id")}
STYLE_SAMPLE_ROWS = 200_000
# Sane bounds: an amount above a trillion (in any currency) or a number above 1e15 is a misread or hostile value
# (a unit price of 1e308 would make GMV infinite).
MAX_AMOUNT = 1_000_000_000_000
MAX_NUMBER = 1_000_000_000_000_000
TOO_LARGE = "too large"
UNKNOWN_STATUS = "unknown status"
# Customer ids that mean "no customer" (WooCommerce writes 0 for guest checkouts).
PLACEHOLDER_IDS = ("0", "-", "--", "guest", "n/a", "na", "none", "null", "(guest)", "游客", "匿名", "无")
# Keys generated from the file hash and row number when the file has none (sessions and reviews rarely carry ids).
GENERATED_IDS = ("session_id", "review_id")
# A suppliers file lists a supplier once per product it supplies.
DEDUPE_KEYS = {"suppliers": ("supplier_id", "product_id")}
TYPE_PROBLEM = {ID: "unreadable id", TEXT: "unreadable text", INT: "not a whole number", NUMBER: "not a number",
                MONEY: "not an amount", DATE: "not a date", TIMESTAMP: "not a date/time", BOOL: "not yes/no",
                STATUS: "unknown status"}
# Advice per problem (message ids: the report is stored in English, as --json prints it, and shown translated).
HINTS = {
    "missing": N_("Fill in the value in the file, or map another column to this field."),
    "not a whole number": N_("Use whole numbers (no decimals) in this column, or map another column."),
    "not a number": N_("Use plain numbers (currency signs and thousands separators are fine)."),
    "not an amount": N_("Use plain amounts such as 12.50, ¥1,234.50 or 1.234,50."),
    "not a date": N_("Use a date such as 2024-03-05, 2024/3/5, 05.03.2024 or 20240305."),
    "not a date/time": N_("Use a date/time such as 2024-03-05 14:02 or 2024/3/5 14:02."),
    "not yes/no": N_("Use true/false, yes/no, 1/0 or 是/否."),
    "unknown status": N_("Map this status word once (it is remembered): on the Upload page, or with "
                         "--status 'WORD=STATUS' where STATUS is unpaid, paid, shipped, completed, cancelled or "
                         "returned."),
    "too large": N_("The value is far above any real amount (more than 1,000,000,000,000): check the column and "
                    "the file."),
    "negative": N_("Amounts and counts cannot be negative; correct the sign or remove the row."),
    "is 0": N_("A line with quantity 0 sells nothing; remove it or correct the quantity."),
    "in the future": N_("Check the date (and the day/month order); future dates are not accepted."),
    "before 1990": N_("The date looks misread (before 1990); check the column and its format."),
    "out of range": N_("Ratings are 1 to 5; rates are between 0 and 1; screens start at 1."),
    "not treatment or control": N_("Write treatment (contacted) or control (held out) — 实验组 / 对照组 are "
                                   "understood."),
    "before the start": N_("The end day must be on or after the start day."),
    "after the start": N_("The pre-sale starts before the sale itself."),
    "scientific notation": N_("Excel turned this long id into a number like 1.23E+18 and lost digits; export again "
                              "with the column formatted as text."),
    "more fields": N_("The row has more cells than the header: check for an unquoted delimiter inside a value."),
    "fewer fields": N_("The row has fewer cells than the header: it may be cut off, or an unclosed quote (\") "
                       "swallowed the lines after it; fix or remove it."),
    "duplicate": N_("The same key appears more than once in the file; keep one row."),
    "disagree": N_("Two different orders share one order number; give them distinct numbers."),
    "another line": N_("An order is imported whole or not at all: fix the other line of this order."),
}


# The problems the checks write (message ids: stored in English in ``_errors``, the rejects CSV and --json, shown
# translated). "unknown status" is followed by the word as written; multi-file imports add "no such order in FILE".
PROBLEM_TEXTS = {text: text for text in (
    N_("missing"), N_("unreadable id"), N_("unreadable text"), N_("not a whole number"), N_("not a number"),
    N_("not an amount"), N_("not a date"), N_("not a date/time"), N_("not yes/no"), N_("too large"), N_("negative"),
    N_("is 0"), N_("in the future"), N_("before 1990"), N_("out of range"), N_("not treatment or control"),
    N_("before the start"), N_("after the start"), N_("scientific notation (digits lost)"),
    N_("more fields than the header"), N_("fewer fields than the header"), N_("duplicate in the file"),
    N_("lines disagree on the customer"), N_("another line of this order is invalid"))}


# Problems of a whole row or order rather than of one field.
WHOLE = {"row": N_("whole row"), "order": N_("whole order")}


def problem_text(message: str) -> str:
    """Return a stored problem message ("not a date", "unknown status 已签收") in the current language."""
    if message.startswith(UNKNOWN_STATUS + " "):
        return _("unknown status {word}", word=message[len(UNKNOWN_STATUS) + 1:])
    if message.startswith("no such order in "):
        return _("no such order in {file}", file=message[len("no such order in "):])
    return _(PROBLEM_TEXTS[message]) if message in PROBLEM_TEXTS else message


@dataclass
class Problem:
    """One kind of problem found in the file (stored in English: ``as_dict`` is machine output; ``describe`` and
    ``shown`` give the current language)."""

    field: str
    message: str
    rows: int
    examples: list[dict] = field(default_factory=list)  # [{"row": 5, "value": "abc"}]
    hint: str = ""
    name: str = ""  # the field's name (order_id, quantity...) or "row" for the whole row
    source: str | None = None  # the file's column mapped to the field

    def where(self) -> str:
        """Return the field and its column in the current language: "quantity (column 'Qty')"."""
        if self.name in WHOLE:
            return _(WHOLE[self.name])
        if self.source is None:
            return self.name or self.field
        return _("{field} (column '{column}')", field=self.name, column=self.source)

    def example_rows(self) -> str:
        """Return the example rows with their values: "row 5 ('abc'), row 9 ('x')", in the current language."""
        return _(", ").join(_("row {row} ({value})", row=e["row"], value=repr(e["value"]))
                            if e.get("value") not in (None, "") else _("row {row}", row=e["row"])
                            for e in self.examples)

    def describe(self) -> str:
        """Return a one-line description with example rows and the fix, in the current language."""
        return ngettext("{where}: {problem} — {n} row, e.g. {rows}. {fix}",
                        "{where}: {problem} — {n} rows, e.g. {rows}. {fix}", self.rows,
                        where=self.where(), problem=problem_text(self.message), rows=self.example_rows(),
                        fix=_(self.hint) if self.hint else "").strip()

    def shown(self) -> dict[str, str]:
        """Return the problem as the Upload page's table shows it: where, problem, rows, examples, what to do."""
        return {"field": self.where(), "problem": problem_text(self.message), "rows": fmt.count(self.rows),
                "examples": self.example_rows(), "fix": _(self.hint) if self.hint else ""}

    def as_dict(self) -> dict:
        """Return a JSON-ready dict (English, as stored)."""
        return asdict(self)


@dataclass
class Plan:
    """What to validate: the kind, the column mapping and options (from detection, presets or the user)."""

    kind: str
    mapping: dict
    options: dict = field(default_factory=dict)
    profile: str = "generic"
    status_words: dict = field(default_factory=dict)  # normalised word -> model status (table status_map)
    to_zone: str | None = None  # the store's time zone (instants are converted to it)
    from_zone: str | None = None  # the export's time zone for values without an offset
    evidence: dict = field(default_factory=dict)  # what reading the file showed (e.g. currency signs)
    footer_rows: int = 0  # summary lines after the data ("2 record(s) downloaded"), not read as rows

    def money_factor(self) -> float:
        """Return the factor converting the file's amounts to the store's currency (1 unless the user gave one)."""
        return float(self.options.get("fx_rate") or 1.0)


def _text(staged: Staged, source) -> str:
    return parse.clean_text(staged.column_of(source))


def _field_exprs(kind: Kind, plan: Plan, staged: Staged, styles: dict[str, ColumnStyle],
                 read_typed: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Return (text expressions AS t_<field>, typed expressions AS <field>) for the inner/outer selects.

    Columns in ``read_typed`` were read by DuckDB as that SQL type: their value needs no parsing.
    """
    texts, typed = [], []
    for fld in kind.fields:
        source = plan.mapping.get(fld.name)
        if not source:
            continue
        sources = source if isinstance(source, list) else [source]
        if len(sources) == 1 and staged.column_of(sources[0]) in (read_typed or {}):
            col = staged.column_of(sources[0])
            texts.append(f"{col} AS t_{fld.name}")
            value = parse.read_value_sql(fld.type, 't_' + fld.name)
            if fld.type in (DATE, TIMESTAMP):
                # Plain local times read by DuckDB: only the export's zone may need converting.
                local = date_rules._to_store(f"CAST(t_{fld.name} AS TIMESTAMP)", DateStyle(
                    to_zone=plan.to_zone, from_zone=plan.from_zone))
                value = f"CAST({local} AS DATE)" if fld.type == DATE else local
            typed.append(f"{value} AS v_{fld.name}")
        elif len(sources) == 1:
            col = staged.column_of(sources[0])
            style = _zoned(styles.get(col, ColumnStyle()), plan)
            # Free text keeps a leading tab or CR (the original text: a tab defuses a formula); ids and numbers are
            # trimmed.
            texts.append(f"{parse.clean_column(col, style, keep_lead=fld.type == TEXT)} AS t_{fld.name}")
            typed.append(f"{parse.typed_sql(fld.type, 't_' + fld.name, style, plan.status_words)} AS v_{fld.name}")
        else:
            # Several columns: numbers are summed (NULL when a part is unreadable or all are blank); text takes
            # the first non-blank.
            cols = [staged.column_of(s) for s in sources]
            for i, c in enumerate(cols):
                texts.append(f"{parse.clean_column(c, styles.get(c, ColumnStyle()))} AS t_{fld.name}_{i}")
            cleaned = (parse.clean_column(c, styles.get(c, ColumnStyle()), fld.type == TEXT) for c in cols)
            texts.append(f"coalesce({', '.join(cleaned)}) AS t_{fld.name}")
            if fld.type in (INT, NUMBER, MONEY):
                parts = [parse.typed_sql(fld.type, f"t_{fld.name}_{i}", styles.get(c, ColumnStyle()))
                         for i, c in enumerate(cols)]
                bad = " OR ".join(f"(t_{fld.name}_{i} IS NOT NULL AND {p} IS NULL)" for i, p in enumerate(parts))
                summed = " + ".join(f"coalesce({p}, 0)" for p in parts)
                typed.append(f"CASE WHEN t_{fld.name} IS NULL OR {bad} THEN NULL ELSE {summed} END AS v_{fld.name}")
            else:
                style = _zoned(styles.get(cols[0], ColumnStyle()), plan)
                typed.append(f"{parse.typed_sql(fld.type, 't_' + fld.name, style, plan.status_words)} AS v_{fld.name}")
    return texts, typed


def _zoned(style: ColumnStyle, plan: Plan) -> ColumnStyle:
    """Return the style with the plan's time zones on its date decision."""
    if style.dates is None and not (plan.to_zone or plan.from_zone):
        return style
    dates = (style.dates or DateStyle(formats=date_rules.LEGACY_FORMATS, serial=True))
    return replace(style, dates=dates.with_zones(plan.to_zone, plan.from_zone))


def _sql_type(type_: str) -> str:
    return {ID: "VARCHAR", TEXT: "VARCHAR", INT: "BIGINT", NUMBER: "DOUBLE", MONEY: "DOUBLE", DATE: "DATE",
            TIMESTAMP: "TIMESTAMP", BOOL: "BOOLEAN", STATUS: "VARCHAR"}[type_]


def _word_map_sql(value: str, words: dict[str, tuple[str, ...]], default: str | None) -> str:
    """Return CASE mapping lower-cased words to their key (``default`` for other words, NULL when None)."""
    whens = " ".join(f"WHEN lower(trim({value})) IN ({', '.join(sql_str(w) for w in ws)}) THEN {sql_str(k)}"
                     for k, ws in words.items())
    return f"(CASE {whens} ELSE {sql_str(default) if default else 'NULL'} END)"


def campaign_kind_sql(value: str) -> str:
    """Return big_sale / member_day / flash_sale / other for a campaign type word (other when unknown)."""
    return _word_map_sql(value, CAMPAIGN_KINDS, "other")


def arm_sql(value: str) -> str:
    """Return treatment / control for an outreach group word (NULL when it is neither)."""
    return _word_map_sql(value, ARMS, None)


def _final_value(kind: Kind, plan: Plan, fld, file_hash: str) -> str:
    """Return the SQL for the stored value of a field (defaults, prefixes, generated ids)."""
    mapped = bool(plan.mapping.get(fld.name))
    value = f"v_{fld.name}" if mapped else f"CAST(NULL AS {_sql_type(fld.type)})"
    prefix = (plan.options.get("prefix") or {}).get(fld.name)
    if prefix and mapped:
        value = f"({sql_str(prefix)} || {value})"
    if fld.name == "month" and plan.options.get("month_abbrev") and mapped:
        value = f"(CASE WHEN regexp_full_match({value}, '[A-Za-z]+') THEN upper(left({value}, 1)) || lower(substr({value}, 2, 2)) ELSE {value} END)"
    default = DEFAULTS.get((kind.name, fld.name))
    if default is not None:
        value = f"coalesce({value}, {sql_str(default)})"
    if kind.name == "orders" and fld.name == "customer_id" and mapped:
        holders = ", ".join(sql_str(v) for v in PLACEHOLDER_IDS)
        value = f"(CASE WHEN lower({value}) IN ({holders}) THEN NULL ELSE {value} END)"
    if fld.type == MONEY and mapped and plan.money_factor() != 1.0:
        value = f"({value} * {float(plan.money_factor())!r})"
    if fld.name in GENERATED_IDS:
        value = f"coalesce({value}, {sql_str(file_hash[:12] + '-')} || CAST(_row AS VARCHAR))"
    if kind.name == "orders" and fld.name == "quantity" and not mapped:
        value = "CAST(1 AS BIGINT)"
    if (kind.name, fld.name) == ("campaigns", "campaign_id"):
        # Stable across re-imports of an edited calendar: the name and the start day.
        value = f"coalesce({value}, v_name || ' ' || strftime(v_start_date, '%Y-%m-%d'))"
    if (kind.name, fld.name) == ("campaigns", "kind"):
        value = campaign_kind_sql(value) if mapped else "'other'"
    if (kind.name, fld.name) == ("outreach", "arm") and mapped:
        value = arm_sql(value)
    return value


def no_line_sql(plan: Plan, prefix: str = "t_") -> str:
    """Return a condition true for a row that holds an order but no line (multi-file exports: an order without
    items), when the plan allows such rows; else false."""
    if not plan.options.get("order_only_rows"):
        return "false"
    fields = [f for f in ("product_id", "product_name", "quantity", "unit_price", "line_total") if plan.mapping.get(f)]
    return " AND ".join(f"{prefix}{f} IS NULL" for f in fields) if fields else "false"


def non_sale_line_sql(plan: Plan) -> str:
    """Return a SQL condition (over the typed row) true for an order line that can never be a sale: its status is
    cancelled, returned or unpaid, it has a cancellation time, its order number marks a cancellation, or the report
    has a payment-time column and this line has none."""
    mapped = {f for f, src in plan.mapping.items() if src}
    parts = []
    if "status" in mapped:
        parts.append("coalesce(v_status IN ('cancelled', 'returned', 'unpaid'), false)")
    if "cancelled_at" in mapped:
        parts.append("t_cancelled_at IS NOT NULL")
    prefix = plan.options.get("cancelled_prefix")
    if prefix:
        parts.append(f"coalesce(starts_with(v_order_id, {sql_str(prefix)}), false)")
    if "paid_ts" in mapped and "status" not in mapped:
        parts.append("t_paid_ts IS NULL")
    return " OR ".join(parts) if parts else "false"


def _row_checks(kind: Kind, plan: Plan) -> list[str]:
    """Return SQL expressions yielding an error string or NULL, per row."""
    checks = ["CASE WHEN _extra IS NOT NULL THEN 'row: more fields than the header' END"]
    non_sale = non_sale_line_sql(plan) if kind.name == "orders" else "false"
    if kind.name == "orders":
        non_sale = f"({non_sale}) OR ({no_line_sql(plan)})"
    if plan.options.get("link_check"):
        checks.append("t__link")  # set by a multi-file import: e.g. items without an order
    for fld in kind.fields:
        mapped = bool(plan.mapping.get(fld.name))
        name = fld.name
        if mapped and fld.type == STATUS:
            # One problem per unknown word (with its row count), not one per row: the word is in the message.
            checks.append(f"CASE WHEN t_{name} IS NOT NULL AND v_{name} IS NULL THEN "
                          f"{sql_str(name + ': ' + UNKNOWN_STATUS + ' ')} || replace(t_{name}, ';', ',') END")
        elif mapped:
            checks.append(f"CASE WHEN t_{name} IS NOT NULL AND v_{name} IS NULL THEN "
                          f"{sql_str(name + ': ' + TYPE_PROBLEM[fld.type])} END")
            if fld.type == ID:
                checks.append(f"CASE WHEN {parse.id_mangled_sql('t_' + name)} THEN "
                              f"{sql_str(name + ': scientific notation (digits lost)')} END")
            if name in NON_NEGATIVE:
                checks.append(f"CASE WHEN v_{name} < 0 THEN {sql_str(name + ': negative')} END")
            if name in RATES:
                checks.append(f"CASE WHEN v_{name} < 0 OR v_{name} > 1 THEN {sql_str(name + ': out of range')} END")
            if name == "rating":
                checks.append(f"CASE WHEN v_{name} NOT BETWEEN 1 AND 5 THEN 'rating: out of range' END")
            if name == "quantity":
                checks.append(f"CASE WHEN v_quantity = 0 AND NOT ({non_sale}) THEN 'quantity: is 0' END")
            if fld.type == MONEY:
                checks.append(f"CASE WHEN abs(v_{name}) > {MAX_AMOUNT} THEN {sql_str(name + ': ' + TOO_LARGE)} END")
            elif fld.type == NUMBER:
                checks.append(f"CASE WHEN abs(v_{name}) > {MAX_NUMBER} THEN {sql_str(name + ': ' + TOO_LARGE)} END")
            if fld.type in (DATE, TIMESTAMP):
                checks.append(f"CASE WHEN CAST(v_{name} AS TIMESTAMP) > current_localtimestamp() + INTERVAL 1 DAY "
                              f"THEN {sql_str(name + ': in the future')} "
                              f"WHEN v_{name} < DATE '1990-01-01' THEN {sql_str(name + ': before 1990')} END")
        # Orders: the order-level required fields are checked per order, not per line (Shopify fills them once).
        order_level = kind.name == "orders" and name in ("order_ts",)
        if fld.required and not order_level and mapped:
            checks.append(f"CASE WHEN t_{name} IS NULL THEN {sql_str(name + ': missing')} END")
    if kind.name == "orders":
        products = [f"v_{c} IS NULL" for c in ("product_id", "product_name") if plan.mapping.get(c)]
        if products:
            checks.append(f"CASE WHEN {' AND '.join(products)} AND NOT ({no_line_sql(plan)}) "
                          "THEN 'product_id: missing' END")
        if plan.mapping.get("quantity"):
            checks.append(f"CASE WHEN t_quantity IS NULL AND NOT ({non_sale}) THEN 'quantity: missing' END")
            checks.append("CASE WHEN abs(v_quantity) > 1000000000 THEN 'quantity: out of range' END")
        price_cols = [c for c in ("unit_price", "line_total") if plan.mapping.get(c)]
        if price_cols:
            absent = " AND ".join(f"t_{c} IS NULL" for c in price_cols)
            # Cancelled, returned and unpaid lines are kept even without an amount (METRICS.md): they sell nothing.
            checks.append(f"CASE WHEN {absent} AND NOT ({non_sale}) THEN 'unit_price: missing' END")
        if plan.mapping.get("line_total") and not plan.mapping.get("unit_price"):
            qty = "v_quantity" if plan.mapping.get("quantity") else "1"
            checks.append(f"CASE WHEN v_line_total < 0 AND {qty} > 0 THEN 'line_total: negative' END")
    if kind.name == "outreach" and plan.mapping.get("arm"):
        checks.append(f"CASE WHEN t_arm IS NOT NULL AND {arm_sql('v_arm')} IS NULL THEN 'arm: not treatment or control' END")
    if kind.name == "campaigns":
        checks.append("CASE WHEN v_end_date < v_start_date THEN 'end_date: before the start' END")
        if plan.mapping.get("presale_start"):
            checks.append("CASE WHEN v_presale_start > v_start_date THEN 'presale_start: after the start' END")
    if kind.name == "scroll_depth" and plan.mapping.get("screen"):
        checks.append("CASE WHEN v_screen < 1 OR v_screen > 1000 THEN 'screen: out of range' END")
    for name in ("pages_viewed", "product_pages", "rating"):
        if plan.mapping.get(name) and name in kind.field_names:
            checks.append(f"CASE WHEN abs(v_{name}) > 1000000000 THEN {sql_str(name + ': out of range')} END")
    return checks


def build_typed(cur: duckdb.DuckDBPyConnection, plan: Plan, staged: Staged,
                file_hash: str | Callable[[], str]) -> dict[str, ColumnStyle]:
    """Create ``ingest_rows`` / view ``ingest_typed`` (typed values + ``_errors`` per row); return the column styles.

    ``file_hash`` (or a function returning it, called once the file is read) prefixes generated ids.
    """
    kind = get_kind(plan.kind)
    types: dict[str, set[str]] = {}
    for name, src in plan.mapping.items():
        if src and name in kind.field_names:
            for s in (src if isinstance(src, list) else [src]):
                types.setdefault(staged.column_of(s), set()).add(kind.field(name).type)
    last = staged.columns[-1]
    # Two steps. (1) The mapped text columns are copied as read: DuckDB keeps a CSV file's row order when it is
    # loaded into a table (and the parallel reader is kept), so the copy's rowids number the rows in file order
    # (documented: duckdb.org/docs/stable/sql/dialect/order_preservation; tests/test_ingest_large.py checks it).
    # Numbering while reading (row_number() OVER ()) would force the whole read and all typing onto one thread.
    # (2) Typing and checks then run on all cores; each row carries its number, so their output order is free.
    # The second column too: a row without it has a single field (a summary line, see _drop_footer).
    link = plan.options.get("link_check")
    link_col = staged.column_of(link) if link and link in staged.headers else None
    extra_cols = {link_col} if link_col else set()
    used = sorted(set(types) | {last, staged.columns[min(1, len(staged.columns) - 1)]} | extra_cols,
                  key=staged.columns.index)
    select_text = f"SELECT {', '.join(['_extra', *used])}"
    cur.execute("DROP TABLE IF EXISTS ingest_text")
    # Number and date columns whose first rows are all plain (12.5, 2024-03-05 14:02) are read typed by DuckDB
    # itself, which is cheaper than reading text and parsing it. A later value it cannot read makes the read
    # fail, and the file is then read as text like any other (nothing is lost, only the shortcut).
    read_typed = _plain_columns(staged, plan, types)
    reader = typed_reader(staged, read_typed) if read_typed else None
    if reader:
        for table in (REJECTS_TABLE, REJECTS_TABLE + "_scans"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TEMP TABLE ingest_text AS {select_text} FROM {reader}")
        if cur.execute(f"SELECT count(*) FROM {REJECTS_TABLE}").fetchone()[0]:
            cur.execute("DROP TABLE ingest_text")
            read_typed = {}
    else:
        read_typed = {}
    if not read_typed:
        try:
            cur.execute(f"CREATE TEMP TABLE ingest_text AS {select_text} FROM ingest_file")
        except duckdb.Error as exc:
            raise csv_error(exc) from exc
    first_rowid = int(cur.execute("SELECT coalesce(min(rowid), 0) FROM ingest_text").fetchone()[0])
    plan.footer_rows = _drop_footer(cur, staged, last)
    # Decimal mark and day/month order from the first rows (a later row written otherwise fails to parse and is
    # reported; the number and date patterns are strict enough never to misread it silently).
    text_columns = sorted(c for c in types if c not in read_typed)
    date_order = plan.options.get("date_order") if plan.options.get("date_order") in ("dmy", "mdy") else None
    sample = f"(SELECT * FROM ingest_text LIMIT {STYLE_SAMPLE_ROWS})"
    styles = parse.detect_styles(cur, sample, text_columns, types, dates_table="ingest_text", date_order=date_order)
    money_text = [c for c in text_columns if MONEY in types.get(c, set())]
    plan.evidence["signs"] = currency.sign_counts(cur, sample, money_text)
    texts, typed = _field_exprs(kind, plan, staged, styles, read_typed)
    short = f"CASE WHEN {last} IS NULL THEN 'row: fewer fields than the header' END" if len(staged.columns) > 1 else "NULL"
    checks = _row_checks(kind, plan) + [short]
    # Only fields that vary per row are stored; constants (unmapped fields, defaults) and cheap derived order
    # columns come from the view ``ingest_typed`` over the table ``ingest_rows``: 5M rows of constant columns
    # would otherwise cost hundreds of MB.
    stored, constant = [], []
    file_hash = file_hash() if callable(file_hash) else file_hash  # a background hash is awaited only now
    for f in kind.fields:
        value = _final_value(kind, plan, f, file_hash)
        varies = bool(plan.mapping.get(f.name)) or f.name in GENERATED_IDS or (kind.name, f.name) in DERIVED_IDS
        (stored if varies else constant).append(f"{value} AS {f.name}")
    stored_extra, derived = _order_helpers(plan) if kind.name == "orders" else ([], [])
    for name in ("ingest_typed",):
        cur.execute(f"DROP VIEW IF EXISTS {name}")
    cur.execute("DROP TABLE IF EXISTS ingest_rows")
    if link_col:
        texts.append(f"nullif({link_col}, '') AS t__link")
    inner = ", ".join(["_row", "_extra", last, *texts])
    mid = ", ".join(["*", *typed]) if typed else "*"
    # The per-row problem texts are only built for rows failing a check (most rows pass every check).
    failing = " OR ".join(f"({c}) IS NOT NULL" for c in checks)
    try:
        numbered = f"SELECT CAST(rowid - {first_rowid} + {int(staged.row_offset)} AS BIGINT) AS _row, * FROM ingest_text"
        cur.execute(
            f"CREATE TEMP TABLE ingest_rows AS "
            f"SELECT {', '.join(['_row', *stored, *stored_extra])}, "
            f"CASE WHEN {failing} THEN nullif(concat_ws('; ', {', '.join(checks)}), '') END AS _errors "
            f"FROM (SELECT {mid} FROM (SELECT {inner} FROM ({numbered})))")
    except duckdb.Error as exc:
        raise csv_error(exc) from exc
    cur.execute("DROP TABLE ingest_text")
    # Not the rowids of ingest_rows: a table created from the typing query did not keep file order in them
    # (measured: blocks of a 5M-line file came out swapped), and the numbers must match the file for reports,
    # first values in file order, line numbers and generated ids (tests/test_ingest_large.py).
    staged.rows = int(cur.execute("SELECT count(*) FROM ingest_rows").fetchone()[0])
    cur.execute(f"CREATE TEMP VIEW ingest_typed AS SELECT *{''.join(', ' + d for d in derived)} "
                f"FROM (SELECT *{''.join(', ' + c for c in constant)} FROM ingest_rows)")
    if staged.rows == 0:
        raise IngestError(_("The file has a header row but no data rows."))
    if kind.name == "orders":
        _order_level_checks(cur, plan)
    elif kind.key:
        stored_names = {f.name for f in kind.fields if plan.mapping.get(f.name)} | set(GENERATED_IDS) | {
            name for k, name in DERIVED_IDS if k == kind.name}
        key = tuple(k for k in DEDUPE_KEYS.get(kind.name, kind.key) if k in stored_names)
        if key:
            _duplicate_checks(cur, key)
    return styles


# Values DuckDB reads exactly as the text path would (its own cast is that path's first try).
_PLAIN = {INT: ("BIGINT", r"-?[0-9]{1,18}"), NUMBER: ("DOUBLE", r"-?[0-9]{1,15}(\.[0-9]{1,6})?"),
          MONEY: ("DOUBLE", r"-?[0-9]{1,15}(\.[0-9]{1,6})?"),
          TIMESTAMP: ("TIMESTAMP", r"[12][0-9]{3}-[01][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9](:[0-5][0-9])?)?"),
          DATE: ("TIMESTAMP", r"[12][0-9]{3}-[01][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9](:[0-5][0-9])?)?")}
PLAIN_SAMPLE_ROWS = 2000


def _drop_footer(cur: duckdb.DuckDBPyConnection, staged: Staged, last: str) -> int:
    """Remove summary lines after the data (eBay's "2 record(s) downloaded", "Seller ID: ..."): at most 5 rows of a
    single field after the last complete row. Return how many were removed."""
    if len(staged.columns) < 2:
        return 0
    tail = cur.execute(f"""
        SELECT count(*), bool_and({staged.columns[1]} IS NULL) FROM ingest_text
        WHERE rowid > (SELECT coalesce(max(rowid), -1) FROM ingest_text WHERE {last} IS NOT NULL)""").fetchone()
    n, short = int(tail[0]), tail[1]
    if 0 < n <= 5 and short:
        cur.execute(f"DELETE FROM ingest_text WHERE rowid > (SELECT max(rowid) FROM ingest_text WHERE {last} IS NOT NULL)")
        return n
    return 0


def unknown_statuses(cur: duckdb.DuckDBPyConnection, plan: Plan) -> dict[str, int]:
    """Return {status word as written: rows} for the words the status table does not map."""
    if plan.kind != "orders" or not plan.mapping.get("status"):
        return {}
    rows = cur.execute("SELECT _source_status, count(*) FROM ingest_typed WHERE _source_status IS NOT NULL "
                       "AND status IS NULL GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    return {w: int(n) for w, n in rows}


def _plain_columns(staged: Staged, plan: Plan, types: dict[str, set[str]]) -> dict[str, str]:
    """Return {staged column: SQL type} for number/date columns whose first rows are all plain and filled in."""
    summed = {staged.column_of(s) for src in plan.mapping.values() if isinstance(src, list) for s in src}
    candidates = {c: _PLAIN[next(iter(t))] for c, t in types.items()
                  if len(t) == 1 and next(iter(t)) in _PLAIN and c not in summed}
    if not candidates:
        return {}
    rows = head_rows(staged, PLAIN_SAMPLE_ROWS)
    if not rows:
        return {}
    index = {c: staged.columns.index(c) for c in candidates}
    plain = {}
    for col, (sql_type, pattern) in candidates.items():
        regex = re.compile(pattern)
        if all(regex.fullmatch(row[index[col]]) for row in rows):
            plain[col] = sql_type
    return plain


def _order_helpers(plan: Plan) -> tuple[list[str], list[str]]:
    """Return (per-line columns to store, columns derived in the view) that the order loader needs."""
    mapped = {f for f, src in plan.mapping.items() if src}
    stored = []
    if "status" in mapped:
        stored.append("t_status AS _source_status")
    if "cancelled_at" in mapped:
        stored.append("t_cancelled_at IS NOT NULL AS _cancel_flag")
    prefix = plan.options.get("cancelled_prefix")
    cancelled = (["_cancel_flag"] if "cancelled_at" in mapped else []) + (
        [f"starts_with(order_id, {sql_str(prefix)})"] if prefix else [])
    status = "status" if "status" in mapped else "CAST(NULL AS VARCHAR)"
    if "fulfillment_status" in mapped and "status" in mapped:
        status = ("CASE WHEN status = 'paid' AND lower(fulfillment_status) IN ('fulfilled', 'shipped', 'partial') "
                  "THEN 'shipped' ELSE status END")
    if plan.options.get("order_only_rows"):
        stored.append(f"({no_line_sql(plan)}) AS _no_line")
    raw = "_source_status" if "status" in mapped else "CAST(NULL AS VARCHAR)"
    product_parts = [c for c in ("product_id", "product_name") if c in mapped]
    product = f"coalesce({', '.join(product_parts)})" if product_parts else "'(unspecified)'"
    # A cancelled or unpaid line may have no amount (it sells nothing): its price is stored as 0.
    if "unit_price" in mapped and "line_total" in mapped:
        price = "coalesce(unit_price, line_total / nullif(quantity, 0), 0)"
    elif "unit_price" in mapped:
        price = "coalesce(unit_price, 0)"
    else:
        price = "coalesce(line_total / nullif(quantity, 0), 0)"
    times = [c for c in ("order_ts", "paid_ts") if c in mapped]
    ts = f"coalesce({', '.join(times)})" if times else "CAST(NULL AS TIMESTAMP)"
    derived = [f"({' OR '.join(cancelled) if cancelled else 'false'}) AS _cancelled", f"{status} AS _status",
               f"{product} AS _product_id", f"{price} AS _unit_price", f"{ts} AS _order_ts"]
    if raw != "_source_status":
        derived.append(f"{raw} AS _source_status")
    return stored, derived


def _order_level_checks(cur: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """Build ``ingest_orders`` (one row per order, first non-blank order-level values in file order) and reject
    whole orders: no order time on any line, lines of different customers, or any invalid line.

    One GROUP BY serves both the checks and the load (an order without problems has only valid lines).
    """
    mapped = {f for f, src in plan.mapping.items() if src}
    sql_types = {"customer_id": "VARCHAR", "channel": "VARCHAR", "device": "VARCHAR", "campaign_id": "VARCHAR",
                 "discount": "DOUBLE"}

    def first(col: str) -> str:
        # Aggregates only over columns the file has: an unmapped column is NULL on every line. arg_min skips NULL
        # values, so this is the first non-blank value in file order.
        if col in sql_types and col not in mapped:
            return f"CAST(NULL AS {sql_types[col]})"
        return f"arg_min({col}, _row)"

    presale = "bool_or(is_presale)" if "is_presale" in mapped else "false"
    paid = "bool_or(paid_ts IS NOT NULL)" if "paid_ts" in mapped else "true"
    shipped = "bool_or(shipped_ts IS NOT NULL)" if "shipped_ts" in mapped else "false"
    cancelled = "bool_or(_cancelled)" if ("cancelled_at" in mapped or plan.options.get("cancelled_prefix")) else "false"
    two_customers = ("coalesce(min(customer_id) <> max(customer_id), false)" if "customer_id" in mapped else "false")
    # The model status and the platform's own word come from the same line (the first with a status): one
    # aggregate of both instead of two.
    status_pair = ("arg_min({'s': _status, 'r': _source_status}, CASE WHEN _source_status IS NOT NULL THEN _row END)"
                   if "status" in mapped else "CAST(NULL AS STRUCT(s VARCHAR, r VARCHAR))")
    cur.execute("DROP TABLE IF EXISTS ingest_orders")
    cur.execute(f"""
        CREATE TEMP TABLE ingest_orders AS
        SELECT * EXCLUDE (_status_pair, _any_cancelled, _any_paid, _any_shipped),
               _any_cancelled OR _status_pair.s IS NOT NULL OR NOT _any_paid OR _any_shipped AS status_from_file,
               CASE WHEN _any_cancelled THEN 'cancelled'
                    WHEN _status_pair.s IS NOT NULL THEN _status_pair.s
                    WHEN NOT _any_paid THEN 'unpaid'  -- a blank payment time in a report that has the column
                    WHEN _any_shipped THEN 'shipped'  -- a shipping time and no status word (eBay)
                    ELSE $default_status END AS status,
               _status_pair.r AS source_status,
               CAST(order_ts AS DATE) AS order_date, no_time OR two_customers OR bad_row IS NOT NULL AS bad
        FROM (
            SELECT order_id,
                   -- An order's lines name one customer (else the order is rejected below), so min() is it.
                   {'min(customer_id)' if 'customer_id' in mapped else 'CAST(NULL AS VARCHAR)'} AS customer_id,
                   {first('_order_ts')} AS order_ts,
                   {cancelled} AS _any_cancelled,
                   {paid} AS _any_paid,
                   {shipped} AS _any_shipped,
                   {status_pair} AS _status_pair,
                   {first('channel')} AS channel,
                   {first('device')} AS device,
                   {first('campaign_id')} AS campaign_id,
                   {presale} AS is_presale,
                   {first('discount')} AS discount,
                   count(_order_ts) = 0 AS no_time,
                   {two_customers} AS two_customers,
                   min(_row) FILTER (WHERE _errors IS NOT NULL) AS bad_row,
                   min(_row) AS first_row,
                   max(_row) AS last_row,
                   max(_row) - min(_row) + 1 = count(*) AS contiguous
            FROM ingest_typed
            WHERE order_id IS NOT NULL
            GROUP BY order_id)""", {"default_status": plan.options.get("default_status", "completed")})
    if not cur.execute("SELECT count(*) FILTER (WHERE bad) FROM ingest_orders").fetchone()[0]:
        return
    cur.execute("""
        UPDATE ingest_rows t SET _errors = nullif(concat_ws('; ',
            CASE WHEN b.no_time THEN 'order_ts: missing' END,
            CASE WHEN b.two_customers THEN 'order_id: lines disagree on the customer (first on row '
                                           || b.first_row || ')' END,
            CASE WHEN t._errors IS NULL AND b.bad_row IS NOT NULL
                 THEN 'order: another line of this order is invalid (row ' || b.bad_row || ')' END,
            t._errors), '')
        FROM ingest_orders b WHERE t.order_id = b.order_id AND b.bad""")


def _duplicate_checks(cur: duckdb.DuckDBPyConnection, key: tuple[str, ...]) -> None:
    """Reject later rows repeating the natural key of an earlier valid row."""
    keys = ", ".join(key)
    label = "+".join(key)
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in key)
    cur.execute(f"""
        UPDATE ingest_rows t SET _errors = {sql_str(label + ': duplicate in the file (first on row ')} || d.first_row || ')'
        FROM (SELECT {keys}, min(_row) AS first_row FROM ingest_rows WHERE _errors IS NULL
              GROUP BY {keys} HAVING count(*) > 1) d
        WHERE {on} AND t._row > d.first_row AND t._errors IS NULL""")


def _hint(message: str) -> str:
    for key, hint in HINTS.items():
        if key in message:
            return hint
    return ""


def problems(cur: duckdb.DuckDBPyConnection, plan: Plan, staged: Staged, examples: int = 5) -> list[Problem]:
    """Return the problems grouped by field and message, with counts, example rows/values and advice."""
    rows = cur.execute(f"""
        SELECT e, count(*) AS n, list(_row ORDER BY _row)[1:{int(examples)}]
        FROM (SELECT _row, regexp_replace(unnest(string_split(_errors, '; ')),
                                          ' \\(first on row \\d+\\)| \\(row \\d+\\)', '') AS e
              FROM ingest_typed WHERE _errors IS NOT NULL)
        GROUP BY e ORDER BY n DESC, e""").fetchall()
    out = []
    for message, count, example_rows in rows:
        fld, _sep, text = message.partition(": ")
        source = plan.mapping.get(fld)
        values = {}
        if source and not isinstance(source, list) and source in staged.headers:
            col = staged.column_of(source)
            values = dict(cur.execute(f"SELECT _row, {col} FROM ingest_raw WHERE _row IN (SELECT unnest($ids))",
                                      {"ids": list(example_rows)}).fetchall())
        column = source if source and not isinstance(source, list) else None
        label = f"{fld} (column {source!r})" if column else fld
        out.append(Problem(field=label, message=text, rows=int(count),
                           examples=[{"row": int(r), "value": values.get(r)} for r in example_rows],
                           hint=_hint(text), name=fld, source=column))
    return out


def count_valid(cur: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Return (valid rows, rejected rows) of ``ingest_typed``."""
    valid, bad = cur.execute("SELECT count(*) FILTER (WHERE _errors IS NULL), count(_errors) "
                             "FROM ingest_typed").fetchone()
    return int(valid), int(bad)


def write_rejects(cur: duckdb.DuckDBPyConnection, staged: Staged, path: str | Path,
                  rejected: str = "SELECT _row, _errors FROM ingest_typed WHERE _errors IS NOT NULL") -> int:
    """Write the rejected rows, as in the file plus ``row`` and ``reason`` columns, to a UTF-8 CSV; return the count.

    ``rejected``: a query of (_row, _errors) naming the rejected rows (the typed rows by default; an event log passes
    its own). Cells a spreadsheet would run as formulas are defused (ecomops.exports), as in every CSV the product
    writes.
    """
    cols = ", ".join(f"{exports.defuse_sql(f'CAST(r.{c} AS VARCHAR)')} AS {quote_ident(exports.defuse(h))}"
                     for c, h in zip(staged.columns, staged.headers))
    reserved = {h.lower() for h in staged.headers}
    row_name = "row" if "row" not in reserved else "_row"
    reason_name = "reason" if "reason" not in reserved else "_reason"
    n = cur.execute(f"""
        COPY (SELECT t._row AS {row_name}, {cols}, {exports.defuse_sql('t._errors')} AS {reason_name}
              FROM ({rejected}) t JOIN ingest_raw r ON r._row = t._row
              ORDER BY t._row)
        TO '{str(path).replace("'", "''")}' (FORMAT csv, HEADER true)""").fetchone()[0]
    return int(n)
