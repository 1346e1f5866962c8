"""What the product writes for other programs: CSV whose cells cannot run as spreadsheet formulas, JSON that parses.

Formulas (OWASP "CSV injection"): a spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``@SUM(...)``, ``+1+1``), and a leading tab or carriage return
can hide one. Every text cell (and header) that begins so gets a leading apostrophe, which spreadsheets read as
"this is text" and do not show. Only text: a number is written as a number (``-5`` stays ``-5``), and a text that
is itself a plain number (``"-5"``, ``"+3.5e2"``) is left alone, since a spreadsheet reads it as that number and
nothing more. :func:`defuse` is the rule, :func:`defuse_sql` the same rule for files DuckDB writes itself (``COPY``),
and every CSV the product writes goes through :func:`csv_bytes`, :func:`write_csv` or :func:`defuse_sql`. The product
writes no XLSX; one that does must pass its frame through :func:`defuse_frame` first.

Markdown: Streamlit renders the text of ``st.markdown``, ``st.caption``, alert boxes, metric labels and help, and
expander labels as markdown, so an imported product title such as ``![x](http://evil/t.png)`` would load a tracking
image and ``[click](javascript:...)`` would place a link. :func:`escape_markdown` is how data reaches such text: every
ASCII punctuation character is backslash-escaped (CommonMark shows an escaped character as itself), which disarms
links, images, emphasis, HTML, Streamlit's ``:red[...]`` and ``:icon:`` directives and
``$math$``; bare URLs and e-mail addresses, which GitHub-flavoured markdown links even when escaped, get an invisible
word joiner after ``:`` of ``://``, after the first ``w`` of ``www.`` and after ``@``; line breaks become spaces, so
data cannot start a heading, list or block.

JSON: Python's ``json`` writes ``NaN`` and ``Infinity`` for non-finite floats, which is not JSON. :func:`json_text`
turns them into ``null`` (and dates, numpy and pandas values into plain ones) and then refuses anything left.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_PLAIN_NUMBER_RE = re.compile(_PLAIN_NUMBER)
_STARTS_RE = "^[=+@\t\r-]"


def defuse(text: str) -> str:
    """Return a text cell as it is safe to write: with a leading apostrophe when a spreadsheet would run it."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def _defuse_series(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
        return values  # numbers, dates, booleans: never text
    is_text = values.map(lambda v: isinstance(v, str))
    if not is_text.any():
        return values
    text = values.where(is_text).astype("string")
    risky = text.str.contains(_STARTS_RE, regex=True, na=False) & ~text.str.fullmatch(_PLAIN_NUMBER, na=False)
    if not risky.any():
        return values
    values = values.copy()
    values[risky] = "'" + text[risky]
    return values


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with every risky text cell and column name defused (numbers untouched; a copy if changed)."""
    columns = [defuse(c) if isinstance(c, str) else c for c in frame.columns]
    out = frame.copy(deep=False)
    out.columns = columns
    for position in range(out.shape[1]):
        out.isetitem(position, _defuse_series(out.iloc[:, position]))
    return out


# CRLF rows (RFC 4180): the csv writer then also quotes a cell holding a carriage return, which with "\n" rows it
# writes bare — and a spreadsheet reads a bare CR inside a cell as the start of a new row.
LINE_END = "\r\n"


def csv_bytes(frame: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """Return the frame as CSV bytes with formulas defused ("utf-8-sig", with BOM, lets Excel open Chinese text)."""
    return defuse_frame(frame).to_csv(index=False, lineterminator=LINE_END).encode(encoding)


def write_csv(frame: pd.DataFrame, path: str | Path, encoding: str = "utf-8-sig") -> None:
    """Write the frame as a CSV file with formulas defused."""
    defuse_frame(frame).to_csv(path, index=False, encoding=encoding, lineterminator=LINE_END)


def defuse_sql(expression: str) -> str:
    """Return SQL applying :func:`defuse` to a VARCHAR expression (for files DuckDB writes with COPY)."""
    return (f"(CASE WHEN regexp_matches({expression}, '{_STARTS_RE}') "
            f"AND NOT regexp_full_match({expression}, '{_PLAIN_NUMBER}') "
            f"THEN '''' || {expression} ELSE {expression} END)")


_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


# GitHub-flavoured autolinks are found in the text after escapes are resolved (measured in Chromium: an escaped
# "http\://x" still became a link), so the patterns themselves are broken with an invisible WORD JOINER (U+2060).
_WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(://|(?i:www)(?=\.)|@)")


def escape_markdown(value: Any) -> str:
    """Return a value's text as markdown that shows exactly that text (see the module docstring)."""
    text = "" if value is None else str(value)
    text = _AUTOLINK_STARTS.sub(lambda m: m.group(1)[0] + _WORD_JOINER + m.group(1)[1:], _LINE_BREAKS.sub(" ", text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def jsonable(value: Any) -> Any:
    """Return a value made of plain JSON types: non-finite numbers and missing values as None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return jsonable(value.tolist())
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy arrays and scalars
        return jsonable(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (float, decimal.Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (dt.date, dt.datetime, dt.time, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (dt.timedelta, pd.Timedelta)):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def json_text(payload: Any) -> str:
    """Return a JSON document of the payload that every parser accepts (no NaN or Infinity; see :func:`jsonable`)."""
    return json.dumps(jsonable(payload), ensure_ascii=False, allow_nan=False)
