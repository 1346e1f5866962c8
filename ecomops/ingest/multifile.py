"""Exports in several files (a marketplace's orders, order items, customers and products; Taobao's order report and
its 宝贝报表), imported as one consistent, validated import that is undone as one.

Each file's role is decided from its columns and values: an *orders* file has an order id that is unique per row
and an order time; a *lines* file has an order id (repeated, or with product and price) but is not the orders file;
a *customers* or *products* file has no order id and a unique customer or product id. Files link by the columns
they share (the same header, with values that match). The lines are joined to their order, the order to its
customer, the line to its product, into one table that the single-file pipeline validates and loads:

- an order without any line is kept (counted as an order or a cancellation, with no GMV) and reported;
- a line whose order is not in the orders file is rejected with that reason;
- an orders file's own line-level columns (宝贝标题, 总金额, 宝贝总数量) give way to the lines file's.

Other files (payments, reviews, sellers, ...) are listed as not used.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ecomops.ingest import detect, parse
from ecomops.ingest.kinds import get_kind, normalise_header
from ecomops.ingest.pipeline import ImportResult, Progress, import_file
from ecomops.ingest.sniff import IngestError, Source, _sniff_text_layout, prepare
from ecomops.ingest.stage import quote_ident, stage

LINE_FIELDS = ("product_id", "product_name", "quantity", "unit_price", "line_total", "category")
LINK = "_link"


def key_sql(expr: str) -> str:
    """Return an id as the import stores it (trimmed, Excel guards such as ="123" removed, 17850.0 -> 17850), so
    files that write one id differently still link."""
    return parse.id_sql(parse.clean_text(expr))


@dataclass
class Part:
    """One file of a multi-file export."""

    source: Source
    table: str
    headers: list[str]
    rows: int
    role: str = "unused"  # orders | lines | customers | products | unused
    order_col: str | None = None
    unique_order: bool = False
    proposal: detect.Proposal | None = None
    notes: list[str] = field(default_factory=list)


def _synonym_header(headers: list[str], kind: str, field_name: str) -> str | None:
    """Return the first header matching a synonym of the field (in synonym order)."""
    by_norm = {normalise_header(h): h for h in headers}
    for synonym in get_kind(kind).field(field_name).synonyms:
        header = by_norm.get(normalise_header(synonym))
        if header:
            return header
    return None


def _stage_part(scratch: duckdb.DuckDBPyConnection, source: Source, index: int) -> Part:
    cur = scratch.cursor()
    stage(cur, source)
    table = f"f{index}"
    cols = ", ".join(f"{c} AS {quote_ident(h)}" for c, h in zip([f"c{i}" for i in range(len(source.headers))],
                                                                source.headers))
    try:
        cur.execute(f"CREATE TABLE {table} AS SELECT {cols} FROM ingest_file")
    except duckdb.Error as exc:
        from ecomops.ingest.stage import csv_error

        raise IngestError(f"{source.file_name}: {csv_error(exc)}") from exc
    rows = scratch.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return Part(source=source, table=table, headers=list(source.headers), rows=int(rows))


def _assign_roles(scratch: duckdb.DuckDBPyConnection, parts: list[Part]) -> None:
    for part in parts:
        part.proposal = detect.propose(part.headers)
        order_col = _synonym_header(part.headers, "orders", "order_id")
        if order_col:
            distinct = scratch.execute(f"SELECT count(DISTINCT {quote_ident(order_col)}) FROM {part.table}").fetchone()[0]
            part.order_col, part.unique_order = order_col, distinct == part.rows
    with_orders = [p for p in parts if p.order_col]
    has_time = {id(p): bool(_synonym_header(p.headers, "orders", "order_ts")) for p in with_orders}
    has_line = {id(p): any(_synonym_header(p.headers, "orders", f) for f in ("unit_price", "line_total"))
                for p in with_orders}
    orders = [p for p in with_orders if p.unique_order and has_time[id(p)]]
    order_file = orders[0] if orders else next((p for p in with_orders if has_time[id(p)]), None)
    if order_file is not None:
        order_file.role = "orders"
    for p in with_orders:
        if p is not order_file and (not p.unique_order or has_line[id(p)]) and has_line[id(p)]:
            p.role = "lines"
    for p in parts:
        if p.role != "unused" or p.order_col:
            continue
        for kind, key in (("customers", "customer_id"), ("products", "product_id")):
            header = _synonym_header(p.headers, kind, key)
            if header is None:
                continue
            distinct = scratch.execute(f"SELECT count(DISTINCT {quote_ident(header)}) FROM {p.table}").fetchone()[0]
            if distinct == p.rows and not any(q.role == kind for q in parts):
                p.role = kind
                break


def _link_column(scratch, tables: dict[str, str], right: Part, candidates: list[str]) -> str | None:
    """Return the shared header (among ``candidates``) whose values in the joined table (``tables``: header -> the
    table holding it) match most of ``right``'s values."""
    best, best_hits = None, 0
    for header in candidates:
        col = quote_ident(header)
        hits = scratch.execute(f"SELECT count(*) FROM (SELECT DISTINCT {key_sql(col)} AS k FROM {tables[header]}) l "
                               f"WHERE k IN (SELECT {key_sql(col)} FROM {right.table})").fetchone()[0]
        if hits > best_hits:
            best, best_hits = header, hits
    return best


def combine(scratch: duckdb.DuckDBPyConnection, parts: list[Part]) -> tuple[str, list[str]]:
    """Return the SELECT joining the parts into one orders table (one row per line, or per order without lines),
    and notices for the user."""
    notes: list[str] = []
    by_role = {p.role: p for p in parts if p.role != "unused"}
    orders, lines = by_role.get("orders"), by_role.get("lines")
    if orders is None and lines is None:
        raise IngestError("None of the files holds orders (an order id and an order time); upload the orders file "
                          "with the others.")
    base = orders or lines
    if lines is not None and orders is None:
        raise IngestError(f"{lines.source.file_name} holds order lines but no order times; upload the orders file "
                          "(with the order time and status) together with it.")
    select: dict[str, str] = {}  # output header -> SQL expression
    order_key = quote_ident(base.order_col)
    line_fields = set()
    if lines is not None:
        line_fields = {h for f, h in lines.proposal.mapping.items() if f in LINE_FIELDS and isinstance(h, str)}
    drop_from_orders = set()
    if lines is not None:
        # The orders file's own line-level columns (an order report lists titles and totals) give way to the lines.
        for f in LINE_FIELDS:
            for header in orders.headers:
                if header == orders.order_col:
                    continue
                norm = normalise_header(header)
                if norm in {normalise_header(s) for s in get_kind("orders").field(f).synonyms}:
                    drop_from_orders.add(header)
    for header in base.headers:
        if header not in drop_from_orders:
            select[header] = f"o.{quote_ident(header)}"
    join = f"FROM {base.table} o"
    if lines is not None:
        line_key = key_sql("l." + quote_ident(lines.order_col))
        okey = key_sql("o." + order_key)
        for header in lines.headers:
            if header == lines.order_col:
                continue
            if header in select and header not in line_fields:
                continue  # an order-level column both files carry: the orders file's
            select[header] = f"l.{quote_ident(header)}"
        join = (f"FROM {orders.table} o FULL OUTER JOIN {lines.table} l ON {line_key} = {okey}")
        select[orders.order_col] = f"coalesce({okey}, {line_key})"
        select[LINK] = (f"CASE WHEN {okey} IS NULL THEN "
                        f"'order_id: no such order in {orders.source.file_name.replace(chr(39), '')}' END")
        no_items, no_order, statuses = scratch.execute(f"""
            SELECT (SELECT count(*) FROM {orders.table} o WHERE NOT EXISTS (
                        SELECT 1 FROM {lines.table} l WHERE {line_key} = {okey})),
                   (SELECT count(*) FROM {lines.table} l WHERE NOT EXISTS (
                        SELECT 1 FROM {orders.table} o WHERE {line_key} = {okey})), NULL""").fetchone()
        if no_items:
            notes.append(f"{no_items:,} orders in {orders.source.file_name} have no line in {lines.source.file_name}: "
                         "they are kept as orders without lines (no GMV).")
        if no_order:
            notes.append(f"{no_order:,} lines in {lines.source.file_name} have no order in {orders.source.file_name}: "
                         "they are rejected.")
    for role, alias in (("customers", "c"), ("products", "p")):
        part = by_role.get(role)
        if part is None:
            continue
        key_field = "customer_id" if role == "customers" else "product_id"
        candidates = [h for h in part.headers if h in select]
        tables = {h: (lines.table if lines is not None and select[h].startswith("l.") else base.table)
                  for h in candidates}
        key = _link_column(scratch, tables, part, candidates) if candidates else None
        if key is None:
            notes.append(f"{part.source.file_name} shares no linking column with the orders; it was not used.")
            continue
        for header in part.headers:
            if header != key and header not in select:
                select[header] = f"{alias}.{quote_ident(header)}"
        join += f" LEFT JOIN {part.table} {alias} ON {key_sql(alias + '.' + quote_ident(key))} = {key_sql(select[key])}"
        notes.append(f"{part.source.file_name}: {role} linked by {key!r} ({key_field}).")
    for part in parts:
        if part.role == "unused":
            notes.append(f"{part.source.file_name} was not used (not orders, lines, customers or products).")
    columns = ", ".join(f"{expr} AS {quote_ident(h)}" for h, expr in select.items())
    return f"SELECT {columns} {join}", notes


def import_files(con: duckdb.DuckDBPyConnection, paths: list[str | os.PathLike], file_names: list[str] | None = None,
                 progress: Progress | None = None, **kwargs) -> ImportResult:
    """Import several files of one export as one import (see the module docstring); a single path is imported as
    usual. Keyword arguments are those of :func:`ecomops.ingest.import_file`."""
    if len(paths) == 1:
        return import_file(con, paths[0], file_name=(file_names or [None])[0], progress=progress, **kwargs)
    report = progress or (lambda _f, _m: None)
    names = file_names or [Path(p).name for p in paths]
    sources = []
    try:
        for path, name in zip(paths, names):
            report(0.05, f"Reading {name}")
            sources.append(prepare(path, file_name=name, hashing="now"))
        scratch = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                     "autoload_known_extensions": False})
        try:
            parts = [_stage_part(scratch, s, i) for i, s in enumerate(sources)]
            _assign_roles(scratch, parts)
            sql, notes = combine(scratch, parts)
            work = Path(sources[0].temp_dir.name)
            out = work / "combined.csv"
            scratch.execute(f"COPY ({sql}) TO '{str(out).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',')")
        finally:
            scratch.close()
        digest = hashlib.sha256("".join(sorted(s.file_hash for s in sources)).encode()).hexdigest()
        combined = Source(original=out, file_name=" + ".join(names), file_hash=digest, format="csv", path=out,
                          encoding="+".join(sorted({s.encoding for s in sources})))
        _sniff_text_layout(combined)
        options = dict(kwargs.pop("options", None) or {})
        options.update(order_only_rows=True, link_check=LINK if LINK in combined.headers else None)
        roles = ", ".join(f"{p.source.file_name} = {p.role}" for p in parts)
        result = import_file(con, out, source=combined, kind=kwargs.pop("kind", None) or "orders", options=options,
                             progress=progress, **kwargs)
        result.files = list(names)
        result.notices = [f"Files: {roles}."] + notes + [n for s in sources for n in s.notes] + result.notices
        return result
    finally:
        for s in sources:
            s.cleanup()
