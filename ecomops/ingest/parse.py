"""SQL expressions that turn the text of a staged column into typed values, run inside DuckDB (no Python per row).

Each builder takes a SQL expression yielding VARCHAR (already trimmed, '' -> NULL) and returns a SQL expression of
the target type that is NULL when the text cannot be read; the validator compares "text present" with "value
NULL" to report unreadable cells. The cheap cast is tried first and the slower clean-up only runs for the rows
where it failed (DuckDB evaluates COALESCE arguments lazily per row), which keeps a 5M-row import fast.

Numbers: "¥1,234.50", "$12.00", "1.234,50", "12,5", "1 234,5", "(12.00)", "12%", "RMB 30", "30元".
Dates: ISO (with or without time, "T", fraction, zone), 2024/3/5 14:02, 05.03.2024, 20240305, 3/5/2024 (month first
unless the column shows day first), 05-Mar-2024, 2024年3月5日, Excel serial numbers (e.g. 45356.5).
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ecomops.ingest import dates as date_rules
from ecomops.ingest.dates import DateStyle
from ecomops.ingest.kinds import BOOL, DATE, ID, INT, MONEY, NUMBER, STATUS, TEXT, TIMESTAMP
from ecomops.ingest.statuses import MODEL_STATUSES, normalise_sql


def sql_str(value: str) -> str:
    """Return a SQL string literal (for constants written by this module only, never user values)."""
    return "'" + value.replace("'", "''") + "'"


def clean_text(col: str, keep_lead: bool = False) -> str:
    """Return the column trimmed (also non-breaking spaces), with '' as NULL.

    ``keep_lead`` (free-text fields) keeps a leading tab or carriage return: they belong to the original text, and a
    leading tab is what defuses a spreadsheet formula (``\t=HYPERLINK(...)``), so stripping it would arm one.
    """
    if keep_lead:
        return f"nullif(rtrim(ltrim({col}, ' \n' || chr(160) || chr(12288)), ' \t\r\n' || chr(160) || chr(12288)), '')"
    return f"nullif(trim({col}, ' \t\r\n' || chr(160) || chr(12288)), '')"


def id_sql(text: str) -> str:
    """Return an identifier: Excel guards (="123", '123) removed, a float-written id 17850.0 -> 17850."""
    unwrapped = f"regexp_replace(regexp_replace({text}, '^=\"(.*)\"$', '\\1'), '^[''`]', '')"
    return f"regexp_replace({unwrapped}, '^(-?[0-9]+)\\.0+$', '\\1')"


def id_mangled_sql(text: str) -> str:
    """Return a condition true when an id was turned into scientific notation by Excel (1.23457E+18)."""
    # CASE, not AND: the regular expression then only runs for values containing a '+'.
    return (f"(CASE WHEN contains({text}, '+') "
            f"THEN regexp_full_match({text}, '[0-9](\\.[0-9]+)?[eE]\\+[0-9]+') ELSE false END)")


_NUMBER_NOISE = "[\\s\\x{00A0}\\x{202F}\\x{3000}¥￥$€£元''’]|RMB|CNY|USD|EUR|GBP|HKD"


def _number_text(text: str, decimal_comma: bool) -> str:
    """Return the number text normalised to a plain dot-decimal string ('' when it is not a number).

    Each sub-expression appears once: DuckDB hoists repeated sub-expressions and would then evaluate the slow
    clean-up for every row instead of only where the fast cast failed.
    """
    core = f"rtrim(regexp_replace(regexp_replace({text}, '{_NUMBER_NOISE}', '', 'gi'), '^\\((.*)\\)$', '-\\1'), '%')"
    # Thousands separators only in groups of three, so "1,5" is never read as 15 (nor "1.5" as 15 in comma mode).
    if decimal_comma:
        shape = "[-+]?(([0-9]{1,3}(\\.[0-9]{3})+|[0-9]+)(,[0-9]+)?|,[0-9]+)"
        return f"replace(replace(regexp_extract({core}, '^({shape})$', 1), '.', ''), ',', '.')"
    shape = "[-+]?(([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\\.[0-9]+)?|\\.[0-9]+)"
    return f"replace(regexp_extract({core}, '^({shape})$', 1), ',', '')"


def number_sql(text: str, decimal_comma: bool = False) -> str:
    """Return a DOUBLE from number text with currency signs, thousands separators and either decimal mark."""
    pct = f"(CASE WHEN ends_with({text}, '%') THEN 0.01 ELSE 1.0 END)"
    slow = f"TRY_CAST({_number_text(text, decimal_comma)} AS DOUBLE) * {pct}"
    # Fast path for plain numbers; the clean-up only runs where it failed (COALESCE is lazy).
    value = f"({slow})" if decimal_comma else f"coalesce(TRY_CAST({text} AS DOUBLE), {slow})"
    # 'nan' and 'inf' cast to DOUBLE but are no amount (nullif evaluates the value once; NaN equals NaN here).
    return (f"nullif(nullif(nullif({value}, CAST('inf' AS DOUBLE)), CAST('-inf' AS DOUBLE)), "
            f"CAST('nan' AS DOUBLE))")


def int_sql(text: str, decimal_comma: bool = False) -> str:
    """Return a BIGINT, NULL when the text is not a whole number ("2", "2.0", "1,200" are; "2.5" is not)."""
    slow = f"TRY_CAST(regexp_extract({_number_text(text, decimal_comma)}, '^([-+]?[0-9]+)(\\.0*)?$', 1) AS BIGINT)"
    return slow if decimal_comma else f"coalesce(TRY_CAST({text} AS BIGINT), {slow})"


def timestamp_sql(text: str, day_first: bool = False, style: DateStyle | None = None) -> str:
    """Return a TIMESTAMP from cleaned text (see :mod:`ecomops.ingest.dates`; ``style`` is the column's decision)."""
    return date_rules.timestamp_sql(text, style, day_first)


def date_sql(text: str, day_first: bool = False, style: DateStyle | None = None) -> str:
    """Return a DATE read like :func:`timestamp_sql`."""
    return date_rules.date_sql(text, style, day_first)


_TRUE = ("true", "t", "yes", "y", "1", "是", "有", "√", "✓", "x", "purchased", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "否", "无", "", "0.0")


def bool_sql(text: str) -> str:
    """Return a BOOLEAN from true/false, yes/no, 1/0, 是/否."""
    trues = ", ".join(sql_str(v) for v in _TRUE)
    falses = ", ".join(sql_str(v) for v in _FALSE if v)
    return f"(CASE WHEN lower({text}) IN ({trues}) THEN true WHEN lower({text}) IN ({falses}) THEN false END)"


def status_sql(text: str, words: dict[str, str] | None = None) -> str:
    """Return the model's order status for a platform status word (NULL when the word is not mapped).

    ``words``: normalised word -> model status (the table ``status_map``; see :mod:`ecomops.ingest.statuses`).
    """
    if words is None:
        from ecomops.ingest.statuses import seed_rows

        words = {w: s for w, s, _p in seed_rows()}
    model = ", ".join(sql_str(v) for v in MODEL_STATUSES)
    whens = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in sorted(words.items()))
    # The model's own words pass straight through (the lookup normalises the text first, a few string copies).
    lookup = f"(CASE {normalise_sql(text)} {whens} END)" if whens else "CAST(NULL AS VARCHAR)"
    return f"(CASE WHEN {text} IN ({model}) THEN {text} ELSE {lookup} END)"


@dataclass(frozen=True)
class ColumnStyle:
    """How one staged column writes numbers and dates, decided from the whole column."""

    decimal_comma: bool = False
    day_first: bool = False
    ambiguous_dates: bool = False
    full_trim: bool = True
    dates: DateStyle | None = None  # the column's date decision (ecomops.ingest.dates)


_EDGE_SPACES = (" ", "\t", "\n", "\r", "\u00a0", "\u3000")


def _needs_trim(col: str) -> str:
    # Prefix/suffix LIKE tests are cheap; trim() with a character list is not, so it only runs where needed.
    tests = [f"{col} LIKE '{c}%' OR {col} LIKE '%{c}'" for c in _EDGE_SPACES]
    return "(" + " OR ".join(tests) + ")"


def _needs_trim_cheap(col: str) -> str:
    # Spaces at either end, or any other blank first character (ascii() of the first character is cheap).
    return f"({col} LIKE ' %' OR {col} LIKE '% ' OR ascii({col}) IN (9, 10, 13, 160, 12288))"


def clean_column(col: str, style: ColumnStyle | None = None, keep_lead: bool = False) -> str:
    """Return the cleaned text of a staged column: trimmed only where a value needs it, '' -> NULL.

    Columns whose sampled values end in tabs, newlines or non-breaking/ideographic spaces get the complete
    (slower) test on every row; the others the cheap one. ``keep_lead``: see :func:`clean_text`.
    """
    test = _needs_trim(col) if (style is None or style.full_trim) else _needs_trim_cheap(col)
    return f"nullif(CASE WHEN {test} THEN {clean_text(col, keep_lead)} ELSE {col} END, '')"


def detect_styles(cur: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                  types: dict[str, set[str]] | None = None, dates_table: str | None = None,
                  date_order: str | None = None) -> dict[str, ColumnStyle]:
    """Return the decimal mark of the number columns (from ``table``, a sample) and the date decision of the date
    columns (from ``dates_table``, all rows; default ``table``)."""
    types = types or {}
    numeric = [c for c in columns if types.get(c, {NUMBER}) & {NUMBER, MONEY, INT}]
    dates = [c for c in columns if types.get(c, {DATE}) & {DATE, TIMESTAMP}]
    styles = {c: ColumnStyle() for c in columns}
    parts, keys = [], []
    for col in columns:
        # What the cheap test misses: a value ending in a tab, newline, non-breaking or ideographic space.
        ends = " OR ".join(f"ends_with(\"{col}\", {c})" for c in ("chr(9)", "chr(10)", "chr(13)", "chr(160)",
                                                                   "chr(12288)"))
        parts.append(f"count(*) FILTER (WHERE {ends})")
        keys.append(("odd_space", col))
    for col in numeric:
        text = clean_text(f'"{col}"')
        # One regular expression, so the cleaned text appears once (a repeated sub-expression is hoisted and would
        # be computed for every row, not only for those containing a comma). CASE, not AND: DuckDB evaluates both
        # sides of an AND for every row, but a CASE branch only for the rows that reach it.
        parts.append(f"count(*) FILTER (WHERE CASE WHEN contains(\"{col}\", ',') THEN "
                     f"regexp_matches({text}, '^[^.]*[0-9],[0-9]{{1,2}}%?$|[0-9]\\.[0-9]{{3}},[0-9]') ELSE false END)")
        keys.append(("comma", col))
    found = dict(zip(keys, cur.execute(f"SELECT {', '.join(parts)} FROM {table}").fetchone()))
    comma_cols = [c for c in numeric if found[("comma", c)]]
    dots = {}
    if comma_cols:
        # Only when commas look like decimal marks: is there also evidence of decimal points?
        checks = [f"count(*) FILTER (WHERE CASE WHEN contains(\"{c}\", '.') THEN regexp_matches("
                  f"{clean_text(chr(34) + c + chr(34))}, "
                  f"'[0-9],[0-9]{{3}}\\.[0-9]|^[^,]*[0-9]\\.([0-9]{{1,2}}|[0-9]{{4,}})%?$') ELSE false END)"
                  for c in comma_cols]
        dots = dict(zip(comma_cols, cur.execute(f"SELECT {', '.join(checks)} FROM {table}").fetchone()))
    date_styles = {}
    if dates:
        # Every value of the column is evidence (not only the sample the number styles come from).
        date_styles = date_rules.decide_columns(cur, dates_table or table, {c: clean_text(f'"{c}"') for c in dates},
                                                date_order)
    for col in columns:
        comma = col in comma_cols and not dots.get(col)
        ds = date_styles.get(col)
        styles[col] = ColumnStyle(decimal_comma=comma, day_first=bool(ds and ds.day_first),
                                  ambiguous_dates=bool(ds and ds.ambiguous), full_trim=bool(found[("odd_space", col)]),
                                  dates=ds)
    return styles


def _odd_id(text: str) -> str:
    # A decimal point, or a first character of = ' ` (61, 39, 96): ascii() of the first character is one cheap test.
    return f"(contains({text}, '.') OR ascii({text}) IN (61, 39, 96))"


def read_value_sql(type_: str, value: str) -> str:
    """Return the field value of a column DuckDB already read typed (see validate._plain_columns)."""
    if type_ in (NUMBER, MONEY):
        # As number_sql: inf and nan are no amount (DuckDB's reader accepts them).
        return f"(CASE WHEN isfinite({value}) THEN {value} END)"
    if type_ == DATE:
        return f"CAST({value} AS DATE)"
    return value


def typed_sql(type_: str, text: str, style: ColumnStyle, words: dict[str, str] | None = None) -> str:
    """Return the SQL expression converting cleaned text to the field type."""
    if type_ == ID:
        return f"(CASE WHEN {_odd_id(text)} THEN {id_sql(text)} ELSE {text} END)"
    if type_ == TEXT:
        return text
    if type_ in (NUMBER, MONEY):
        return number_sql(text, style.decimal_comma)
    if type_ == INT:
        return int_sql(text, style.decimal_comma)
    if type_ == TIMESTAMP:
        return timestamp_sql(text, style.day_first, style.dates)
    if type_ == DATE:
        return date_sql(text, style.day_first, style.dates)
    if type_ == BOOL:
        return bool_sql(text)
    if type_ == STATUS:
        return status_sql(text, words)
    raise ValueError(f"unknown field type {type_!r}")
