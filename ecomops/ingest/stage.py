"""Expose a prepared file as a temporary view of text columns over DuckDB's own reader (no pandas).

The staging view ``ingest_file`` has one VARCHAR column per header, named c0, c1, ... (the user's header names
never become SQL identifiers), plus ``_extra`` which catches a field beyond the header: with ``null_padding`` a
short row gets NULL in its missing columns while an empty cell stays '' (nullstr is set to a value no export
writes), so ragged rows are told apart from blank cells. ``ingest_raw`` adds ``_row``, the spreadsheet row
(header = row 1); samples that need no row numbers read ``ingest_file`` (the numbering window costs a third of
a read).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import duckdb

from ecomops.ingest.sniff import IngestError, Source

_NULL_MARKER = "\x01\x02ecomops-null\x02\x01"


@dataclass
class Staged:
    """The staging table and how its columns relate to the file."""

    headers: list[str]
    columns: list[str]  # c0, c1, ... in header order
    row_offset: int  # spreadsheet row number of the first data row
    rows: int
    source: Source | None = None

    def column_of(self, header: str) -> str:
        """Return the staging column holding the named header."""
        return self.columns[self.headers.index(header)]


def quote_ident(name: str) -> str:
    """Return a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def stage(cur: duckdb.DuckDBPyConnection, source: Source, limit: int | None = None) -> Staged:
    """Create the temp view ``ingest_raw`` over the file (first ``limit`` rows only when given).

    A view, not a table: the import reads the file once into its typed table, and only files with problems are
    read again (for example values and the rejected rows), so a 5M-line file is never held twice in memory.
    IngestError for unreadable files (read errors surface when the view is first read: see :func:`csv_error`).
    """
    cur.execute("DROP VIEW IF EXISTS ingest_raw")
    cur.execute("DROP VIEW IF EXISTS ingest_file")
    if source.format == "parquet":
        return _stage_parquet(cur, source, limit)
    columns = [f"c{i}" for i in range(len(source.headers))]
    # Spreadsheet row numbers: the header is row 1 (a file without one starts its data on row 1).
    first_row = (2 if source.has_header else 1) + int(source.skip_lines)
    tail = f" LIMIT {int(limit)}" if limit else ""
    cur.execute(f"CREATE TEMP VIEW ingest_file AS SELECT * FROM {_csv_reader(source, columns)}{tail}")
    _number_rows(cur, first_row)
    return Staged(headers=list(source.headers), columns=columns, row_offset=first_row, rows=0, source=source)


def _csv_reader(source: Source, columns: list[str], types: dict[str, str] | None = None) -> str:
    """Return the read_csv(...) call over the file: every column VARCHAR unless ``types`` names another type."""
    struct = ", ".join(f"'{name}': '{(types or {}).get(name, 'VARCHAR')}'" for name in [*columns, "_extra"])
    # Quoted newlines with null_padding need the single-threaded reader: files without any quote character get
    # the parallel one.
    options = dict(header=source.has_header, delim=source.delimiter, quote='"', escape='"', null_padding=True,
                   auto_detect=False, nullstr=_NULL_MARKER, skip=source.skip_lines, strict_mode=False,
                   max_line_size=16 * 1024 * 1024, parallel=not source.has_quotes)
    if types:
        # A value the reader cannot convert is recorded in ``ingest_rejects`` instead of failing the statement
        # (which would abort the import's transaction); the caller then reads the file as text.
        options.update(store_rejects=True, rejects_table=REJECTS_TABLE, rejects_scan=REJECTS_TABLE + "_scans")
    args = ", ".join(f"{k} = {_literal(v)}" for k, v in options.items())
    return f"read_csv({_literal(str(source.path))}, {args}, columns = {{{struct}}})"


REJECTS_TABLE = "ingest_rejects"


def typed_reader(staged: Staged, types: dict[str, str]) -> str | None:
    """Return a read_csv(...) call that reads the named columns as SQL types (None for non-CSV files).

    Lines it cannot read are skipped and listed in the temp table ``ingest_rejects`` (drop it before reading).
    """
    if staged.source is None or staged.source.format != "csv":
        return None
    return _csv_reader(staged.source, staged.columns, types)


def head_rows(staged: Staged, limit: int = 2000) -> list[list[str]]:
    """Return up to ``limit`` data rows from the head of a CSV file read when it was sniffed (parsed in Python)."""
    source = staged.source
    if source is None or source.format != "csv" or not source.head:
        return []
    lines = source.head.splitlines(keepends=True)
    if not source.head_is_whole:
        lines = lines[:-1]  # the last line may be cut off
    rows = list(csv.reader(lines, delimiter=source.delimiter))
    start = 1 if source.has_header else 0
    return [r for r in rows[start:limit + start] if len(r) == len(staged.columns)]


def _number_rows(cur: duckdb.DuckDBPyConnection, first_row: int) -> None:
    # row_number() OVER () is a streaming window: it numbers rows in file order.
    cur.execute(f"CREATE TEMP VIEW ingest_raw AS SELECT row_number() OVER () + {int(first_row) - 1} AS _row, * "
                "FROM ingest_file")


def csv_error(exc: Exception) -> "IngestError":
    """Return the user-facing error for a DuckDB error raised while reading the file."""
    return IngestError(_csv_error(str(exc)))


def _csv_error(message: str) -> str:
    line = re.search(r"Line:\s*(\d+)", message)
    where = f" near line {line.group(1)}" if line else ""
    first = message.strip().splitlines()
    detail = next((l.strip() for l in first[1:] if l.strip() and "=" not in l), first[0] if first else "")
    return (f"The file is not a well-formed CSV{where}: {detail[:200]}. Check for an unclosed quote (\") on that "
            "line, or save the file again from Excel as CSV.")


def _stage_parquet(cur: duckdb.DuckDBPyConnection, source: Source, limit: int | None = None) -> Staged:
    try:
        described = cur.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(source.path)}).fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"This Parquet file cannot be read ({str(exc).splitlines()[0]}).") from exc
    names = [row[0] for row in described]
    from ecomops.ingest.sniff import clean_headers

    source.headers = clean_headers(names)
    columns = [f"c{i}" for i in range(len(names))]
    select = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR) AS {c}" for n, c in zip(names, columns))
    tail = f" LIMIT {int(limit)}" if limit else ""
    cur.execute(f"CREATE TEMP VIEW ingest_file AS SELECT {select}, "
                f"CAST(NULL AS VARCHAR) AS _extra FROM read_parquet({_literal(str(source.path))}){tail}")
    _number_rows(cur, 2)
    return Staged(headers=list(source.headers), columns=columns, row_offset=2, rows=0, source=source)
