"""Load a prepared file into a temporary staging table of text columns, with DuckDB's own reader (no pandas).

The staging table ``ingest_raw`` has one VARCHAR column per header, named c0, c1, ... (the user's header names
never become SQL identifiers), plus ``_extra`` which catches a field beyond the header: with ``null_padding`` a
short row gets NULL in its missing columns while an empty cell stays '' (nullstr is set to a value no export
writes), so ragged rows are told apart from blank cells. Row numbers are spreadsheet rows: header = row 1.
"""
from __future__ import annotations

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

    def column_of(self, header: str) -> str:
        """Return the staging column holding the named header."""
        return self.columns[self.headers.index(header)]


def quote_ident(name: str) -> str:
    """Return a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def stage(cur: duckdb.DuckDBPyConnection, source: Source, limit: int | None = None) -> Staged:
    """Create the temp table ``ingest_raw`` from the source (first ``limit`` rows only when given); IngestError
    for unreadable files or files without data rows."""
    cur.execute("DROP TABLE IF EXISTS ingest_raw")
    if source.format == "parquet":
        return _stage_parquet(cur, source, limit)
    columns = [f"c{i}" for i in range(len(source.headers))]
    schema = {c: "VARCHAR" for c in columns}
    schema["_extra"] = "VARCHAR"
    options = dict(header=True, delim=source.delimiter, quote='"', escape='"', null_padding=True,
                   auto_detect=False, columns=schema, nullstr=_NULL_MARKER, skip=source.skip_lines,
                   strict_mode=False, max_line_size=16 * 1024 * 1024)
    # Quoted newlines with null_padding need the single-threaded reader, and a failed read cannot be retried
    # inside the import's transaction: files without any quote character get the parallel reader.
    try:
        _create_from_csv(cur, str(source.path), options, not source.has_quotes, limit)
    except duckdb.Error as exc:
        raise IngestError(_csv_error(str(exc))) from exc
    rows = cur.execute("SELECT count(*) FROM ingest_raw").fetchone()[0]
    if rows == 0:
        raise IngestError("The file has a header row but no data rows.")
    return Staged(headers=list(source.headers), columns=columns, row_offset=2 + source.skip_lines, rows=rows)


def _create_from_csv(cur: duckdb.DuckDBPyConnection, path: str, options: dict, parallel: bool,
                     limit: int | None) -> None:
    parts = []
    params: dict = {"path": path}
    for key, value in {**options, "parallel": parallel}.items():
        if key == "first_row":
            continue
        if key == "columns":
            struct = ", ".join(f"'{name}': 'VARCHAR'" for name in value)
            parts.append(f"columns = {{{struct}}}")
        else:
            params[key] = value
            parts.append(f"{key} = ${key}")
    tail = f" LIMIT {int(limit)}" if limit else ""
    # row_number() OVER () is a streaming window: it numbers rows in file order (rowid cannot be used: inside a
    # transaction, rows of a new table get provisional ids).
    params["first_row"] = 2 + int(options.get("skip", 0))
    cur.execute(f"CREATE TEMP TABLE ingest_raw AS SELECT row_number() OVER () + $first_row - 1 AS _row, * "
                f"FROM read_csv($path, {', '.join(parts)}){tail}", params)


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
    cur.execute(f"CREATE TEMP TABLE ingest_raw AS SELECT row_number() OVER () + 1 AS _row, {select}, "
                "CAST(NULL AS VARCHAR) AS _extra "
                f"FROM read_parquet($p){f' LIMIT {int(limit)}' if limit else ''}", {"p": str(source.path)})
    rows = cur.execute("SELECT count(*) FROM ingest_raw").fetchone()[0]
    if rows == 0:
        raise IngestError("The Parquet file has no rows.")
    return Staged(headers=list(source.headers), columns=columns, row_offset=2, rows=rows)
